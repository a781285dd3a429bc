"""Occupancy snapshots: every pool's numbers once per UTC hour, and once per day at 04:00 local time.

The worker runs take() every minute; each slot is written once (the unique constraint on
(kind, taken_at, pool_id) and INSERT ... ON CONFLICT DO NOTHING), so a second worker or a restart
within the hour writes nothing twice. A worker that was down at 04:00 writes the day's snapshot when
it comes back, later that day; past days are never backfilled: their numbers are unknown.
"""

import datetime as dt

from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from beds.models import BedPool, Shelter
from extensions import db
from national.models import OccupancyDailyRegion, OccupancySnapshot
from timeutil import AMSTERDAM, UTC, local
from transactions import atomic

DAILY_AT = dt.time(4, 0)  # local; never inside a DST gap or fold (those are 02:00-03:00)


def hour_slot(now) -> dt.datetime:
    """The UTC hour `now` falls in: 25 distinct slots on the day the clocks go back."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def daily_slot(day: dt.date) -> dt.datetime:
    """04:00 Amsterdam time on `day`, in UTC (02:00 UTC in summer, 03:00 UTC in winter)."""
    return dt.datetime.combine(day, DAILY_AT, tzinfo=AMSTERDAM).astimezone(UTC)


def due_daily_slot(now) -> dt.datetime | None:
    """Today's daily slot once it has come (local time >= 04:00), else None."""
    slot = daily_slot(local(now).date())
    return slot if now >= slot else None


def _pool_rows():
    """Every pool of every active shelter, with region and type as they are now."""
    query = (
        select(
            BedPool.id,
            BedPool.shelter_id,
            Shelter.region_id,
            Shelter.type,
            BedPool.capacity,
            BedPool.out_of_service,
            BedPool.occupied,
            BedPool.held,
        )
        .join(Shelter, Shelter.id == BedPool.shelter_id)
        .where(Shelter.active.is_(True))
        .order_by(BedPool.id)
    )
    return [
        {
            "pool_id": r.id,
            "shelter_id": r.shelter_id,
            "region_id": r.region_id,
            "shelter_type": r.type,
            "capacity": r.capacity,
            "out_of_service": r.out_of_service,
            "occupied": r.occupied,
            "held": r.held,
            "free": r.capacity - r.out_of_service - r.occupied - r.held,
        }
        for r in db.session.execute(query)
    ]


def _slot_taken(kind, slot) -> bool:
    return db.session.scalar(select(exists().where(OccupancySnapshot.kind == kind, OccupancySnapshot.taken_at == slot)))


def _insert_ignoring_duplicates(table=OccupancySnapshot.__table__, keys=("kind", "taken_at", "pool_id")):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def _write(kind, slot, pools) -> int:
    if not pools or _slot_taken(kind, slot):
        return 0
    # One bulk insert (batched multi-row VALUES); ON CONFLICT covers a second worker that passed the
    # check at the same moment. RETURNING counts the rows really written (rowcount is not reliable
    # for a batched insert on every driver).
    result = db.session.execute(
        _insert_ignoring_duplicates().returning(OccupancySnapshot.id),
        [dict(p, kind=kind, taken_at=slot) for p in pools],
    )
    return len(result.all())


class Written(dict):
    """Rows written per kind; false when nothing was, so the worker logs only real work."""

    def __bool__(self):
        return any(self.values())


def take(now) -> Written:
    """Write the hourly slot of `now` and, from 04:00 local time on, today's daily slot, if not
    written yet, and sum new daily slots into the rollup (roll_up). Returns the rows written per kind, e.g. {"hourly": 450, "daily": 0}."""
    with atomic():
        pools = _pool_rows()
        written = Written(hourly=_write("hourly", hour_slot(now), pools), daily=0)
        slot = due_daily_slot(now)
        if slot is not None:
            written["daily"] = _write("daily", slot, pools)
        roll_up()  # the trend's rollup, in the same transaction as the day's slot
    return written


# --- the daily rollup: the daily snapshots summed per region (national/models.OccupancyDailyRegion) --------


def last_rolled_up():
    """The last daily slot the rollup holds, or None."""
    return db.session.scalar(select(func.max(OccupancyDailyRegion.taken_at)))


def roll_up() -> int:
    """Sum the daily slots after the rollup's last one, per region, into the rollup. Two index lookups when
    there is nothing to do (every minute); the slot of the day once it is written; all of them the first
    time (or after daily rows were loaded otherwise). Returns the rows written. In the caller's transaction."""
    last_daily = db.session.scalar(
        select(func.max(OccupancySnapshot.taken_at)).where(OccupancySnapshot.kind == "daily")
    )
    done = last_rolled_up()
    if last_daily is None or (done is not None and last_daily <= done):
        return 0
    sums = (
        select(
            OccupancySnapshot.taken_at,
            OccupancySnapshot.region_id,
            func.count(),
            func.sum(OccupancySnapshot.capacity),
            func.sum(OccupancySnapshot.out_of_service),
            func.sum(OccupancySnapshot.occupied),
            func.sum(OccupancySnapshot.held),
        )
        .where(OccupancySnapshot.kind == "daily")
        .group_by(OccupancySnapshot.taken_at, OccupancySnapshot.region_id)
    )
    if done is not None:
        sums = sums.where(OccupancySnapshot.taken_at > done)
    columns = ["taken_at", "region_id", "pools", "capacity", "out_of_service", "occupied", "held"]
    statement = _insert_ignoring_duplicates(OccupancyDailyRegion.__table__, ("taken_at", "region_id")).from_select(
        columns, sums
    )
    return db.session.execute(statement).rowcount or 0
