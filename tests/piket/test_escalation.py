"""Escalation driven by a passed-in clock: every step at its minute, exhausted is loud, accept stops it."""

import datetime as dt

import pytest

from extensions import db
from piket import escalation, service
from piket.models import EscalationPolicy
from tests.conftest import (
    BACKUP,
    NATIONAL,
    PRIMARY,
    REQUESTER,
    add_shift,
    kinds,
    new_request,
    reload,
    run_concurrently,
    sent_to,
)

MIN = dt.timedelta(minutes=1)


def test_after_hours_every_step_at_its_minute(duty, users, fake, tick, now):
    request = new_request(users, now)  # Sunday 02:30 in Amsterdam: after hours
    assert request.escalation["mode"] == "after_hours"
    tick(now)
    assert reload(request).status == "paging"
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call"]
    tick(now + 4 * MIN + dt.timedelta(seconds=59))
    assert len(fake.sent) == 2  # nothing before minute 5
    tick(now + 5 * MIN)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call", "call"]  # called again
    tick(now + 9 * MIN)
    assert not sent_to(fake, BACKUP)
    tick(now + 10 * MIN)
    assert [m["kind"] for m in sent_to(fake, BACKUP)] == ["sms", "call"]
    tick(now + 19 * MIN)
    assert not sent_to(fake, NATIONAL)
    tick(now + 20 * MIN)
    assert [m["kind"] for m in sent_to(fake, NATIONAL)] == ["sms", "call"]
    assert reload(request).status == "paging"
    tick(now + 30 * MIN)
    assert reload(request).status == "exhausted"
    assert kinds(request.id) == ["received", "paged", "paged", "paged", "paged", "exhausted"]


def test_exhausted_is_loud(duty, users, make_user, fake, tick, now):
    other = make_user("coordinator", regions=["rotterdam"], email="collega@test.nl")
    other.phone = "+31610000009"
    users["admin"].phone = "+31610000010"
    other.phone_verified_at = users["admin"].phone_verified_at = now  # alarms go to verified phones only
    db.session.commit()
    request = new_request(users, now)
    for minute in (0, 5, 10, 20, 30):
        tick(now + minute * MIN)
    request = reload(request)
    assert request.status == "exhausted" and request.closed_at == now + 30 * MIN
    alarm = [m for m in fake.sent if "ALARM" in m.get("body", "")]
    # Every coordinator of the region with a phone, and the admin; not the national piket in Amsterdam.
    assert {m["to"] for m in alarm} == {PRIMARY, BACKUP, "+31610000009", "+31610000010"}
    told = sent_to(fake, REQUESTER)
    assert len(told) == 1 and request.short_code in told[0]["body"] and "gealarmeerd" in told[0]["body"]
    # Loud, but it can still be taken: a late yes reopens it.
    service.accept(now + 31 * MIN, request.id, duty["people"]["backup"])
    assert reload(request).status == "accepted"


def test_accept_stops_the_ladder_and_tells_the_others(duty, users, fake, tick, now):
    request = new_request(users, now)
    tick(now)
    tick(now + 10 * MIN)  # primary and back-up both paged
    service.accept(now + 11 * MIN, request.id, duty["people"]["backup"], channel="web")
    assert reload(request).next_action_at is None
    before = len(fake.sent)
    for minute in (12, 20, 30, 60):
        tick(now + minute * MIN)
    new = fake.sent[before:]
    # Only the 'taken' message to the primary; no more pages, never exhausted.
    assert [(m["to"], m["kind"]) for m in new] == [(PRIMARY, "sms")]
    assert (
        "aangenomen door de achtervang" in new[0]["body"] and "Coördinator" not in new[0]["body"]
    )  # no names in an SMS
    assert reload(request).status == "accepted"


def test_two_accepts_race_and_one_wins(duty, users, fake, tick, now, app):
    request = new_request(users, now)
    tick(now)
    people = [duty["people"]["primary"], duty["people"]["backup"]]
    request_id = request.id  # the threads must not touch this thread's objects (or its session)

    def accept(user_id):
        with app.app_context():
            from accounts.models import User

            service.accept(now + MIN, request_id, db.session.get(User, user_id))

    args = [(p.id,) for p in people]
    db.session.commit()  # SQLite: the test's own read must not hold the write lock the threads wait for
    errors = run_concurrently(accept, args)
    assert sorted(type(e).__name__ for e in errors) == ["Conflict", "NoneType"]
    loser = people[errors.index(next(e for e in errors if e is not None))]
    winner = next(p for p in people if p is not loser)
    assert reload(request).accepted_by_id == winner.id
    assert kinds(request.id).count("accepted") == 1


def test_a_gap_in_the_rota_goes_straight_to_the_next_level(duty, users, fake, tick, now):
    from piket.rotas.models import RotaShift

    db.session.execute(RotaShift.__table__.delete().where(RotaShift.rota_id == duty["rotas"]["primary"].id))
    db.session.commit()
    request = new_request(users, now)
    tick(now)
    # Nobody primary: skipped (recorded), the back-up is paged at minute 0, not at minute 10.
    assert [m["kind"] for m in sent_to(fake, BACKUP)] == ["sms", "call"]
    events = kinds(request.id)
    assert events[:3] == ["received", "step_skipped", "step_skipped"] and "paged" in events


def test_permanent_failure_moves_on_without_waiting(duty, users, fake, tick, now):
    from notify.providers import PermanentError

    request = new_request(users, now)
    fake.fail_next(PermanentError("21211", "invalid number"), times=2)  # the primary's SMS and call
    tick(now)
    assert not any(m["to"] == PRIMARY for m in fake.sent)
    tick(now + dt.timedelta(seconds=2))
    assert [m["kind"] for m in sent_to(fake, BACKUP)] == ["sms", "call"]  # minutes before minute 10
    assert "step_unanswered" in kinds(request.id)


def test_everyone_declining_moves_on(duty, users, fake, tick, now):
    request = new_request(users, now)
    tick(now)
    service.decline(now + MIN, request.id, duty["people"]["primary"], "sms")
    tick(now + MIN + dt.timedelta(seconds=1))
    assert [m["kind"] for m in sent_to(fake, BACKUP)] == ["sms", "call"]
    tick(now + 5 * MIN)  # the primary's repeat call is not made: they said no
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call"]


def test_nobody_on_duty_at_any_level_is_loud_at_once(duty, users, fake, tick, now):
    later = now + dt.timedelta(days=10)  # past every shift in the rota
    request = new_request(users, later)
    tick(later)
    assert reload(request).status == "exhausted"
    assert kinds(request.id).count("step_skipped") == 4 and sent_to(fake, REQUESTER)


def test_office_hours_go_to_the_regions_queue(duty, users, fake, tick):
    monday = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)  # Monday 10:30 in Amsterdam
    request = new_request(users, monday)
    assert request.escalation["mode"] == "office"
    tick(monday)
    assert reload(request).status == "received"  # in the queue, not paging
    # An SMS to every coordinator of Rotterdam with a phone, no calls.
    assert {(m["to"], m["kind"]) for m in fake.sent} == {(PRIMARY, "sms"), (BACKUP, "sms")}


def test_a_public_holiday_is_after_hours(duty, users, fake, tick):
    christmas = dt.datetime(2026, 12, 25, 10, 0, tzinfo=dt.UTC)  # Friday, Eerste Kerstdag, 11:00
    add_shift(
        duty["rotas"]["primary"],
        duty["people"]["primary"],
        christmas - dt.timedelta(hours=3),
        christmas + dt.timedelta(hours=9),
    )
    request = new_request(users, christmas)
    assert request.escalation["mode"] == "after_hours"
    tick(christmas)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call"]


def test_the_policy_is_snapshotted(duty, users, registry, fake, tick, now):
    request = new_request(users, now)
    db.session.add(
        EscalationPolicy(
            region_id=registry["regions"]["rotterdam"].id,
            after_hours=[{"after": 0, "level": "national", "channels": ["sms"]}, {"after": 1, "level": "exhausted"}],
        )
    )
    db.session.commit()
    tick(now)
    tick(now + 2 * MIN)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call"]  # the old ladder, not the new one
    assert reload(request).status == "paging"
    newer = new_request(users, now + 3 * MIN, case_reference="PL-2")
    assert newer.escalation["steps"][0]["level"] == "national"


def test_two_workers_page_nobody_twice(duty, users, fake, now, app):
    from notify import service as notify

    requests = [new_request(users, now, case_reference=f"PL-{i}") for i in range(5)]

    def work():
        with app.app_context():
            escalation.tick(now)
            notify.dispatch_due(now, fake, app.config["PUBLIC_BASE_URL"])

    db.session.commit()
    assert run_concurrently(work, [(), (), ()]) == [None, None, None]
    # Five requests to the primary: their pages queued together go as one SMS with five codes, and
    # one call (the phone rings for one at a time).
    assert sorted(m["kind"] for m in fake.sent) == ["call", "sms"]
    assert all(r.short_code in sent_to(fake, PRIMARY, "sms")[0]["body"] for r in requests)
    for request in requests:
        assert kinds(request.id).count("paged") == 1
    # The other calls ring one after another, each once: not twice or three times.
    for minute in range(1, 6):
        notify.dispatch_due(now + minute * MIN, fake, app.config["PUBLIC_BASE_URL"])
    assert sorted(m["kind"] for m in fake.sent) == ["call"] * 5 + ["sms"]


@pytest.mark.postgres_only
def test_claims_hold_on_postgres_under_many_workers(duty, users, fake, now, app):
    from notify import service as notify

    request = new_request(users, now)

    def work():
        with app.app_context():
            escalation.tick(now)
            notify.dispatch_due(now, fake, app.config["PUBLIC_BASE_URL"])

    db.session.commit()
    assert run_concurrently(work, [()] * 8) == [None] * 8
    assert len(fake.sent) == 2 and kinds(request.id).count("paged") == 1


def test_the_ladder_runs_as_many_rounds_as_the_policy_asks(duty, users, registry, fake, tick, now):
    db.session.add(EscalationPolicy(region_id=registry["regions"]["rotterdam"].id, rounds=2))
    db.session.commit()
    request = new_request(users, now)
    for minute in (0, 5, 10, 20, 30):
        tick(now + minute * MIN)
    assert reload(request).status == "paging"  # not exhausted after one round: the ladder starts over
    assert kinds(request.id)[-1] == "paged" and "ladder_repeated" in kinds(request.id)
    assert len(sent_to(fake, PRIMARY, "sms")) == 2  # the primary is paged again at minute 30
    for minute in (35, 40, 50):
        tick(now + minute * MIN)
    assert reload(request).status == "paging"
    tick(now + 60 * MIN)
    assert reload(request).status == "exhausted"


def test_the_alarm_also_calls_and_keypad_one_takes_the_exhausted_request(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    for minute in (0, 5, 10, 20, 30):
        tick(now + minute * MIN)
    assert reload(request).status == "exhausted"
    tick(now + 32 * MIN)  # the phones ring again for the alarm once the last page call is over
    from notify.models import NotificationAttempt

    alarm_call = sent_to(fake, BACKUP, "call")[-1]
    attempt_id = alarm_call["url"].rsplit("/", 1)[1]
    assert db.session.get(NotificationAttempt, int(attempt_id)).purpose == "exhausted"
    spoken = signed_post(f"/webhooks/twilio/voice/{attempt_id}", {"CallSid": "CA-alarm", "AnsweredBy": "human"})
    assert "Toets 1" in spoken.get_data(as_text=True)
    signed_post(f"/webhooks/twilio/voice/{attempt_id}/keuze", {"CallSid": "CA-alarm", "Digits": "1"})
    request = reload(request)
    assert request.status == "accepted" and request.accepted_by_id == duty["people"]["backup"].id
