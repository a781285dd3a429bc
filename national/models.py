"""Occupancy history: one row per pool per hour, and one per pool per day at 04:00 local time.

Append-only and denormalised (region and shelter type as they were then, no foreign keys): history
outlives a shelter's move or closure, and the national page reads it without joins.
"""

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from audit.models import APPEND_ONLY
from columns import UTCDateTime
from extensions import db

SNAPSHOT_KINDS = ("hourly", "daily")


class OccupancySnapshot(db.Model):
    __tablename__ = "occupancy_snapshots"
    # One row per (kind, slot, pool): a second worker, or a restart within the hour, writes nothing twice.
    # The constraint's index, led by (kind, taken_at), is also what the trend queries use.
    __table_args__ = (UniqueConstraint("kind", "taken_at", "pool_id", name="uq_occupancy_slot_pool"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(6))  # hourly | daily
    taken_at = mapped_column(UTCDateTime)  # the slot: the whole hour, or 04:00 local time of the day
    pool_id: Mapped[int] = mapped_column(Integer)
    shelter_id: Mapped[int] = mapped_column(Integer, index=True)
    region_id: Mapped[int] = mapped_column(Integer)
    shelter_type: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer)
    out_of_service: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    free: Mapped[int] = mapped_column(Integer)


APPEND_ONLY.add(OccupancySnapshot)


class OccupancyDailyRegion(db.Model):
    """The daily snapshots summed per region: the trend over 30, 90 or 365 days reads one row per region
    and day (a year: about 9,000) instead of one per pool and day (a year, 400 pools: 150,000).

    Derived, never edited: written with the daily slot (national/snapshots.py) and caught up by the
    worker's occupancy_snapshots job for daily rows written otherwise (a restore, the demo history).
    national/occupancy.trend reads it up to its last slot and the daily snapshots after that, so the
    figures are the raw ones whatever the worker has done (tests/national/test_rollup.py)."""

    __tablename__ = "occupancy_daily_regions"
    __table_args__ = (UniqueConstraint("taken_at", "region_id", name="uq_occupancy_daily_region"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at = mapped_column(UTCDateTime)  # the daily slot (04:00 local time)
    region_id: Mapped[int] = mapped_column(Integer)  # as in the snapshots: the region then
    pools: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    out_of_service: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)


APPEND_ONLY.add(OccupancyDailyRegion)
