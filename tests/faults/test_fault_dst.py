"""Fault: the clock jumps across a daylight-saving change, or jumps by itself (suspend, NTP).

The worker's jobs (escalation tick and outbox, hold expiry, duty reminders and hand-overs) are
driven with a clock that crosses 2027-03-28 02:00 -> 03:00 and 2026-10-25 03:00 -> 02:00 in
Amsterdam: every rule counts real minutes, never wall-clock ones."""

import datetime as dt

from sqlalchemy import select

from extensions import db
from notify.models import NotificationAttempt
from piket import placements
from piket.models import Placement, RequestEvent
from piket.rotas import jobs as rota_jobs
from tests.conftest import BACKUP, NATIONAL, PRIMARY, add_shift, kinds, new_request, reload, sent_to
from timeutil import AMSTERDAM, UTC, local

SEC, MIN = dt.timedelta(seconds=1), dt.timedelta(minutes=1)


def amsterdam(*fields, fold=0) -> dt.datetime:
    """A wall-clock moment in Amsterdam as UTC; fold=1 is the second 02:xx of an autumn night."""
    return dt.datetime(*fields, tzinfo=AMSTERDAM, fold=fold).astimezone(UTC)


SPRING = amsterdam(2027, 3, 28, 1, 58)  # two minutes before the clocks go 02:00 -> 03:00
AUTUMN = amsterdam(2026, 10, 25, 2, 58)  # the first 02:58; at 03:00 the clocks go back to 02:00


def on_duty_around(duty, moment):
    """The duty fixture's people also on duty for a day either side of `moment`."""
    for level, rota in duty["rotas"].items():
        add_shift(rota, duty["people"][level], moment - dt.timedelta(days=1), moment + dt.timedelta(days=1))


def calls_to(fake, number):
    return [m for m in fake.sent if m["to"] == number and m["kind"] == "call"]


def steps_paged(request_id):
    db.session.expire_all()
    rows = db.session.scalars(
        select(NotificationAttempt).where(NotificationAttempt.request_id == request_id).order_by(NotificationAttempt.id)
    ).all()
    return [(a.step, a.channel, a.to_number) for a in rows]


def test_spring_forward_the_minute_5_call_comes_5_real_minutes_later(duty, users, fake, tick):
    on_duty_around(duty, SPRING)
    request = new_request(users, SPRING)
    assert request.escalation["mode"] == "after_hours" and local(SPRING).strftime("%H:%M %Z") == "01:58 CET"
    tick(SPRING)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call"]
    tick(amsterdam(2027, 3, 28, 3, 2, 59))  # the wall clock says 64 minutes later; it is 4 min 59 s
    assert len(calls_to(fake, PRIMARY)) == 1
    call_at = amsterdam(2027, 3, 28, 3, 3)
    assert call_at - SPRING == 5 * MIN
    tick(call_at)
    assert len(calls_to(fake, PRIMARY)) == 2  # 03:03 CEST: the minute-5 call, not an hour off
    tick(amsterdam(2027, 3, 28, 3, 7, 59))
    assert not sent_to(fake, BACKUP)
    tick(amsterdam(2027, 3, 28, 3, 8))  # minute 10: the back-up
    assert [m["kind"] for m in sent_to(fake, BACKUP)] == ["sms", "call"]
    paged = db.session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request.id, RequestEvent.kind == "paged")
        .order_by(RequestEvent.id)
    ).all()
    assert [local(e.at).strftime("%H:%M %Z") for e in paged] == ["01:58 CET", "03:03 CEST", "03:08 CEST"]


def test_fall_back_the_minute_5_call_comes_5_real_minutes_later(duty, users, fake, tick):
    on_duty_around(duty, AUTUMN)
    request = new_request(users, AUTUMN)
    assert local(AUTUMN).strftime("%H:%M %Z") == "02:58 CEST"
    tick(AUTUMN)
    call_at = amsterdam(2026, 10, 25, 2, 3, fold=1)  # the second 02:03, after the clocks went back
    assert call_at - AUTUMN == 5 * MIN
    tick(call_at - SEC)
    assert len(calls_to(fake, PRIMARY)) == 1
    tick(call_at)
    assert len(calls_to(fake, PRIMARY)) == 2
    tick(amsterdam(2026, 10, 25, 2, 8, fold=1) - SEC)
    assert not sent_to(fake, BACKUP)
    tick(amsterdam(2026, 10, 25, 2, 8, fold=1))
    assert [m["kind"] for m in sent_to(fake, BACKUP)] == ["sms", "call"]
    tick(amsterdam(2026, 10, 25, 2, 18, fold=1))
    assert [m["kind"] for m in sent_to(fake, NATIONAL)] == ["sms", "call"]
    tick(amsterdam(2026, 10, 25, 2, 28, fold=1))
    assert reload(request).status == "exhausted" and reload(request).closed_at == AUTUMN + 30 * MIN
    assert kinds(request.id) == ["received", "paged", "paged", "paged", "paged", "exhausted"]


def _hold(duty, users, registry, app, moment):
    request = new_request(users, moment)
    pool = registry["shelters"]["rot-mo"].pools[0]
    placement = placements.choose(moment, request.id, pool.id, duty["people"]["primary"], app.config)
    db.session.commit()
    return request, placement.id


def _placement(placement_id):
    db.session.expire_all()
    placement = db.session.get(Placement, placement_id)
    return placement.status, placement.hold.status, placement.hold.expires_at


def test_a_90_minute_hold_expires_after_90_real_minutes_across_both_changes(app, duty, users, registry):
    assert app.config["HOLD_MINUTES"] == 90
    cases = [
        # spring: held at 01:30 CET; 03:00 CEST is 90 wall-clock minutes later but only 30 real ones
        (amsterdam(2027, 3, 28, 1, 30), amsterdam(2027, 3, 28, 3, 0), amsterdam(2027, 3, 28, 4, 0), "04:00 CEST"),
        # autumn: held at 02:15 CEST; the first 02:45 (CEST) is 30 real minutes later, the second (CET) 90
        (
            amsterdam(2026, 10, 25, 2, 15),
            amsterdam(2026, 10, 25, 2, 45),
            amsterdam(2026, 10, 25, 2, 45, fold=1),
            "02:45 CET",
        ),
    ]
    for held_at, too_early, expected, label in cases:
        request, placement_id = _hold(duty, users, registry, app, held_at)
        expires_at = _placement(placement_id)[2]
        assert expires_at - held_at == 90 * MIN and local(expires_at).strftime("%H:%M %Z") == label
        placements.expire_due(too_early)
        assert _placement(placement_id)[:2] == ("held", "held")
        placements.expire_due(expected - SEC)
        assert _placement(placement_id)[:2] == ("held", "held")
        assert placements.expire_due(expected) == 1
        assert _placement(placement_id)[:2] == ("expired", "expired")
        assert reload(request).status == "accepted"  # back to proposals
        assert placements.expire_due(expected + 10 * MIN) == 0  # expired once
        assert kinds(request.id).count("placement_expired") == 1


def test_a_clock_jumping_an_hour_forward_catches_up_every_step_once_in_order(duty, users, fake, tick):
    """The worker's machine was suspended at 01:58 and woke at 03:58 on the spring night: one real hour."""
    on_duty_around(duty, SPRING)
    request = new_request(users, SPRING)
    tick(SPRING)
    woke = amsterdam(2027, 3, 28, 3, 58)
    assert woke - SPRING == 60 * MIN
    tick(woke)
    for _ in range(3):  # the next ticks find nothing more to do
        tick(woke + SEC)
    assert kinds(request.id) == ["received", "paged", "paged", "paged", "paged", "exhausted"]
    steps = db.session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request.id, RequestEvent.kind.in_(("paged", "exhausted")))
        .order_by(RequestEvent.id)
    ).all()
    assert [e.detail["step"] for e in steps] == [0, 1, 2, 3, 4]
    paged = [(s, c, n) for s, c, n in steps_paged(request.id) if s < 4]
    assert paged == [
        (0, "sms", PRIMARY),
        (0, "voice", PRIMARY),
        (1, "voice", PRIMARY),
        (2, "sms", BACKUP),
        (2, "voice", BACKUP),
        (3, "sms", NATIONAL),
        (3, "voice", NATIONAL),
    ]
    assert [(m["to"], m["kind"]) for m in fake.sent][:7] == [
        (PRIMARY, "sms"),
        (PRIMARY, "call"),
        (PRIMARY, "call"),
        (BACKUP, "sms"),
        (BACKUP, "call"),
        (NATIONAL, "sms"),
        (NATIONAL, "call"),
    ]
    tick(woke + 2 * MIN)  # the alarm's calls ring once the phones are free of the page calls
    assert len(fake.sent) == len(steps_paged(request.id))  # every message once
    assert reload(request).status == "exhausted"


def test_a_clock_jumping_back_10_minutes_doubles_nothing(duty, users, fake, tick):
    """On the autumn night, at minute 12 NTP sets the clock back 10 minutes; the worker ticks on."""
    on_duty_around(duty, AUTUMN)
    request = new_request(users, AUTUMN)
    for minute in range(0, 13):
        tick(AUTUMN + minute * MIN)
    before = (list(fake.sent), steps_paged(request.id), kinds(request.id))
    assert kinds(request.id) == ["received", "paged", "paged", "paged"]
    for second in range(0, 10 * 60 + 1, 15):  # minute 2 .. 12 again
        tick(AUTUMN + 2 * MIN + second * SEC)
    assert (fake.sent, steps_paged(request.id), kinds(request.id)) == before
    for minute in range(13, 31):
        tick(AUTUMN + minute * MIN)
    assert kinds(request.id) == ["received", "paged", "paged", "paged", "paged", "exhausted"]
    steps = [s for s, _c, _n in steps_paged(request.id)]
    assert [steps.count(k) for k in range(4)] == [2, 1, 2, 2]


def test_duty_reminder_and_hand_over_once_at_local_time_across_the_change(app, duty, make_user):
    """A duty from 09:00 on the spring day: the reminder at 19:00 the evening before (CET), the
    hand-over at 09:00 (CEST), each once, with the clock jumping forward and back through the night."""
    person = make_user("coordinator", regions=["rotterdam"], email="dienst@test.nl")
    person.phone = "+31610000042"
    db.session.commit()
    start = amsterdam(2027, 3, 28, 9, 0)
    add_shift(duty["rotas"]["backup"], person, start, amsterdam(2027, 3, 29, 9, 0))
    clock = [amsterdam(2027, 3, 27, 12, 0) + k * 10 * MIN for k in range(0, 6 * 24)]  # every 10 min for a day
    clock += [
        amsterdam(2027, 3, 28, 3, 30),
        amsterdam(2027, 3, 28, 3, 20),  # NTP: back 10 minutes
        amsterdam(2027, 3, 28, 9, 0) - SEC,
        amsterdam(2027, 3, 28, 9, 0),
        amsterdam(2027, 3, 28, 8, 50),
        amsterdam(2027, 3, 28, 10, 0),
    ]
    for moment in clock:
        rota_jobs.duty_reminders(moment)
    sent = db.session.scalars(
        select(NotificationAttempt)
        .where(NotificationAttempt.to_number == person.phone)
        .order_by(NotificationAttempt.id)
    ).all()
    assert [(a.purpose, local(a.created_at).strftime("%d-%m %H:%M %Z")) for a in sent] == [
        ("duty_reminder", "27-03 19:00 CET"),
        ("handover", "28-03 09:00 CEST"),
    ]
    assert "zo 28-03 09:00" in sent[0].body
    assert start.astimezone(UTC).hour == 7
