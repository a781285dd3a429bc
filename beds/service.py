"""The registry's logic: availability updates, freshness, who may see and change what."""

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

import formatting
import validation as v
import vocabulary
from accounts import phones
from accounts.roles import COORDINATING, HISTORY_READERS, Role
from audit import service as audit
from beds.models import AvailabilitySnapshot, BedPool, Shelter
from errors import Forbidden, NotFound, PiketError, ValidationError
from extensions import db
from transactions import atomic

# --- freshness -----------------------------------------------------------------------------


def freshness(confirmed_at, now, fresh_hours, stale_hours) -> str:
    """fresh under `fresh_hours`, aging up to `stale_hours`, stale beyond (or never confirmed)."""
    if confirmed_at is None:
        return "stale"
    age = now - confirmed_at
    if age < dt.timedelta(hours=fresh_hours):
        return "fresh"
    if age <= dt.timedelta(hours=stale_hours):
        return "aging"
    return "stale"


def last_confirmed(shelter):
    """A shelter is as fresh as its least recently confirmed pool."""
    times = [p.confirmed_at for p in shelter.pools]
    return None if not times or None in times else min(times)


# --- access --------------------------------------------------------------------------------


def can_update(user, shelter) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.SHELTER_STAFF:
        return shelter.id in user.shelter_ids
    if user.role == Role.COORDINATOR:
        return shelter.region_id in user.region_ids
    return False


def can_edit_profile(user, shelter) -> bool:
    """A shelter's profile (target groups, contra-indications, intake, pool sizes): its own staff, who
    keep it current (DESIGN.md), and admins. Not coordinators: they place victims, and a shelter's
    contra-indications are the shelter's word at its front door, not the placer's."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SHELTER_STAFF and shelter.id in user.shelter_ids


def can_see_address(user, shelter, confirmed_requester=False) -> bool:
    """DESIGN.md: a confidential address only for the shelter's staff, coordinators, admins and,
    once the shelter confirmed the intake, that placement's requester."""
    if not shelter.address_confidential:
        return True
    if user.role in COORDINATING:
        return True
    if user.role == Role.SHELTER_STAFF:
        return shelter.id in user.shelter_ids
    return confirmed_requester


def can_see_history(user, shelter) -> bool:
    """A shelter's availability history: everyone but the police, and shelter staff only their own shelters'."""
    if user.role not in HISTORY_READERS:
        return False
    return user.role != Role.SHELTER_STAFF or shelter.id in user.shelter_ids


def get_shelter(shelter_id) -> Shelter:
    shelter = db.session.get(Shelter, shelter_id)
    if shelter is None or not shelter.active:
        raise NotFound("Deze opvang bestaat niet.", field="shelter_id")
    return shelter


def disclose_address(now, shelter, user, confirmed_requester=False):
    """The address if this user may see it, for showing it now: every showing of a confidential one
    is audited (and committed) here. The one write a read makes; serializers only render the result."""
    if not can_see_address(user, shelter, confirmed_requester):
        return None
    if shelter.address_confidential:
        with atomic(expire=False):  # the audit row changes nothing the caller is about to show
            audit.record(now, "shelter.address_shown", "shelter", shelter.id, actor=user)
    return shelter.address


# --- availability updates --------------------------------------------------------------------


def _shelter_to_update(shelter_id, actor) -> Shelter:
    """The shelter an update is for, checked as get_shelter and can_update do, in fewer queries (every
    availability update runs this): shelter staff's own shelters are loaded for the check anyway, so the
    shelter comes from them; its pools are not loaded here, the update locks and reads them itself."""
    if actor is not None and actor.role == Role.SHELTER_STAFF:
        actor.shelters  # noqa: B018  loaded now: db.session.get below finds the shelter among them
    shelter = db.session.get(Shelter, shelter_id, options=[lazyload(Shelter.pools)])
    if shelter is None or not shelter.active:
        raise NotFound("Deze opvang bestaat niet.", field="shelter_id")
    if not can_update(actor, shelter):
        raise Forbidden("U mag de beschikbaarheid van deze opvang niet wijzigen.", field="shelter_id")
    return shelter


def _locked_pools(shelter_id, shelter=None) -> dict[int, BedPool]:
    # FOR UPDATE on PostgreSQL; on SQLite the transaction already holds the write lock. The shelter's
    # pools were loaded before the lock: refresh them (see extensions.locked).
    rows = db.session.scalars(
        select(BedPool)
        .where(BedPool.shelter_id == shelter_id)
        .order_by(BedPool.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if shelter is not None:  # its .pools are these rows, as locked (no second read of them)
        set_committed_value(shelter, "pools", list(rows))
    return {p.id: p for p in rows}


def _snapshots(now, pools, actor, source, unchanged=False):
    """A snapshot of each pool as it is now, in one INSERT on the transaction's connection (no mapped
    objects, nor the session's bulk INSERT: every availability update writes them, and either cost more
    than the INSERT)."""
    if not pools:
        return
    db.session.connection().execute(
        insert(AvailabilitySnapshot.__table__),
        [
            {
                "pool_id": pool.id,
                "shelter_id": pool.shelter_id,
                "recorded_at": now,
                "actor_id": getattr(actor, "id", None),
                "source": source,
                "confirmed_unchanged": unchanged,
                "capacity": pool.capacity,
                "out_of_service": pool.out_of_service,
                "occupied": pool.occupied,
                "held": pool.held,
                "free": pool.free,
            }
            for pool in pools
        ],
    )


def _counts(pool):
    return {"pool": pool.id, "free": pool.free, "occupied": pool.occupied, "out_of_service": pool.out_of_service}


def parse_pool_updates(data) -> list[dict]:
    """[{"id", "free", "out_of_service"?}] from an API body or a form, validated for shape only."""
    items = data.get("pools") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationError("moet een lijst van minstens één {id, free} zijn", field="pools")
    parsed, seen = [], set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationError("moet een object met id en free zijn", field=f"pools[{i}]")
        pool_id = v.integer(item, "id", f"pools[{i}].id", minimum=1)
        if pool_id in seen:
            raise ValidationError("names a pool twice", field=f"pools[{i}].id")
        seen.add(pool_id)
        parsed.append(
            {
                "id": pool_id,
                "index": i,
                "free": v.integer(item, "free", f"pools[{i}].free", minimum=0, maximum=10000),
                "out_of_service": v.integer(
                    item, "out_of_service", f"pools[{i}].out_of_service", minimum=0, maximum=10000, default=None
                ),
            }
        )
    return parsed


def update_availability(now, shelter_id, updates, actor, source):
    """Set free places (and optionally out-of-service places) of some pools of one shelter.

    Staff think in free places; occupied follows from capacity − out of service − held − free.
    Every pool touched gets a snapshot; either all updates land or none.
    """
    return _apply_updates(now, _shelter_to_update(shelter_id, actor), updates, actor, source)


def default_pool(shelter) -> BedPool | None:
    """The pool an SMS "BEDDEN 3" means: the shelter's first single-bed pool, else its first pool."""
    pools = shelter.pools
    return next((p for p in pools if p.kind == "bed"), pools[0] if pools else None)


def report_free_by_sms(now, shelter, free):
    """ "BEDDEN 3" from the shelter's registered intake number: the registered phone is the actor."""
    pool = default_pool(shelter)
    if pool is None:
        raise ValidationError("deze opvang heeft geen plaatsen geregistreerd", field="pools")
    _apply_updates(now, shelter, [{"id": pool.id, "index": 0, "free": free, "out_of_service": None}], None, "sms")
    return pool


FREE_BEDS_WORDS = frozenset({"BEDDEN", "BED", "BEDS"})
UNKNOWN_SENDER_REPLY = "Dit nummer is niet bekend bij Piket. Bel de landelijke piket of gebruik de website."


def shelter_by_phone(number) -> Shelter | None:
    """The active shelter whose registered intake number (stored in E.164: accounts/phones.py) this is."""
    e164 = phones.e164_or_none(number)
    if e164 is None:
        return None
    return db.session.scalar(
        select(Shelter).where(Shelter.active.is_(True), Shelter.intake_phone == e164).order_by(Shelter.id).limit(1)
    )


def answer_free_beds_sms(now, sender, words) -> str | None:
    """An inbound SMS "BEDDEN 3" (first word upper case): recorded if it came from a shelter's
    intake number, and the reply. None when the SMS is no BEDDEN message: someone else's to answer."""
    if not words or words[0] not in FREE_BEDS_WORDS:
        return None
    shelter = shelter_by_phone(sender)
    if shelter is None:
        return UNKNOWN_SENDER_REPLY
    args = words[1:]
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 4:
        return _beds_invalid("geef één aantal")
    try:
        pool = report_free_by_sms(now, shelter, int(args[0]))
    except PiketError as err:
        return _beds_invalid(err.message)
    return (
        f"Opgeslagen om {formatting.clock(now)}: {shelter.name}, {vocabulary.POOL_KINDS[pool.kind]}: {pool.free} vrij. "
        "Klopt dit niet? Stuur BEDDEN en het juiste aantal."
    )


def _beds_invalid(reason) -> str:
    return f"Niet opgeslagen: {reason}. Stuur bijv. BEDDEN 3."


def _apply_updates(now, shelter, updates, actor, source):
    with atomic(expire=False):  # the answer shows the pools as this transaction locked and wrote them
        pools = _locked_pools(shelter.id, shelter)
        before, after, changed = [], [], []
        for item in updates:
            pool = pools.get(item["id"])
            where = f"pools[{item['index']}]"
            if pool is None:
                raise ValidationError("is not a pool of this shelter", field=f"{where}.id")
            oos = pool.out_of_service if item["out_of_service"] is None else item["out_of_service"]
            if oos + pool.held > pool.capacity:
                raise ValidationError(
                    f"mag hoogstens {pool.capacity - pool.held} zijn", field=f"{where}.out_of_service"
                )
            most = pool.capacity - oos - pool.held
            if item["free"] > most:
                raise ValidationError(f"mag hoogstens {most} zijn (capaciteit {pool.capacity})", field=f"{where}.free")
            before.append(_counts(pool))
            pool.out_of_service = oos
            pool.occupied = most - item["free"]
            pool.confirmed_at = now
            after.append(_counts(pool))
            changed.append(pool)
        _snapshots(now, changed, actor, source)
        audit.record(
            now, "availability.update", "shelter", shelter.id, before=before, after=after, actor=actor, source=source
        )
    return shelter


def confirm_unchanged(now, shelter_id, actor, source):
    """The one-tap "unchanged, still correct": a snapshot per pool, numbers as they are."""
    shelter = _shelter_to_update(shelter_id, actor)
    with atomic(expire=False):
        pools = list(_locked_pools(shelter.id, shelter).values())
        for pool in pools:
            pool.confirmed_at = now
        _snapshots(now, pools, actor, source, unchanged=True)
        audit.record(now, "availability.confirm", "shelter", shelter.id, actor=actor, source=source)
    return shelter


def history(shelter_id, limit=100):
    return db.session.scalars(
        select(AvailabilitySnapshot)
        .where(AvailabilitySnapshot.shelter_id == shelter_id)
        .order_by(AvailabilitySnapshot.id.desc())
        .limit(limit)
    ).all()
