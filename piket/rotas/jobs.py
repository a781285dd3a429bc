"""The rotas' periodic jobs: gap reports to the planner, duty reminders and hand-over messages.

Each message carries a dedupe key in the outbox (notify.enqueue), so it goes out once however often
the job runs and however many workers run it. No personal data in any text: a hand-over names
open requests by short code, status and number of persons only.
"""

import datetime as dt
from functools import partial

from flask import current_app
from sqlalchemy import select

import vocabulary
from accounts import phones
from accounts.models import User
from extensions import db
from notify import service as notify
from piket.lifecycle import OPEN
from piket.models import Case, PlacementRequest
from piket.rotas import schedule, service
from timeutil import AMSTERDAM, local
from transactions import atomic

REMIND_AT = dt.time(19, 0)  # the evening before a duty
HANDOVER_LATE = dt.timedelta(hours=2)  # a worker that was down still sends a hand-over this late, not later
LOOK_BACK = dt.timedelta(days=2)  # longer than HANDOVER_LATE: a duty starting here is seen whole
LOOK_AHEAD = dt.timedelta(days=16)  # past a duty's real end (a rotation's shift lasts at most 14 days)
MAX_LISTED = 8
GAP_DAYS = 14


def _when(moment) -> str:
    days = ("ma", "di", "wo", "do", "vr", "za", "zo")
    here = local(moment)
    return f"{days[here.weekday()]} {here:%d-%m %H:%M}"


def _key(kind, rota, user_id, start) -> str:
    return f"rota:{kind}:{rota.id}:{user_id}:{start.astimezone(dt.UTC):%Y%m%dT%H%MZ}"


def _send(now, key, person, purpose, text) -> int:
    """One SMS (text() makes it), once per key; 1 when it was added now."""
    if notify.queued_keys([key]):
        return 0
    with atomic():
        notify.enqueue(
            now, to=person.phone, channel="sms", body=text(), purpose=purpose, user_id=person.id, dedupe_key=key
        )
    return 1


def remind_at(start) -> dt.datetime:
    """19:00 local on the day before the duty starts."""
    day = start.astimezone(AMSTERDAM).date() - dt.timedelta(days=1)
    return schedule.to_utc(dt.datetime.combine(day, REMIND_AT))


def _until(end, horizon) -> str:
    return f"tot na {_when(end)}" if end >= horizon else f"tot {_when(end)}"


def reminder_text(rota, duty, horizon) -> str:
    return f"Piket: herinnering, u heeft {service.title(rota)} van {_when(duty.start)} {_until(duty.end, horizon)}."


def open_requests(region_id) -> list[PlacementRequest]:
    """Open requests of the region (all regions for the national rota), oldest first."""
    query = (
        select(PlacementRequest)
        .join(Case)
        .where(PlacementRequest.status.in_(OPEN))
        .order_by(PlacementRequest.created_at, PlacementRequest.id)
    )
    if region_id is not None:
        query = query.where(Case.region_id == region_id)
    return db.session.scalars(query).all()


def handover_text(rota, duty, horizon) -> str:
    requests = open_requests(rota.region_id)
    head = f"Piket: uw dienst {service.title(rota)} begint nu ({_until(duty.end, horizon)})."
    if not requests:
        return f"{head} Geen open aanvragen."
    listed = "; ".join(
        f"{r.short_code} {vocabulary.label(vocabulary.REQUEST_STATUSES, r.status)} {r.size} pers."
        for r in requests[:MAX_LISTED]
    )
    more = f"; en {len(requests) - MAX_LISTED} meer" if len(requests) > MAX_LISTED else ""
    return f"{head} Open ({len(requests)}): {listed}{more}. {current_app.config['PUBLIC_BASE_URL']}/aanvragen"


def duty_reminders(now) -> int:
    """The evening before a duty (or at once when it was planned later, until it starts) a reminder
    to the person; when it starts, a hand-over with what is still open in the region."""
    done = 0
    for rota in service.list_rotas():
        start, horizon = now - LOOK_BACK, now + LOOK_AHEAD
        for duty in schedule.duties(service.plan(rota, start, horizon)):
            if duty.start <= start:
                continue  # running since before the window: not a start we can see
            if remind_at(duty.start) <= now < duty.start:
                kind, purpose, text = "remind", "duty_reminder", partial(reminder_text, rota, duty, horizon)
            elif duty.start <= now < duty.start + HANDOVER_LATE:
                kind, purpose, text = "handover", "handover", partial(handover_text, rota, duty, horizon)
            else:
                continue
            person = db.session.get(User, duty.user_id)
            if person is None or not person.active or not person.phone:
                continue
            done += _send(now, _key(kind, rota, person.id, duty.start), person, purpose, text)
    return done


def gap_text(rota, gap, horizon) -> str:
    return (
        f"Piket: gat in {service.title(rota)}: niemand van dienst van {_when(gap.start)} {_until(gap.end, horizon)}. "
        f"Plan iemand in: {current_app.config['PUBLIC_BASE_URL']}/piket/roosters/{rota.id}"
    )


def report_gaps(now) -> int:
    """Each after-hours gap in the next 14 days, once, to the rota's owner."""
    done = 0
    for rota in service.list_rotas():
        owner = rota.owner
        if owner is None or not owner.active or not owner.phone:
            continue
        if not phones.is_verified(owner):  # the number may not be theirs, or not take SMS
            current_app.logger.warning(
                "rota %s: gap alarm not sent, the owner's phone (user %s) is not verified", rota.id, owner.id
            )
            continue
        for gap in service.gaps(now, rota, GAP_DAYS):
            # Keyed by its start: a gap that grows or shrinks later is still the same gap.
            done += _send(
                now,
                _key("gap", rota, "-", gap.start),
                owner,
                "rota_gap",
                partial(gap_text, rota, gap, now + dt.timedelta(days=GAP_DAYS)),
            )
    return done
