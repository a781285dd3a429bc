"""Occupancy snapshots: one per pool per UTC hour, one per pool per day at 04:00 local time, written
once, across daylight-saving changes, with the pool's numbers of that moment, never rewritten."""

import datetime as dt
import threading

import pytest
from sqlalchemy import event, func, select

from beds.models import BedPool, Shelter
from extensions import db
from national import freshness, snapshots
from national.jobs import JOBS
from national.models import OccupancySnapshot
from tests.conftest import run_concurrently
from timeutil import AMSTERDAM

UTC = dt.UTC
POOLS = 5  # the registry fixture: COSM Rotterdam 2 pools, the other three shelters 1 each


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def rows(kind=None):
    query = select(OccupancySnapshot).order_by(OccupancySnapshot.taken_at, OccupancySnapshot.pool_id)
    if kind:
        query = query.where(OccupancySnapshot.kind == kind)
    return db.session.scalars(query).all()


def slots(kind):
    return sorted(set(db.session.scalars(select(OccupancySnapshot.taken_at).where(OccupancySnapshot.kind == kind))))


def test_hourly_slot_is_the_whole_utc_hour_and_written_once(registry, now):
    # NOW is 01:30 UTC (02:30 local, Sunday): before 04:00 local, so no daily snapshot yet.
    assert snapshots.take(now) == {"hourly": POOLS, "daily": 0}
    assert snapshots.take(now + dt.timedelta(minutes=29)) == {"hourly": 0, "daily": 0}
    assert not snapshots.take(now)  # nothing written: falsy, so the worker does not log it
    assert slots("hourly") == [utc(2026, 11, 22, 1)] and rows("daily") == []
    assert snapshots.take(now + dt.timedelta(minutes=30))["hourly"] == POOLS  # 02:00 UTC: the next slot
    assert len(rows("hourly")) == 2 * POOLS


def test_rows_carry_the_pools_numbers_of_that_moment(registry, now):
    cosm = registry["shelters"]["rot-cosm"]
    bed = cosm.pools[0]  # capacity 4, occupied 2
    snapshots.take(now)
    bed.occupied, bed.held, bed.out_of_service = 3, 1, 0
    db.session.commit()
    snapshots.take(now + dt.timedelta(hours=1))
    first, second = db.session.scalars(
        select(OccupancySnapshot).where(OccupancySnapshot.pool_id == bed.id).order_by(OccupancySnapshot.taken_at)
    ).all()
    assert (first.capacity, first.occupied, first.held, first.free) == (4, 2, 0, 2)
    assert (second.capacity, second.occupied, second.held, second.free) == (4, 3, 1, 0)
    assert (first.shelter_id, first.region_id, first.shelter_type) == (cosm.id, cosm.region_id, "cosm")


def test_only_active_shelters_and_region_and_type_as_they_are_now(registry, now):
    registry["shelters"]["dh-nood"].active = False
    mo = registry["shelters"]["rot-mo"]
    mo.region_id, mo.type = registry["regions"]["amsterdam"].id, "omp"
    db.session.commit()
    assert snapshots.take(now)["hourly"] == POOLS - 1
    row = db.session.scalar(select(OccupancySnapshot).where(OccupancySnapshot.shelter_id == mo.id))
    assert (row.region_id, row.shelter_type) == (registry["regions"]["amsterdam"].id, "omp")


def test_history_rows_are_never_updated(registry, now):
    snapshots.take(now)
    row = rows()[0]
    row.occupied += 1
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(OccupancySnapshot, row.id).occupied == row.occupied


def test_daily_slot_is_four_oclock_local_across_daylight_saving():
    # Summer time (CEST, UTC+2): 04:00 local = 02:00 UTC; winter time (CET, UTC+1): 03:00 UTC.
    assert snapshots.daily_slot(dt.date(2027, 3, 27)) == utc(2027, 3, 27, 3)  # the day before spring forward
    assert snapshots.daily_slot(dt.date(2027, 3, 28)) == utc(2027, 3, 28, 2)  # clocks went 02:00 -> 03:00 that night
    assert snapshots.daily_slot(dt.date(2026, 10, 24)) == utc(2026, 10, 24, 2)
    assert snapshots.daily_slot(dt.date(2026, 10, 25)) == utc(2026, 10, 25, 3)  # clocks went 03:00 -> 02:00
    # Due from 04:00 local on: 01:59 UTC on 2027-03-28 is 03:59 CEST, 02:00 UTC is 04:00 CEST.
    assert snapshots.due_daily_slot(utc(2027, 3, 28, 1, 59)) is None
    assert snapshots.due_daily_slot(utc(2027, 3, 28, 2, 0)) == utc(2027, 3, 28, 2)
    assert snapshots.due_daily_slot(utc(2026, 10, 25, 2, 59)) is None  # 03:59 CET
    assert snapshots.due_daily_slot(utc(2026, 10, 25, 3, 0)) == utc(2026, 10, 25, 3)


@pytest.mark.parametrize(
    "day, slot", [(dt.date(2027, 3, 28), utc(2027, 3, 28, 2)), (dt.date(2026, 10, 25), utc(2026, 10, 25, 3))]
)
def test_worker_ticking_all_day_writes_one_daily_snapshot(registry, day, slot):
    start = dt.datetime.combine(day, dt.time(0), tzinfo=AMSTERDAM).astimezone(UTC)  # local midnight
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=AMSTERDAM).astimezone(UTC)
    moment = start
    while moment < end:  # every 20 minutes through the local day (23 or 25 hours long)
        snapshots.take(moment)
        moment += dt.timedelta(minutes=20)
    assert slots("daily") == [slot]
    assert len(rows("daily")) == POOLS


def test_twenty_five_hourly_slots_on_the_day_the_clocks_go_back(registry):
    # 2026-10-25 local runs from 2026-10-24 22:00 UTC (00:00 CEST) to 2026-10-25 23:00 UTC (24:00 CET): 25 hours.
    start = utc(2026, 10, 24, 22)
    for minute in range(0, 25 * 60, 30):
        snapshots.take(start + dt.timedelta(minutes=minute))
    hourly = slots("hourly")
    assert len(hourly) == 25 and hourly[0] == start and hourly[-1] == utc(2026, 10, 25, 22)
    per_pool = db.session.execute(
        select(OccupancySnapshot.pool_id, func.count())
        .where(OccupancySnapshot.kind == "hourly")
        .group_by(OccupancySnapshot.pool_id)
    ).all()
    assert len(per_pool) == POOLS and {n for _, n in per_pool} == {25}


def test_a_worker_down_at_four_writes_the_daily_on_restart_and_never_backfills(registry, now):
    # Down from Saturday evening until Monday 15:00 local (14:00 UTC): Sunday's daily is never invented.
    assert snapshots.take(utc(2026, 11, 23, 14, 0))["daily"] == POOLS
    assert snapshots.take(utc(2026, 11, 23, 22, 59))["daily"] == 0  # 23:59 local, same day
    assert snapshots.take(utc(2026, 11, 23, 23, 30))["daily"] == 0  # 00:30 Tuesday: not due until 04:00
    assert slots("daily") == [utc(2026, 11, 23, 3)]  # Monday 04:00 local, not the restart time


def test_on_conflict_do_nothing_when_two_workers_passed_the_check(registry, now, monkeypatch):
    monkeypatch.setattr(snapshots, "_slot_taken", lambda kind, slot: False)  # as if both checked at once
    assert snapshots.take(now)["hourly"] == POOLS
    assert snapshots.take(now)["hourly"] == 0  # the insert met the unique constraint: nothing, no error
    assert len(rows()) == POOLS


def test_two_workers_at_once_write_each_slot_once(app, registry):
    moment = utc(2026, 11, 22, 10, 0)  # 11:00 local: hourly and daily due
    db.session.commit()
    barrier = threading.Barrier(3)

    def work():
        with app.app_context():
            try:
                barrier.wait(timeout=20)
                snapshots.take(moment)
            finally:
                db.session.remove()

    assert run_concurrently(work, [(), (), ()]) == [None, None, None]
    assert len(rows("hourly")) == POOLS and len(rows("daily")) == POOLS


def test_one_bulk_insert_for_hundreds_of_pools(registry, now):
    cosm = registry["shelters"]["rot-cosm"]
    db.session.add_all(
        [BedPool(shelter_id=cosm.id, key=f"extra-{i}", kind="bed", capacity=2, occupied=1) for i in range(445)]
    )
    db.session.commit()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = snapshots.take(utc(2026, 11, 22, 5, 0))  # 06:00 local: hourly and daily
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert result == {"hourly": 450, "daily": 450}
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # One executemany per kind (a driver may split it in a few batches), never one statement per row.
    assert 2 <= len(inserts) <= 10 and len(statements) < 20


def test_jobs_are_listed_for_the_worker():
    assert JOBS["occupancy_snapshots"] == (snapshots.take, 60)
    assert JOBS["freshness_reminders"] == (freshness.remind_stale, 600)


def test_a_shelter_without_pools_or_no_shelters_writes_nothing(app, now):
    assert snapshots.take(now) == {"hourly": 0, "daily": 0}
    assert db.session.scalar(select(func.count()).select_from(Shelter)) == 0


def test_the_worker_takes_snapshots_every_minute(app):
    """app.py lists the worker's jobs; the snapshot job is among them, idempotent per slot so a minute is safe."""
    jobs = app.extensions["worker_jobs"]
    assert jobs["occupancy_snapshots"] == (snapshots.take, 60)
    assert jobs["freshness_reminders"] == (freshness.remind_stale, 600)
    assert "report_reminders" in jobs and "escalate" in jobs
