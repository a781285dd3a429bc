"""Occupancy for the national page: live numbers per region and shelter type, trends from the daily
snapshots, the hourly/daily history for export, and the dated bed inventory.

utilisation = (occupied + held) / (capacity - out_of_service) * 100: places out of service are not
places anyone can use, and held places are as taken as occupied ones.
demand = (occupied + held + turned away) / usable * 100: over 100 means more people needed a place
than there are usable places.
"""

import datetime as dt

from sqlalchemy import func, select

import vocabulary
from beds.models import BedPool, CapacityChange, Region, Shelter
from errors import ValidationError
from extensions import db
from national.models import SNAPSHOT_KINDS, OccupancyDailyRegion, OccupancySnapshot
from national.snapshots import daily_slot, last_rolled_up
from national.tables import Table
from timeutil import local

LOW_PCT = 65  # utilisation under this: places paid for and unused
FULL_PCT = 100  # utilisation at or over this: nothing left
OVER_PCT = 100  # demand over this: more people than usable places
MAX_DAYS = 3660

NUMBERS = [
    ("capacity", "Capaciteit"),
    ("out_of_service", "Buiten gebruik"),
    ("occupied", "Bezet"),
    ("held", "Gereserveerd"),
    ("free", "Vrij"),
    ("utilisation", "Bezetting %"),
]


def usable(capacity, out_of_service) -> int:
    return capacity - out_of_service


def _pct(part, whole):
    return None if not whole or whole <= 0 else round(part / whole * 100, 1)


def utilisation(capacity, out_of_service, occupied, held) -> float | None:
    """Percentage of usable places occupied or held, 1 decimal; None when nothing is usable."""
    return _pct(occupied + held, usable(capacity, out_of_service))


def demand(capacity, out_of_service, occupied, held, turned_away=0) -> float | None:
    return _pct(occupied + held + (turned_away or 0), usable(capacity, out_of_service))


def alarm(utilisation_pct, demand_pct=None) -> str | None:
    """ "over" beats "full" beats "low"; None when nothing is wrong (or nothing is usable)."""
    if demand_pct is not None and demand_pct > OVER_PCT:
        return "over"
    if utilisation_pct is None:
        return None
    if utilisation_pct >= FULL_PCT:
        return "full"
    if utilisation_pct < LOW_PCT:
        return "low"
    return None


def _numbers(capacity, out_of_service, occupied, held) -> dict:
    capacity, out_of_service, occupied, held = (int(x or 0) for x in (capacity, out_of_service, occupied, held))
    return {
        "capacity": capacity,
        "out_of_service": out_of_service,
        "occupied": occupied,
        "held": held,
        "free": capacity - out_of_service - occupied - held,
        "utilisation": utilisation(capacity, out_of_service, occupied, held),
    }


def _with_alarm(row, turned_away=None, with_demand=True) -> dict:
    if with_demand:
        row["turned_away"] = turned_away
        row["demand"] = demand(row["capacity"], row["out_of_service"], row["occupied"], row["held"], turned_away)
    # The column holds the code (stable in CSV/JSON, a CSS class on the page); vocabulary gives its label.
    code = alarm(row["utilisation"], row.get("demand"))
    row["alarm"], row["alarm_label"] = code, vocabulary.OCCUPANCY_ALARMS.get(code)
    return row


def alarm_without_demand(row) -> None:
    """The alarm from the bed numbers alone: once turned_away is hidden, "over" would betray it."""
    row["demand"] = None
    _with_alarm(row, with_demand=False)


def _total(rows) -> dict:
    return _numbers(*(sum(r[k] for r in rows) for k in ("capacity", "out_of_service", "occupied", "held")))


# --- live numbers ---------------------------------------------------------------------------------

SUMS = (
    func.sum(BedPool.capacity),
    func.sum(BedPool.out_of_service),
    func.sum(BedPool.occupied),
    func.sum(BedPool.held),
)


def _live(group_by, region_ids):
    """One GROUP BY over the pools of active shelters (regions joined for their names)."""
    query = (
        select(*group_by, *SUMS)
        .select_from(BedPool)
        .join(Shelter, Shelter.id == BedPool.shelter_id)
        .join(Region, Region.id == Shelter.region_id)
        .where(Shelter.active.is_(True))
        .group_by(*group_by)
    )
    if region_ids is not None:
        query = query.where(Shelter.region_id.in_(list(region_ids)))
    return db.session.execute(query).all()


def current(now, region_ids=None, turned_away=None) -> dict[str, Table]:
    """Live occupancy of the pools of active shelters, per region (only regions that have shelters)
    and per shelter type, each closed by a total row ({"total": True}).

    region_ids: None for the whole country, a set for a coordinator's regions. turned_away:
    {region_id: persons not placed in the last 30 days}, given by the caller; it raises demand."""
    region_cols = (Region.id, Region.code, Region.name, Region.lat, Region.lon)
    regions = []
    for rid, code, name, lat, lon, *sums in sorted(_live(region_cols, region_ids), key=lambda r: (r[2], r[0])):
        row = {"region": name, "region_id": rid, "code": code, "lat": lat, "lon": lon, **_numbers(*sums)}
        regions.append(_with_alarm(row, None if turned_away is None else turned_away.get(rid, 0)))
    total_away = None
    if turned_away is not None:
        total_away = sum(n for rid, n in turned_away.items() if region_ids is None or rid in region_ids)
    total = {
        "region": "Nederland" if region_ids is None else "Totaal",
        "region_id": None,
        "total": True,
        **_total(regions),
    }
    regions.append(_with_alarm(total, total_away))

    order = list(vocabulary.SHELTER_TYPES)
    types = []
    for code, *sums in sorted(
        _live((Shelter.type,), region_ids), key=lambda r: order.index(r[0]) if r[0] in order else len(order)
    ):
        row = {"type": vocabulary.label(vocabulary.SHELTER_TYPES, code), "shelter_type": code, **_numbers(*sums)}
        types.append(_with_alarm(row, with_demand=False))
    types.append(
        _with_alarm({"type": "Totaal", "shelter_type": None, "total": True, **_total(types)}, with_demand=False)
    )

    return {
        "occupancy_regions": Table(
            key="occupancy_regions",
            title="Bezetting per regio",
            columns=[
                ("region", "Regio"),
                *NUMBERS,
                ("turned_away", "Niet geplaatst (30 dagen)"),
                ("demand", "Vraag %"),
                ("alarm", "Signaal"),
            ],
            rows=regions,
            counts=("turned_away",),
            guarded={"demand": "turned_away"},
            total_by=(),
            # the persons of the last 30 days' unmet demand, per region (national/demand.py)
            parts_in={"turned_away": ("unmet_by_region_month", "persons", 30)},
            reflag=alarm_without_demand,
        ),
        "occupancy_types": Table(
            key="occupancy_types",
            title="Bezetting per soort opvang",
            columns=[("type", "Soort opvang"), *NUMBERS, ("alarm", "Signaal")],
            rows=types,
        ),
    }


# --- history --------------------------------------------------------------------------------------

ROLLUP_SUMS = (
    func.sum(OccupancyDailyRegion.capacity),
    func.sum(OccupancyDailyRegion.out_of_service),
    func.sum(OccupancyDailyRegion.occupied),
    func.sum(OccupancyDailyRegion.held),
)
SNAP_SUMS = (
    func.sum(OccupancySnapshot.capacity),
    func.sum(OccupancySnapshot.out_of_service),
    func.sum(OccupancySnapshot.occupied),
    func.sum(OccupancySnapshot.held),
)


def _days(days) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"must be a whole number of days from 1 to {MAX_DAYS}", field="days")
    return days


def trend(now, days, region_ids=None, rollup=True) -> Table:
    """One row per local date of the last `days` days (today included) that has a daily snapshot,
    summed over pools. Days without a snapshot are absent: no invented numbers.

    Reads the daily rollup (one row per region and day, national/snapshots.roll_up) up to its last
    slot and the daily snapshots after it (normally none: the worker writes both together); a year
    of hourly rows, or of daily rows per pool, is never scanned. rollup=False: the daily snapshots
    alone, the raw figures (tests compare the two)."""
    first = daily_slot(local(now).date() - dt.timedelta(days=_days(days) - 1))
    done = last_rolled_up() if rollup else None
    sums = []
    if done is not None and done >= first:
        query = (
            select(OccupancyDailyRegion.taken_at, *ROLLUP_SUMS)
            .where(
                OccupancyDailyRegion.taken_at >= first,
                OccupancyDailyRegion.taken_at <= min(now, done),
            )
            .group_by(OccupancyDailyRegion.taken_at)
            .order_by(OccupancyDailyRegion.taken_at)
        )
        if region_ids is not None:
            query = query.where(OccupancyDailyRegion.region_id.in_(list(region_ids)))
        sums += db.session.execute(query).all()
    query = (
        select(OccupancySnapshot.taken_at, *SNAP_SUMS)
        .where(
            OccupancySnapshot.kind == "daily",
            OccupancySnapshot.taken_at >= (first if done is None or done < first else done + dt.timedelta(seconds=1)),
            OccupancySnapshot.taken_at <= now,
        )
        .group_by(OccupancySnapshot.taken_at)
        .order_by(OccupancySnapshot.taken_at)
    )
    if region_ids is not None:
        query = query.where(OccupancySnapshot.region_id.in_(list(region_ids)))
    sums += db.session.execute(query).all()
    rows = [{"date": local(taken_at).date().isoformat(), **_numbers(*numbers)} for taken_at, *numbers in sums]
    return Table(
        key="occupancy_trend",
        title=f"Bezetting, laatste {days} dagen",
        columns=[("date", "Datum"), *NUMBERS],
        rows=rows,
    )


def history(since, until, kind, region_ids=None) -> Table:
    """Per snapshot slot in [since, until) and per region the summed numbers (for export).
    Slots are local times with their UTC offset: the hour the clocks go back appears twice, distinctly."""
    if kind not in SNAPSHOT_KINDS:
        raise ValidationError(f"must be one of {', '.join(SNAPSHOT_KINDS)}", field="kind")
    if since is None or until is None or until <= since:
        raise ValidationError("the end must be after the start", field="until")
    query = (
        select(OccupancySnapshot.taken_at, OccupancySnapshot.region_id, Region.name, *SNAP_SUMS)
        .outerjoin(Region, Region.id == OccupancySnapshot.region_id)  # history outlives a region
        .where(OccupancySnapshot.kind == kind, OccupancySnapshot.taken_at >= since, OccupancySnapshot.taken_at < until)
        .group_by(OccupancySnapshot.taken_at, OccupancySnapshot.region_id, Region.name)
        .order_by(OccupancySnapshot.taken_at, Region.name, OccupancySnapshot.region_id)
    )
    if region_ids is not None:
        query = query.where(OccupancySnapshot.region_id.in_(list(region_ids)))
    rows = [
        {
            "taken_at": local(taken_at).isoformat(timespec="minutes"),
            "region": name or f"regio {rid}",
            "region_id": rid,
            **_numbers(*sums),
        }
        for taken_at, rid, name, *sums in db.session.execute(query)
    ]
    title = "Bezetting per uur" if kind == "hourly" else "Bezetting per dag (04:00)"
    return Table(
        key="occupancy_history",
        title=title,
        columns=[("taken_at", "Tijdstip"), ("region", "Regio"), *NUMBERS],
        rows=rows,
    )


# --- the bed inventory ------------------------------------------------------------------------------


def inventory(now, since=None, until=None, region_ids=None) -> Table:
    """Capacity changes in [since, until) (default: the last 365 days up to now), oldest first: new
    pools (before empty) and changed capacities. The region filter is the shelter's current region."""
    until = until or now
    since = since or until - dt.timedelta(days=365)
    query = (
        select(CapacityChange, Shelter.name, BedPool.key)
        .outerjoin(Shelter, Shelter.id == CapacityChange.shelter_id)  # no FKs: the inventory outlives both
        .outerjoin(BedPool, BedPool.id == CapacityChange.pool_id)
        .where(CapacityChange.effective_at >= since, CapacityChange.effective_at < until)
        .order_by(CapacityChange.effective_at, CapacityChange.id)
    )
    if region_ids is not None:
        query = query.where(Shelter.region_id.in_(list(region_ids)))
    rows = []
    for change, shelter_name, pool_key in db.session.execute(query):
        rows.append(
            {
                "date": local(change.effective_at).date().isoformat(),
                "shelter": shelter_name or f"opvang {change.shelter_id}",
                "pool": pool_key or f"#{change.pool_id}",
                "before": change.capacity_before,
                "after": change.capacity_after,
                "difference": change.capacity_after - (change.capacity_before or 0),
                "shelter_id": change.shelter_id,
                "pool_id": change.pool_id,
                "effective_at": change.effective_at.isoformat(),
            }
        )
    return Table(
        key="capacity_changes",
        title="Wijzigingen in de capaciteit",
        columns=[
            ("date", "Datum"),
            ("shelter", "Opvang"),
            ("pool", "Soort plaats"),
            ("before", "Was"),
            ("after", "Wordt"),
            ("difference", "Verschil"),
        ],
        rows=rows,
    )
