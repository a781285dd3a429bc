"""Occupancy now (per region, per shelter type) and as a trend, on a small dataset computed by hand."""

import datetime as dt

import pytest
from sqlalchemy import event
from sqlalchemy import text as sa_text

from beds.models import BedPool, Region, Shelter
from errors import ValidationError
from extensions import db
from national import occupancy
from national.models import OccupancySnapshot
from national.tables import suppress
from tests.conftest import ON_POSTGRES

UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def dataset(registry):
    """The registry fixture, adjusted:

    Rotterdam   COSM bed        cap 4  oos 0  occ 2  held 1
                COSM family     cap 1  oos 1  occ 0  held 0
                Mannenopvang    cap 2  oos 0  occ 1  held 0
    Den Haag    Noodbed         cap 1  oos 0  occ 0  held 0
    Amsterdam   Vrouwenopvang   cap 6  oos 1  occ 5  held 0
                (closed) OMP    cap 9  oos 0  occ 0          inactive: not counted
    Utrecht     no shelters                                  not a row, but its turned-away count is national
    """
    s, r = registry["shelters"], registry["regions"]
    cosm_bed, cosm_family = s["rot-cosm"].pools
    cosm_bed.held = 1
    cosm_family.out_of_service = 1
    ams = s["ams-vo"].pools[0]
    ams.occupied, ams.out_of_service = 5, 1
    closed = Shelter(
        key="AMS-OMP",
        name="OMP Amsterdam (gesloten)",
        type="omp",
        region=r["amsterdam"],
        municipality="Amsterdam",
        lat=52.37,
        lon=4.9,
        intake="24/7",
        genders=["female"],
        residence=["lawful"],
        exploitation=["sexual"],
        excludes=[],
        active=False,
        pools=[BedPool(key="bed", kind="bed", capacity=9, occupied=0)],
    )
    utrecht = Region(code="utrecht", name="Utrecht", kind="care", centre="Utrecht", lat=52.09, lon=5.12)
    db.session.add_all([closed, utrecht])
    db.session.commit()
    return {"regions": {**r, "utrecht": utrecht}, "shelters": s}


def by(table, column):
    return {row[column]: row for row in table.rows}


NUMBERS = ("capacity", "out_of_service", "occupied", "held", "free", "utilisation")


def numbers(row):
    return tuple(row[k] for k in NUMBERS)


def test_utilisation_and_alarm_rules():
    assert occupancy.usable(6, 1) == 5
    assert occupancy.utilisation(6, 1, 4, 1) == 100.0
    assert occupancy.utilisation(3, 0, 2, 0) == 66.7  # 2/3 = 66.666...
    assert occupancy.utilisation(2, 2, 0, 0) is None  # nothing usable: no percentage, no alarm
    assert occupancy.alarm(None) is None
    assert occupancy.alarm(64.9) == "low" and occupancy.alarm(65.0) is None
    assert occupancy.alarm(99.9) is None and occupancy.alarm(100.0) == "full"
    assert occupancy.alarm(100.0, 100.0) == "full"  # demand exactly 100: not over
    assert occupancy.alarm(50.0, 100.1) == "over"  # over beats low
    assert occupancy.alarm(100.0, 120.0) == "over"  # over beats full
    assert (occupancy.LOW_PCT, occupancy.OVER_PCT) == (65, 100)


def test_current_per_region_with_demand_and_alarms(dataset, now):
    r = dataset["regions"]
    away = {r["rotterdam"].id: 3, r["utrecht"].id: 2}
    table = occupancy.current(now, turned_away=away)["occupancy_regions"]
    names = [row["region"] for row in table.rows]
    assert names == ["Amsterdam", "Den Haag", "Rotterdam", "Nederland"]  # Utrecht has no shelters: no row
    rows = by(table, "region")
    # Amsterdam: cap 6, oos 1, occ 5, held 0, free 6-1-5 = 0; usable 5, util 5/5 = 100.0 -> "vol".
    #   Nobody turned away: demand 5/5 = 100.0, not over 100.
    assert numbers(rows["Amsterdam"]) == (6, 1, 5, 0, 0, 100.0)
    assert (rows["Amsterdam"]["turned_away"], rows["Amsterdam"]["demand"], rows["Amsterdam"]["alarm"]) == (
        0,
        100.0,
        "full",
    )
    assert rows["Amsterdam"]["alarm_label"] == "vol"
    # Den Haag: cap 1, nothing used: util 0/1 = 0.0 -> "onder 65%".
    assert numbers(rows["Den Haag"]) == (1, 0, 0, 0, 1, 0.0)
    assert (rows["Den Haag"]["demand"], rows["Den Haag"]["alarm"], rows["Den Haag"]["alarm_label"]) == (
        0.0,
        "low",
        "onder 65%",
    )
    # Rotterdam: cap 4+1+2 = 7, oos 1, occ 2+0+1 = 3, held 1, free 7-1-3-1 = 2; usable 6,
    #   util (3+1)/6 = 66.7 (not low); demand (3+1+3)/6 = 116.7 > 100 -> "vraag boven 100%".
    assert numbers(rows["Rotterdam"]) == (7, 1, 3, 1, 2, 66.7)
    assert (rows["Rotterdam"]["turned_away"], rows["Rotterdam"]["demand"], rows["Rotterdam"]["alarm"]) == (
        3,
        116.7,
        "over",
    )
    assert rows["Rotterdam"]["alarm_label"] == "vraag boven 100%"
    assert (rows["Rotterdam"]["region_id"], rows["Rotterdam"]["code"]) == (r["rotterdam"].id, "rotterdam")
    assert (rows["Rotterdam"]["lat"], rows["Rotterdam"]["lon"]) == (51.9225, 4.4792)
    # Nederland: cap 14, oos 2, occ 8, held 1, free 3; usable 12, util 9/12 = 75.0;
    #   turned away 3 + 2 (Utrecht counts nationally) = 5, demand (9+5)/12 = 116.7 -> over.
    total = table.rows[-1]
    assert total["total"] is True and numbers(total) == (14, 2, 8, 1, 3, 75.0)
    assert (total["turned_away"], total["demand"], total["alarm"]) == (5, 116.7, "over")
    assert not any(row.get("total") for row in table.rows[:-1])


def test_current_per_shelter_type(dataset, now):
    table = occupancy.current(now)["occupancy_types"]
    # In vocabulary order; the closed OMP shelter is not counted, so there is no OMP row.
    assert [row["shelter_type"] for row in table.rows] == ["cosm", "vrouwenopvang", "mannenopvang", "noodbed", None]
    rows = by(table, "shelter_type")
    assert rows["cosm"]["type"] == "COSM (categorale opvang)"
    # COSM: cap 5, oos 1, occ 2, held 1, free 1; util 3/4 = 75.0, no alarm.
    assert numbers(rows["cosm"]) + (rows["cosm"]["alarm"],) == (5, 1, 2, 1, 1, 75.0, None)
    # Vrouwenopvang: util 5/5 = 100.0 full; mannenopvang 1/2 = 50.0 low; noodbed 0/1 = 0.0 low.
    assert numbers(rows["vrouwenopvang"]) + (rows["vrouwenopvang"]["alarm"],) == (6, 1, 5, 0, 0, 100.0, "full")
    assert numbers(rows["mannenopvang"]) + (rows["mannenopvang"]["alarm"],) == (2, 0, 1, 0, 1, 50.0, "low")
    assert numbers(rows["noodbed"]) + (rows["noodbed"]["alarm"],) == (1, 0, 0, 0, 1, 0.0, "low")
    # Total as the regions' total: util 9/12 = 75.0.
    assert rows[None]["type"] == "Totaal" and rows[None]["total"] and numbers(rows[None]) == (14, 2, 8, 1, 3, 75.0)


def test_without_turned_away_demand_equals_utilisation_and_is_unknown(dataset, now):
    rows = by(occupancy.current(now)["occupancy_regions"], "region")
    assert rows["Rotterdam"]["turned_away"] is None and rows["Rotterdam"]["demand"] == 66.7
    assert rows["Nederland"]["alarm"] is None  # util 75.0


def test_a_coordinators_region_view(dataset, now):
    r = dataset["regions"]
    tables = occupancy.current(
        now, region_ids={r["rotterdam"].id}, turned_away={r["rotterdam"].id: 3, r["utrecht"].id: 2}
    )
    regions = tables["occupancy_regions"].rows
    assert [row["region"] for row in regions] == ["Rotterdam", "Totaal"]
    # Only Rotterdam's turned-away count: demand (4+3)/6 = 116.7; Utrecht's 2 are not this view's.
    assert numbers(regions[-1]) == (7, 1, 3, 1, 2, 66.7) and (regions[-1]["turned_away"], regions[-1]["demand"]) == (
        3,
        116.7,
    )
    types = by(tables["occupancy_types"], "shelter_type")
    assert set(types) == {"cosm", "mannenopvang", None}
    assert numbers(types[None]) == (7, 1, 3, 1, 2, 66.7)


def test_small_turned_away_counts_and_their_demand_are_suppressed(dataset, now):
    r = dataset["regions"]
    table = suppress(occupancy.current(now, turned_away={r["rotterdam"].id: 2})["occupancy_regions"])
    rotterdam = by(table, "region")["Rotterdam"]
    assert rotterdam["turned_away"] is None and rotterdam["demand"] is None  # 2 persons: recognisable
    assert rotterdam["occupied"] == 3  # places are not victims' records: shown


# --- trend ------------------------------------------------------------------------------------------


def snap(kind, at, pool_id, region_id, capacity, out_of_service, occupied, held, shelter_type="cosm"):
    return OccupancySnapshot(
        kind=kind,
        taken_at=at,
        pool_id=pool_id,
        shelter_id=pool_id,
        region_id=region_id,
        shelter_type=shelter_type,
        capacity=capacity,
        out_of_service=out_of_service,
        occupied=occupied,
        held=held,
        free=capacity - out_of_service - occupied - held,
    )


@pytest.fixture
def history_rows(registry):
    """Daily snapshots (04:00 local = 03:00 UTC in November) of two pools: pool 1 in Rotterdam, pool 2
    in Amsterdam, on 18, 19 and 21 November (the worker was down on the 20th); hourly rows with
    absurd numbers at the same moments, and a daily one after `now`."""
    R, A = registry["regions"]["rotterdam"].id, registry["regions"]["amsterdam"].id
    rows = []
    for day, p1, p2 in [
        (18, (10, 0, 6, 1), (10, 2, 8, 0)),
        (19, (10, 0, 5, 0), (10, 0, 5, 0)),
        (21, (12, 1, 11, 0), (10, 0, 10, 0)),
    ]:
        at = utc(2026, 11, day, 3)
        rows += [snap("daily", at, 1, R, *p1), snap("daily", at, 2, A, *p2)]
        rows += [
            snap("hourly", at, 1, R, 100, 0, 0, 0),
            snap("hourly", at, 2, A, 100, 0, 0, 0),
            snap("hourly", at + dt.timedelta(hours=1), 1, R, 100, 0, 0, 0),
        ]
    rows.append(snap("daily", utc(2026, 11, 22, 3), 1, R, 50, 0, 50, 0))  # after NOW (01:30 UTC): not yet
    db.session.add_all(rows)
    db.session.commit()
    return {"R": R, "A": A}


def test_trend_sums_daily_snapshots_per_local_date(history_rows, now):
    table = occupancy.trend(now, 30)
    assert table.key == "occupancy_trend"
    # 18th: cap 10+10 = 20, oos 0+2 = 2, occ 6+8 = 14, held 1, free 20-2-14-1 = 3, util 15/18 = 83.3
    # 19th: cap 20, oos 0, occ 10, held 0, free 10, util 10/20 = 50.0
    # 20th: no snapshot: absent.   21st: cap 22, oos 1, occ 21, free 0, util 21/21 = 100.0
    # The hourly rows (capacity 100) are not counted; the 22nd's daily is after `now`.
    assert [(row["date"],) + numbers(row) for row in table.rows] == [
        ("2026-11-18", 20, 2, 14, 1, 3, 83.3),
        ("2026-11-19", 20, 0, 10, 0, 10, 50.0),
        ("2026-11-21", 22, 1, 21, 0, 0, 100.0),
    ]


def test_trend_window_is_the_last_n_local_dates(history_rows, now):
    # 4 days up to Sunday the 22nd: the 19th to the 22nd.
    assert [row["date"] for row in occupancy.trend(now, 4).rows] == ["2026-11-19", "2026-11-21"]
    later = utc(2026, 11, 22, 12)
    assert [row["date"] for row in occupancy.trend(later, 1).rows] == ["2026-11-22"]
    with pytest.raises(ValidationError) as err:
        occupancy.trend(now, 0)
    assert err.value.field == "days"


def test_trend_for_a_coordinators_regions(history_rows, now):
    rows = occupancy.trend(now, 30, region_ids={history_rows["R"]}).rows
    # Pool 1 only: 18th 10/0/6/1, free 3, util 7/10 = 70.0; 19th util 5/10 = 50.0; 21st 11/11 = 100.0
    assert [(row["date"],) + numbers(row) for row in rows] == [
        ("2026-11-18", 10, 0, 6, 1, 3, 70.0),
        ("2026-11-19", 10, 0, 5, 0, 5, 50.0),
        ("2026-11-21", 12, 1, 11, 0, 0, 100.0),
    ]


def test_trend_reads_raw_history_in_one_query_that_searches_the_slot_index(history_rows, now):
    statements = []
    listener = lambda conn, cursor, statement, params, context, many: statements.append((statement, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        occupancy.trend(now, 365)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    # The daily rollup (national/snapshots.py) answers up to its last day; the raw snapshots after it, in one query.
    raw = [(s, p) for s, p in selects if "occupancy_snapshots" in s]
    assert all("occupancy_daily_regions" in s for s, _ in selects if (s, _) not in raw) and len(selects) <= 3
    assert len(raw) == 1 and "GROUP BY" in raw[0][0].upper()
    selects = raw
    if not ON_POSTGRES:  # SQLite's plan: a search on (kind, taken_at), never a scan of the table
        statement, params = selects[0]
        plan = " ".join(
            str(row[-1])
            for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        )
        assert "SEARCH occupancy_snapshots USING" in plan and "kind=? AND taken_at>?" in plan, plan
    db.session.rollback()


def test_history_per_slot_and_region(history_rows):
    rows = occupancy.history(utc(2026, 11, 21, 0), utc(2026, 11, 22, 0), "hourly").rows
    # Hourly on the 21st: 03:00 UTC both pools, 04:00 UTC pool 1 (Rotterdam) only; local time is UTC+1.
    assert [(row["taken_at"], row["region"], row["capacity"], row["free"]) for row in rows] == [
        ("2026-11-21T04:00+01:00", "Amsterdam", 100, 100),
        ("2026-11-21T04:00+01:00", "Rotterdam", 100, 100),
        ("2026-11-21T05:00+01:00", "Rotterdam", 100, 100),
    ]
    daily = occupancy.history(utc(2026, 11, 18, 0), utc(2026, 11, 20, 0), "daily", region_ids={history_rows["R"]}).rows
    assert [(row["taken_at"], numbers(row)) for row in daily] == [
        ("2026-11-18T04:00+01:00", (10, 0, 6, 1, 3, 70.0)),
        ("2026-11-19T04:00+01:00", (10, 0, 5, 0, 5, 50.0)),
    ]
    with pytest.raises(ValidationError) as err:
        occupancy.history(utc(2026, 11, 18, 0), utc(2026, 11, 20, 0), "weekly")
    assert err.value.field == "kind"


@pytest.mark.postgres_only
def test_trend_uses_the_slot_index_over_a_year_of_hourly_rows(registry, now):
    """A year of hourly rows for 60 pools (525,600) plus the daily ones: the planner reaches the daily
    rows through the (kind, taken_at, pool_id) index and never scans the hourly ones."""
    region = registry["regions"]["rotterdam"].id
    db.session.execute(
        sa_text("""
        INSERT INTO occupancy_snapshots (kind, taken_at, pool_id, shelter_id, region_id, shelter_type,
                                         capacity, out_of_service, occupied, held, free)
        SELECT k.kind, t.at, p.id, p.id, :region, 'cosm', 10, 0, 5, 0, 5
        FROM (SELECT 'hourly' AS kind, g AS at FROM generate_series(CAST(:start AS timestamp), CAST(:end AS timestamp),
                                                                     interval '1 hour') g
              UNION ALL
              SELECT 'daily', g FROM generate_series(CAST(:start AS timestamp) + interval '3 hours',
                                                     CAST(:end AS timestamp), interval '1 day') g) k(kind, at)
        CROSS JOIN LATERAL (SELECT k.at) t(at)
        CROSS JOIN generate_series(1, 60) p(id)
    """),
        {"region": region, "start": "2025-11-21 00:00:00", "end": "2026-11-21 23:00:00"},
    )
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE occupancy_snapshots")
    db.session.commit()
    statements = []
    listener = lambda conn, cursor, statement, params, context, many: statements.append((statement, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        rows = occupancy.trend(now, 365).rows
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # 365 local dates up to Sunday 2026-11-22 start on 2025-11-23; the 22nd's daily is not due yet (02:30).
    assert len(rows) == 364 and (rows[0]["date"], rows[-1]["date"]) == ("2025-11-23", "2026-11-21")
    assert rows[-1]["capacity"] == 600  # 60 pools of 10
    # The raw snapshots' one query (the daily rollup, empty here, is asked first for its last day).
    statement, params = next(
        (s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT") and "occupancy_snapshots" in s
    )
    plan = "\n".join(row[0] for row in db.session.connection().exec_driver_sql("EXPLAIN " + statement, params).all())
    assert "uq_occupancy_slot_pool" in plan and "Seq Scan" not in plan, plan
    db.session.rollback()
