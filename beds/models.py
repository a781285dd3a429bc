"""The national bed registry: regions, organisations, shelters, bed pools, snapshots and holds."""

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.models import APPEND_ONLY
from columns import UTCDateTime
from extensions import db


class Region(db.Model):
    """A region in one actor's grid (care-coordination region or police unit), configurable."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # vocabulary.REGION_KINDS
    centre: Mapped[str] = mapped_column(String(120), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    dial_code: Mapped[int | None] = mapped_column(Integer, unique=True)  # keyed in on the national piket number
    # A retired region is offered nowhere (search, requests, the hotline); its history keeps pointing at it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Organisation(db.Model):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))


class Shelter(db.Model):
    __tablename__ = "shelters"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)  # stable external id, used in scenarios
    name: Mapped[str] = mapped_column(String(160))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    type: Mapped[str] = mapped_column(String(20))  # vocabulary.SHELTER_TYPES
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    municipality: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)  # coarse (2 decimals): never pinpoints the house
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    address_confidential: Mapped[bool] = mapped_column(Boolean, default=True)
    intake = mapped_column(JSON)  # "24/7" or [{"days": [1..7], "from": "HH:MM", "to": "HH:MM"}]
    intake_phone: Mapped[str] = mapped_column(String(20), default="")
    max_stay_days: Mapped[int | None] = mapped_column(Integer)
    # Admission profile, in the matching contract's terms.
    genders = mapped_column(JSON)
    adults: Mapped[bool] = mapped_column(Boolean, default=True)
    minors: Mapped[bool] = mapped_column(Boolean, default=False)
    residence = mapped_column(JSON)
    exploitation = mapped_column(JSON)
    excludes = mapped_column(JSON)  # contra-indication codes (vocabulary.CONTRA_INDICATIONS)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    region = relationship(Region, lazy="joined")
    organisation = relationship(Organisation, lazy="joined")
    pools = relationship("BedPool", back_populates="shelter", order_by="BedPool.id", lazy="selectin")


class BedPool(db.Model):
    """One kind of place in one shelter. For a family_room pool the counts are rooms."""

    __tablename__ = "bed_pools"
    __table_args__ = (
        UniqueConstraint("shelter_id", "key"),
        CheckConstraint(
            "capacity >= 0 AND occupied >= 0 AND out_of_service >= 0 AND held >= 0", name="counts_not_negative"
        ),
        CheckConstraint("occupied + out_of_service + held <= capacity", name="within_capacity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # bed | family_room
    room_size: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    out_of_service: Mapped[int] = mapped_column(Integer, default=0)
    occupied: Mapped[int] = mapped_column(Integer, default=0)
    # Places under an active hold; kept on the row (not summed from holds) so the database's
    # check constraint itself guarantees that free can never go negative.
    held: Mapped[int] = mapped_column(Integer, default=0)
    # The last time a person said these numbers are right; machine updates never move it.
    confirmed_at = mapped_column(UTCDateTime, nullable=True)
    shelter = relationship(Shelter, back_populates="pools")

    @property
    def free(self) -> int:
        return self.capacity - self.out_of_service - self.occupied - self.held


class AvailabilitySnapshot(db.Model):
    """Append-only history of a pool's numbers: who said what, when, through which channel."""

    __tablename__ = "availability_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("bed_pools.id", ondelete="CASCADE"), index=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="CASCADE"), index=True)
    recorded_at = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(10))  # web, api, sms, system
    confirmed_unchanged: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int] = mapped_column(Integer)
    out_of_service: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    free: Mapped[int] = mapped_column(Integer)


class Hold(db.Model):
    """A pool's place(s) kept for one placement: held -> confirmed | released | expired."""

    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("bed_pools.id"), index=True)
    places: Mapped[int] = mapped_column(Integer)  # beds, or 1 room for a family_room pool
    status: Mapped[str] = mapped_column(String(12), index=True)  # beds/holds.py: HoldStatus
    created_at = mapped_column(UTCDateTime)
    expires_at = mapped_column(UTCDateTime, index=True)
    ended_at = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(60))
    pool = relationship(BedPool, lazy="joined")


class CapacityChange(db.Model):
    """The bed inventory, dated: every new pool and every change of its capacity (append-only)."""

    __tablename__ = "capacity_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: the inventory outlives the pool
    shelter_id: Mapped[int] = mapped_column(Integer, index=True)
    effective_at = mapped_column(UTCDateTime, index=True)
    capacity_before: Mapped[int | None] = mapped_column(Integer)  # None: the pool was created
    capacity_after: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column()


class EmptySearch(db.Model):
    """A national search that found no free fitting place: unmet demand that never became a request.
    Anonymous: the searcher's role and region and the profile's target groups, never who searched."""

    __tablename__ = "empty_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UTCDateTime, index=True)
    region_id: Mapped[int | None] = mapped_column(Integer)  # the `near` or `region` filter, if any
    role: Mapped[str] = mapped_column(String(20))
    target_groups = mapped_column(JSON)  # vocabulary.TARGET_GROUPS codes
    needs = mapped_column(JSON)  # contra-indication codes asked for
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)  # one per searcher and profile per hour


APPEND_ONLY.update({AvailabilitySnapshot, CapacityChange, EmptySearch})
