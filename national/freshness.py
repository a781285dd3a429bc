"""Freshness per shelter (who has not confirmed their free places in how long) and the reminder SMS:
one click on the national page, and a daily one from the worker for stale shelters in the daytime.

A reminder is a NotificationAttempt with purpose "freshness_reminder"; the outbox has no shelter
column, so the shelter travels in the dedupe key: "fresh:<shelter id, 8 digits>:<slot>:<recipient>".
The fixed width lets one GROUP BY on its first 14 characters find every shelter's last reminder.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

import formatting
import vocabulary
from accounts.models import User, user_shelters
from accounts.roles import NATIONAL, Role
from audit import service as audit
from beds import service as beds
from beds.models import BedPool, Organisation, Region, Shelter
from errors import Forbidden, ValidationError
from extensions import db
from national.tables import Table
from notify import service as notify
from timeutil import AMSTERDAM, local
from transactions import atomic

PURPOSE = "freshness_reminder"
CLICK_GAP = dt.timedelta(hours=1)  # at most one reminder per shelter per hour
DAY_FROM, DAY_UNTIL = dt.time(9, 0), dt.time(20, 0)  # the worker's reminders: local daytime only
KEY_PREFIX_LEN = len("fresh:") + 8


def _prefix(shelter_id) -> str:
    return f"fresh:{shelter_id:08d}:"


def _key(shelter_id, slot, recipient) -> str:
    return f"{_prefix(shelter_id)}{slot}:{recipient}"


def _shelter_of(prefix) -> int:
    return int(prefix[len("fresh:") : KEY_PREFIX_LEN])


# --- reading --------------------------------------------------------------------------------------


def last_reminders(since=None) -> dict[int, dt.datetime]:
    """{shelter_id: time of its last reminder} (since `since`, if given), in one grouped query."""
    last = notify.last_queued_by_key_prefix(
        purpose=PURPOSE, pattern="fresh:%", prefix_length=KEY_PREFIX_LEN, since=since
    )
    return {_shelter_of(p): at for p, at in last.items()}


def _staff_phones(shelter_ids=None) -> dict[int, list[User]]:
    """Active staff with a phone, per shelter they are bound to."""
    query = (
        select(user_shelters.c.shelter_id, User)
        .join(User, User.id == user_shelters.c.user_id)
        .where(User.role == Role.SHELTER_STAFF, User.active.is_(True), User.phone.is_not(None), User.phone != "")
        .order_by(User.id)
    )
    if shelter_ids is not None:
        query = query.where(user_shelters.c.shelter_id.in_(list(shelter_ids)))
    staff: dict[int, list[User]] = {}
    for shelter_id, user in db.session.execute(query):
        staff.setdefault(shelter_id, []).append(user)
    return staff


def age_hours(confirmed, now) -> float | None:
    return None if confirmed is None else round((now - confirmed).total_seconds() / 3600, 1)


def _active_shelters(region_ids=None):
    query = select(Shelter).where(Shelter.active.is_(True)).order_by(Shelter.name, Shelter.id)
    if region_ids is not None:
        query = query.where(Shelter.region_id.in_(list(region_ids)))
    return db.session.scalars(query).all()


def _shelter_rows(region_ids=None):
    """The active shelters as plain rows with their least recently confirmed pool (None when a pool was
    never confirmed or there are none: beds.last_confirmed's rule), in one grouped query: building
    300 shelter objects with their pools cost more than the rest of the table."""
    pools, confirmed = func.count(BedPool.id), func.count(BedPool.confirmed_at)
    query = (
        select(
            Shelter.id,
            Shelter.name,
            Shelter.type,
            Shelter.region_id,
            Shelter.intake_phone,
            Region.name,
            Organisation.name,
            func.min(BedPool.confirmed_at),
            pools,
            confirmed,
        )
        .join(Region, Region.id == Shelter.region_id)
        .outerjoin(Organisation, Organisation.id == Shelter.organisation_id)
        .outerjoin(BedPool, BedPool.shelter_id == Shelter.id)
        .where(Shelter.active.is_(True))
        .group_by(Shelter.id, Region.name, Organisation.name)
        .order_by(Shelter.name, Shelter.id)
    )
    if region_ids is not None:
        query = query.where(Shelter.region_id.in_(list(region_ids)))
    for row in db.session.execute(query):
        *head, oldest, n_pools, n_confirmed = row
        yield (*head, oldest if n_pools and n_confirmed == n_pools else None)


def table(now, cfg, region_ids=None) -> Table:
    """One row per active shelter, stalest first (never confirmed first of all)."""
    shelters = list(_shelter_rows(region_ids))
    reminded = last_reminders()
    with_staff = _staff_phones({row[0] for row in shelters})
    rows = []
    for shelter_id, name, type_, region_id, intake_phone, region, organisation, confirmed in shelters:
        code = beds.freshness(confirmed, now, cfg["FRESH_HOURS"], cfg["STALE_HOURS"])
        rows.append(
            {
                "organisation": organisation,
                "shelter": name,
                "region": region,
                "type": vocabulary.label(vocabulary.SHELTER_TYPES, type_),
                "last_confirmed": formatting.when(confirmed, now),
                "age_hours": age_hours(confirmed, now),
                "freshness": vocabulary.label(vocabulary.FRESHNESS, code),
                "last_reminded": formatting.when(reminded.get(shelter_id), now),
                "shelter_id": shelter_id,
                "region_id": region_id,
                "freshness_code": code,
                "confirmed_at": confirmed.isoformat() if confirmed else None,
                "has_phone": bool(with_staff.get(shelter_id) or intake_phone),
                "_sort": (confirmed is not None, confirmed or now),
            }
        )
    rows.sort(key=lambda r: r.pop("_sort"))  # stable: equal ages keep the name order
    return Table(
        key="freshness",
        title="Actualiteit per opvang",
        columns=[
            ("organisation", "Organisatie"),
            ("shelter", "Opvang"),
            ("region", "Regio"),
            ("type", "Soort opvang"),
            ("last_confirmed", "Laatst bevestigd"),
            ("age_hours", "Uren geleden"),
            ("freshness", "Actualiteit"),
            ("last_reminded", "Laatste herinnering"),
        ],
        rows=rows,
    )


# --- reminding ------------------------------------------------------------------------------------


def reminder_text(shelter, confirmed, now, base_url, from_intake_phone) -> str:
    """No personal data: the shelter's name, an age and how to update."""
    if confirmed is None:
        age = "zijn nog nooit bijgewerkt"
    else:
        hours = int((now - confirmed).total_seconds() // 3600)
        age = f"zijn {hours} uur niet bijgewerkt" if hours < 48 else f"zijn {hours // 24} dagen niet bijgewerkt"
    head = f"Piket: de vrije plaatsen van {shelter.name} {age}."
    url = f"{base_url}/opvang"
    if from_intake_phone:  # BEDDEN is only accepted from the shelter's registered intake number
        return f"{head} Antwoord BEDDEN en het aantal vrije plaatsen (bijv. BEDDEN 3) of werk ze bij op {url}"
    if shelter.intake_phone:
        return f"{head} Werk ze bij op {url} of sms BEDDEN en het aantal vanaf het intakenummer."
    return f"{head} Werk ze bij op {url}"


def recipients(shelter, staff=None) -> list[tuple[int | None, str]]:
    """(user id, number): the shelter's staff with a phone, else its intake number, else nobody."""
    staff = _staff_phones({shelter.id}).get(shelter.id, []) if staff is None else staff
    if staff:
        return [(u.id, u.phone) for u in staff]
    return [(None, shelter.intake_phone)] if shelter.intake_phone else []


def _send(now, shelter, to, slot, cfg) -> int:
    """Queue the SMS to every recipient whose key for this slot is new; in the caller's transaction."""
    keys = {_key(shelter.id, slot, user_id or "intake"): (user_id, number) for user_id, number in to}
    sent = notify.queued_keys(keys)
    confirmed = beds.last_confirmed(shelter)
    queued = 0
    for key, (user_id, number) in keys.items():
        if key in sent:
            continue
        body = reminder_text(shelter, confirmed, now, cfg["PUBLIC_BASE_URL"], from_intake_phone=user_id is None)
        notify.enqueue(now, to=number, channel="sms", body=body, purpose=PURPOSE, user_id=user_id, dedupe_key=key)
        queued += 1
    return queued


def may_remind(user, shelter) -> bool:
    if user is None:
        return False
    if user.role in NATIONAL:  # any shelter; coordinators those in their regions
        return True
    return user.role == Role.COORDINATOR and shelter.region_id in user.region_ids


def remind(now, shelter_id, user, cfg=None) -> int:
    """The one-click reminder: an SMS to the shelter's staff (or its intake number). Returns the
    number of messages queued; 0 when the shelter was reminded in the last hour."""
    cfg = cfg if cfg is not None else current_app.config
    with atomic():
        shelter = beds.get_shelter(shelter_id)
        if not may_remind(user, shelter):
            raise Forbidden("U mag deze opvang geen herinnering sturen.", field="shelter_id")
        to = recipients(shelter)
        if not to:
            raise ValidationError(
                "Deze opvang heeft geen telefoonnummer: geen medewerker met een mobiel nummer en geen intakenummer.",
                field="shelter_id",
            )
        if shelter.id in last_reminders(since=now - CLICK_GAP):
            return 0
        queued = _send(now, shelter, to, f"h{now.astimezone(dt.UTC):%Y%m%d%H}", cfg)
        if queued:
            audit.record(
                now, "shelter.freshness_reminder", "shelter", shelter.id, after={"messages": queued}, actor=user
            )
    return queued


def in_daytime(now) -> bool:
    return DAY_FROM <= local(now).time() < DAY_UNTIL


def remind_stale(now, cfg=None) -> int:
    """The worker's job: from 09:00 to 20:00 local time, every stale shelter (that has pools and a
    phone) gets the reminder once per local day, unless someone clicked one in the last hour."""
    if not in_daytime(now):
        return 0
    cfg = cfg if cfg is not None else current_app.config
    today = local(now).date()
    midnight = dt.datetime.combine(today, dt.time(0), tzinfo=AMSTERDAM).astimezone(dt.UTC)
    stale = [
        s
        for s in _active_shelters()
        if s.pools and beds.freshness(beds.last_confirmed(s), now, cfg["FRESH_HOURS"], cfg["STALE_HOURS"]) == "stale"
    ]
    if not stale:
        db.session.rollback()  # end the read (on SQLite it holds the write lock)
        return 0
    recent = set(last_reminders(since=now - CLICK_GAP))
    day_slot = f"d{today:%Y%m%d}"
    done_today = {
        _shelter_of(k)
        for k in notify.queued_keys_like(purpose=PURPOSE, pattern=f"fresh:%:{day_slot}:%", since=midnight)
    }
    staff = _staff_phones({s.id for s in stale})
    queued = 0
    for shelter in stale:
        to = recipients(shelter, staff.get(shelter.id, []))
        if shelter.id in recent or shelter.id in done_today or not to:
            continue
        with atomic():
            n = _send(now, shelter, to, day_slot, cfg)
            if n:
                audit.record(
                    now, "shelter.freshness_reminder", "shelter", shelter.id, after={"messages": n}, source="system"
                )
        queued += n
    db.session.rollback()
    return queued
