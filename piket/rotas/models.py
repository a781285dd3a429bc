"""Rotas (piketroosters): who is on duty, per region and level, and the region's office hours.

What is planned comes in three layers, strongest first: an override (a swap for one night), an
explicit shift (imported or entered), and a recurring rotation. schedule.py turns them into the
effective schedule; nothing here is derived or cached, so an edit is in effect at once.
"""

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from columns import UTCDateTime
from extensions import db

LEVELS = ("primary", "backup", "national")
SHIFT_SOURCES = ("import", "manual")


class Rota(db.Model):
    __tablename__ = "rotas"
    __table_args__ = (
        UniqueConstraint("region_id", "level"),
        # NULLs are distinct in a unique constraint, so the one national rota needs its own index.
        Index(
            "uq_rotas_national",
            "level",
            unique=True,
            sqlite_where=text("region_id IS NULL"),
            postgresql_where=text("region_id IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))  # NULL: the national rota
    level: Mapped[str] = mapped_column(String(10))  # LEVELS
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the planner who gets gap reports
    region = relationship("Region", lazy="joined")
    owner = relationship("User", lazy="joined")


class RotaRotation(db.Model):
    """A recurring rule: from start_date, on the given ISO weekdays a shift starts at `handover`
    (local time) and lasts `shift_hours` on the local clock; `people` take the shifts in turn."""

    __tablename__ = "rota_rotations"
    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    start_date = mapped_column(Date)
    handover: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    shift_hours: Mapped[int] = mapped_column(Integer)
    days = mapped_column(JSON)  # [1..7]
    people = mapped_column(JSON)  # [user_id, ...] in turn
    until_date = mapped_column(Date, nullable=True)  # last date a shift starts
    created_at = mapped_column(UTCDateTime, nullable=True)


class RotaShift(db.Model):
    """One explicit shift, stronger than the rotation."""

    __tablename__ = "rota_shifts"
    __table_args__ = (Index("ix_rota_shifts_rota_start", "rota_id", "start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    start = mapped_column(UTCDateTime)
    end = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(10))  # SHIFT_SOURCES
    created_at = mapped_column(UTCDateTime, nullable=True)


class RotaOverride(db.Model):
    """A swap: `user_id` takes the duty from start to end, whatever was planned."""

    __tablename__ = "rota_overrides"
    __table_args__ = (Index("ix_rota_overrides_rota_start", "rota_id", "start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    start = mapped_column(UTCDateTime)
    end = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at = mapped_column(UTCDateTime)


class RegionHours(db.Model):
    """A region's office hours; without a row the default (Mon-Fri 09:00-17:00). Holidays are after hours."""

    __tablename__ = "region_hours"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), unique=True)
    windows = mapped_column(JSON)  # [{"days": [1..5], "from": "09:00", "to": "17:00"}]
    # Dates that differ: [{"from": "2026-12-24", "to": "2026-12-24", "windows": [{"from": "09:00", "to": "13:00"}]}];
    # windows [] is after hours all day (piket/ladders/rules.py checks them, schedule.exception_on reads them)
    exceptions = mapped_column(JSON, nullable=True)


class CalendarFeed(db.Model):
    """A secret-token iCal feed of one person's duties or of one rota (calendar apps cannot log in).
    The token is kept readable so its owner can see the link again; regenerating it revokes the old one."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    rota_id: Mapped[int | None] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), unique=True)
    created_at = mapped_column(UTCDateTime)
