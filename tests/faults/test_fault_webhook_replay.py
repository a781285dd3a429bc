"""Fault: a webhook delivered again and again (Twilio retries, a proxy replays) has one effect.

Each webhook is delivered once and then replayed ten times, identically (same signature, same sid),
each a few seconds later: the first delivery's effect is counted in every table it can touch
(timeline, audit log, outbox, availability history) and the replays add nothing and move nothing."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from beds.models import AvailabilitySnapshot, BedPool
from extensions import db
from notify.models import NotificationAttempt
from piket.models import RequestEvent, WebhookReceipt
from tests.conftest import PRIMARY, csrf_token, kinds, new_request, reload, sent_to

SEC, MIN = dt.timedelta(seconds=1), dt.timedelta(minutes=1)
REPLAYS = 10
TABLES = {
    "timeline": RequestEvent,
    "audit": AuditEntry,
    "outbox": NotificationAttempt,
    "availability": AvailabilitySnapshot,
    "receipts": WebhookReceipt,
}


def effects() -> dict:
    db.session.expire_all()
    counts = {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in TABLES.items()}
    db.session.commit()
    return counts


def grew(before, after) -> dict:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


def deliver(app, now, send, times=1 + REPLAYS):
    """The first delivery at `now`, each replay a few seconds later (so a second effect would show
    in its timestamps); returns the responses' bodies."""
    bodies = []
    for k in range(times):
        app.config["FROZEN_NOW"] = now + 3 * k * SEC
        resp = send()
        assert resp.status_code in (200, 204), resp.get_data(as_text=True)
        bodies.append(resp.get_data(as_text=True))
    app.config["FROZEN_NOW"] = now
    return bodies


def message(twiml) -> str:
    found = re.search(r"<Message>(.*)</Message>", twiml, re.S)
    return found.group(1) if found else ""


def audit_actions(entity_id=None):
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [r.action for r in rows if entity_id is None or r.entity_id == str(entity_id)]


def page_attempt(request, channel):
    db.session.expire_all()
    return db.session.scalar(
        select(NotificationAttempt).where(
            NotificationAttempt.request_id == request.id,
            NotificationAttempt.channel == channel,
            NotificationAttempt.step == 0,
        )
    )


def outbox_for(number, purpose):
    return db.session.scalars(
        select(NotificationAttempt).where(
            NotificationAttempt.to_number == number, NotificationAttempt.purpose == purpose
        )
    ).all()


def assert_accepted_once(request, duty, accepted_at, channel):
    request = reload(request)
    assert (request.status, request.accepted_by_id, request.accepted_at) == (
        "accepted",
        duty["people"]["primary"].id,
        accepted_at,
    )
    assert kinds(request.id).count("accepted") == 1
    assert audit_actions(request.id).count("request.accepted") == 1
    accepted = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id, RequestEvent.kind == "accepted")
    ).one()
    assert accepted.at == accepted_at and accepted.detail == {"channel": channel}
    # One confirmation SMS with the link to the proposals, however often the answer came in.
    assert len(outbox_for(PRIMARY, "accepted")) == 1


def test_an_sms_ja_replayed_ten_times_accepts_once(app, duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    before = effects()
    form = {"From": PRIMARY, "To": "+3197010000000", "Body": "JA", "MessageSid": "SM" + "7" * 32, "AccountSid": "AC1"}
    answers = deliver(app, now + 30 * SEC, lambda: signed_post("/webhooks/twilio/sms", form))
    assert request.short_code in message(answers[0]) and "aangenomen" in message(answers[0])
    assert len(set(answers)) == 1  # every replay gets the first answer again, and nothing else
    assert_accepted_once(request, duty, now + 30 * SEC, "sms")
    # One effect: one timeline event, one audit row, one outbox SMS, one receipt.
    assert grew(before, effects()) == {"timeline": 1, "audit": 1, "outbox": 1, "receipts": 1}
    assert page_attempt(request, "sms").status == page_attempt(request, "voice").status == "responded"
    tick(now + MIN)
    assert len([m for m in sent_to(fake, PRIMARY, "sms") if "/zaak/" in m["body"]]) == 1


def test_a_keypad_1_replayed_ten_times_accepts_once(app, duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    call = page_attempt(request, "voice")
    before = effects()
    answers = deliver(
        app,
        now + 40 * SEC,
        lambda: signed_post(f"/webhooks/twilio/voice/{call.id}/keuze", {"CallSid": "CA" + "5" * 32, "Digits": "1"}),
    )
    assert "U heeft de aanvraag aangenomen" in answers[0] and len(set(answers)) == 1
    assert_accepted_once(request, duty, now + 40 * SEC, "voice")
    assert grew(before, effects()) == {"timeline": 1, "audit": 1, "outbox": 1, "receipts": 1}


def test_the_accept_link_posted_ten_times_accepts_once(app, duty, users, fake, tick, client, now):
    request = new_request(users, now)
    tick(now)
    path = re.search(r"https?://[^/]+(/a/\S+)", sent_to(fake, PRIMARY, "sms")[0]["body"]).group(1)
    token = csrf_token(client.get(path).get_data(as_text=True))
    db.session.commit()
    before = effects()
    pages = deliver(app, now + 50 * SEC, lambda: client.post(path, data={"csrf_token": token, "choice": "accept"}))
    assert all("aangenomen" in page for page in pages)
    assert_accepted_once(request, duty, now + 50 * SEC, "link")
    assert grew(before, effects()) == {"timeline": 1, "audit": 1, "outbox": 1, "receipts": 1}


@pytest.mark.parametrize(
    "channel,params,final",
    [
        ("sms", {"MessageStatus": "delivered"}, "delivered"),
        ("voice", {"CallStatus": "completed", "AnsweredBy": "human"}, "answered"),
        ("voice", {"CallStatus": "completed", "AnsweredBy": "machine_end_beep"}, "no_answer"),
    ],
)
def test_a_status_callback_replayed_ten_times_moves_the_status_once(
    app, duty, users, fake, tick, signed_post, now, channel, params, final
):
    request = new_request(users, now)
    tick(now)
    attempt = page_attempt(request, channel)
    before = effects()
    deliver(
        app,
        now + 20 * SEC,
        lambda: signed_post(f"/webhooks/twilio/status/{attempt.id}", {**params, "Sid": attempt.provider_sid}),
    )
    attempt = page_attempt(request, channel)
    assert (attempt.status, attempt.updated_at) == (final, now + 20 * SEC)  # moved by the first delivery only
    assert grew(before, effects()) == {}  # a status is not an event, an audit row or a message
    assert reload(request).status == "paging" and kinds(request.id) == ["received", "paged"]


def test_failure_callbacks_replayed_ten_times_move_the_ladder_on_once(app, duty, users, fake, tick, signed_post, now):
    """Both pages of a step undeliverable, each callback replayed: the step is given up once and
    the next step runs once (the primary's call at minute 5 is skipped, the back-up paged at once)."""
    request = new_request(users, now)
    tick(now)
    sms, call = page_attempt(request, "sms"), page_attempt(request, "voice")
    deliver(
        app,
        now + 20 * SEC,
        lambda: signed_post(
            f"/webhooks/twilio/status/{sms.id}", {"MessageStatus": "undelivered", "ErrorCode": "30003"}
        ),
    )
    deliver(app, now + 40 * SEC, lambda: signed_post(f"/webhooks/twilio/status/{call.id}", {"CallStatus": "failed"}))
    for k in range(REPLAYS):  # the worker ticking meanwhile
        tick(now + (41 + k) * SEC)
    assert kinds(request.id) == ["received", "paged", "step_unanswered", "step_skipped", "paged"]
    assert len(outbox_for("+31610000002", "page")) == len(outbox_for("+31610000002", "page_call")) == 1
    assert page_attempt(request, "sms").last_error_code == "30003"


def test_bedden_3_replayed_ten_times_is_recorded_once(app, registry, signed_post, now):
    pool = registry["shelters"]["rot-cosm"].pools[0]  # bed pool: capacity 4, 2 occupied
    pool_id = pool.id
    db.session.commit()
    before = effects()
    form = {"From": "+31101234567", "To": "+3197010000000", "Body": "BEDDEN 3", "MessageSid": "SM" + "3" * 32}
    answers = deliver(app, now + 60 * SEC, lambda: signed_post("/webhooks/twilio/sms", form))
    assert "3 vrij" in message(answers[0]) and len(set(answers)) == 1
    assert grew(before, effects()) == {"availability": 1, "audit": 1, "receipts": 1}
    db.session.expire_all()
    pool = db.session.get(BedPool, pool_id)
    assert (pool.free, pool.occupied, pool.confirmed_at) == (3, 1, now + 60 * SEC)
    assert audit_actions().count("availability.update") == 1
