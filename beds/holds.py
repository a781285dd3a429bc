"""Holds on bed pools: held -> confirmed (occupied) | released | expired.

A hold never makes a pool's free count negative: the pool row is locked (FOR UPDATE on
PostgreSQL, the write lock on SQLite) before free is checked, and the database's check
constraint (occupied + out_of_service + held <= capacity) refuses anything that slips past.
"""

import datetime as dt
from enum import StrEnum

from sqlalchemy import func, select

import vocabulary
from audit import service as audit
from beds.models import BedPool, Hold
from errors import Conflict, NotFound
from extensions import db
from transactions import locked


class HoldStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"  # the intake happened: the held places are occupied now
    RELEASED = "released"
    EXPIRED = "expired"


# A hold ends once: held → confirmed | released | expired.
HOLD_TRANSITIONS: dict[HoldStatus, frozenset[HoldStatus]] = {
    HoldStatus.HELD: frozenset({HoldStatus.CONFIRMED, HoldStatus.RELEASED, HoldStatus.EXPIRED}),
    HoldStatus.CONFIRMED: frozenset(),
    HoldStatus.RELEASED: frozenset(),
    HoldStatus.EXPIRED: frozenset(),
}


def _locked_pool(pool_id) -> BedPool:
    pool = locked(BedPool, pool_id)
    if pool is None:
        raise NotFound("Deze plaats bestaat niet.", field="pool")
    return pool


def _locked_hold(hold_id) -> Hold:
    hold = locked(Hold, hold_id)
    if hold is None:
        raise NotFound("Deze reservering bestaat niet.", field="hold_id")
    return hold


def place(now, pool_id, places, minutes, actor=None) -> Hold:
    """Hold `places` of a pool (beds, or 1 room). Part of the caller's transaction."""
    pool = _locked_pool(pool_id)
    if pool.free < places:
        raise Conflict("Deze plaats is net bezet geraakt; kies een ander voorstel.", field="pool", code="no_capacity")
    pool.held += places
    hold = Hold(
        pool_id=pool.id,
        places=places,
        status=HoldStatus.HELD,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    db.session.add(hold)
    db.session.flush()
    audit.record(now, "hold.place", "hold", hold.id, after={"pool": pool.id, "places": places}, actor=actor)
    return hold


def _end(now, hold, status: HoldStatus, reason=None, actor=None, source=None):
    if status not in HOLD_TRANSITIONS[HoldStatus(hold.status)]:
        ended = vocabulary.label(vocabulary.HOLD_STATUSES, hold.status)
        raise Conflict(f"Deze reservering is al {ended}.", field="hold_id", code="hold_ended")
    pool = _locked_pool(hold.pool_id)
    pool.held -= hold.places
    if status == HoldStatus.CONFIRMED:
        pool.occupied += hold.places  # the intake happened: held places become occupied ones
    hold.status, hold.ended_at, hold.reason = status, now, reason
    audit.record(
        now,
        f"hold.{status}",
        "hold",
        hold.id,
        after={"pool": pool.id, "places": hold.places, "reason": reason},
        actor=actor,
        source=source or ("system" if actor is None else None),
    )
    return hold


def confirm(now, hold_id, actor=None, source=None) -> Hold:
    """`source`: how the shelter answered when not through a page or the API (sms)."""
    return _end(now, _locked_hold(hold_id), HoldStatus.CONFIRMED, actor=actor, source=source)


def release(now, hold_id, reason=None, actor=None, source=None) -> Hold:
    return _end(now, _locked_hold(hold_id), HoldStatus.RELEASED, reason, actor=actor, source=source)


def due_for_expiry(now, limit=100) -> list[int]:
    return db.session.scalars(
        select(Hold.id)
        .where(Hold.status == HoldStatus.HELD, Hold.expires_at <= now)
        .order_by(Hold.expires_at)
        .limit(limit)
    ).all()


def expiring(now, within, limit=100) -> list[int]:
    """Holds still held that expire after `now` but within `within`: the time to remind."""
    return db.session.scalars(
        select(Hold.id)
        .where(Hold.status == HoldStatus.HELD, Hold.expires_at > now, Hold.expires_at <= now + within)
        .order_by(Hold.expires_at)
        .limit(limit)
    ).all()


def held_count(shelter_id) -> int:
    """How many holds on this shelter's pools wait for its answer (its pages point to the intakes)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Hold)
        .join(BedPool, BedPool.id == Hold.pool_id)
        .where(BedPool.shelter_id == shelter_id, Hold.status == HoldStatus.HELD)
    )


def expire(now, hold_id) -> Hold | None:
    """Expire one hold if it is still held and past its time (a second worker finds it ended)."""
    hold = _locked_hold(hold_id)
    if hold.status != HoldStatus.HELD or hold.expires_at > now:
        return None
    return _end(now, hold, HoldStatus.EXPIRED)
