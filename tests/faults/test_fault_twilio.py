"""Fault: the Twilio API answers 500s and times out, inside a real escalation.

The real TwilioProvider (the twilio library's own client) over a network that fails when told to;
the escalation and the outbox driven by a moving clock, as the worker drives them."""

import datetime as dt

import pytest
import requests
from sqlalchemy import select

from extensions import db
from notify.models import FINAL, NotificationAttempt
from notify.service import backoff
from piket.models import RequestEvent
from tests.conftest import BACKUP, NATIONAL, PRIMARY, kinds, new_request, reload

SEC, MIN = dt.timedelta(seconds=1), dt.timedelta(minutes=1)

# How Twilio fails, and the error code the outbox records: a time-out is treated like a 500.
FAILURES = [
    pytest.param(500, "20500", id="http-500"),
    pytest.param(503, "20503", id="http-503"),
    pytest.param(requests.exceptions.ReadTimeout("Read timed out. (read timeout=10)"), "timeout", id="read-timeout"),
    pytest.param(requests.exceptions.Timeout("timed out"), "timeout", id="timeout"),
]


def attempts(request_id, **where):
    db.session.expire_all()
    query = select(NotificationAttempt).where(NotificationAttempt.request_id == request_id)
    for column, value in where.items():
        query = query.where(getattr(NotificationAttempt, column) == value)
    rows = db.session.scalars(query.order_by(NotificationAttempt.id)).all()
    db.session.commit()  # end the read
    return rows


def events(request_id):
    rows = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    ).all()
    return [(e.kind, e.detail or {}) for e in rows]


def attempt_of(http_request) -> int:
    """Which outbox row a request to Twilio was for: its StatusCallback URL names it."""
    return int(http_request["data"]["StatusCallback"].rsplit("/", 1)[1])


@pytest.mark.parametrize("failure,code", FAILURES)
def test_a_failing_page_sms_is_retried_with_back_off_and_the_call_still_goes_out(
    app, duty, users, twilio_http, twilio_tick, now, failure, code
):
    max_tries = app.config["NOTIFY_MAX_TRIES"]
    twilio_http.fail("sms", PRIMARY, failure)  # SMS to the primary fails until further notice
    request = new_request(users, now)
    twilio_tick(now)
    assert [r["kind"] for r in twilio_http.tried(to=PRIMARY)] == ["sms", "call"]
    assert len(twilio_http.taken("call", PRIMARY)) == 1  # the failing SMS did not hold up the call
    [sms] = attempts(request.id, channel="sms")
    moment, waits = now, []
    while sms.status == "pending":
        assert sms.last_error_code == code
        waits.append((sms.next_try_at - moment).total_seconds())
        twilio_tick(sms.next_try_at - SEC)
        assert len(twilio_http.tried("sms", PRIMARY)) == sms.tries  # never before its back-off
        moment = sms.next_try_at
        twilio_tick(moment)
        [sms] = attempts(request.id, channel="sms")
    assert waits == [backoff(k).total_seconds() for k in range(1, max_tries)] == [5, 15, 45, 135]
    assert (sms.status, sms.tries, sms.last_error_code, sms.next_try_at) == ("failed", max_tries, code, None)
    assert len(twilio_http.tried("sms", PRIMARY)) == max_tries and not twilio_http.taken("sms")
    # The call went out, so the step is not dead: the ladder keeps to its minutes.
    assert kinds(request.id) == ["received", "paged"]
    assert reload(request).next_action_at == now + 5 * MIN
    twilio_tick(now + 5 * MIN - SEC)
    assert len(twilio_http.taken("call", PRIMARY)) == 1
    twilio_tick(now + 5 * MIN)
    assert len(twilio_http.taken("call", PRIMARY)) == 2  # minute 5: the primary is called again
    twilio_http.recover()
    twilio_tick(now + 10 * MIN)
    assert [r["kind"] for r in twilio_http.taken(to=BACKUP)] == ["sms", "call"]
    assert kinds(request.id) == ["received", "paged", "paged", "paged"]
    # Nothing left half-way: every row was taken by Twilio or failed for good, none is still claimed.
    assert sorted((a.step, a.channel, a.status) for a in attempts(request.id)) == [
        (0, "sms", "failed"),
        (0, "voice", "sent"),
        (1, "voice", "sent"),
        (2, "sms", "sent"),
        (2, "voice", "sent"),
    ]
    assert all(a.claimed_until is None for a in attempts(request.id))


@pytest.mark.parametrize("failure,code", FAILURES)
def test_when_every_try_of_sms_and_call_fails_the_next_level_is_paged_without_waiting(
    app, duty, users, twilio_http, twilio_tick, now, failure, code
):
    max_tries = app.config["NOTIFY_MAX_TRIES"]
    twilio_http.fail(None, PRIMARY, failure)  # everything to the primary fails; the back-up is reachable
    request = new_request(users, now)
    twilio_tick(now)
    moment = now
    while any(a.status == "pending" for a in attempts(request.id)):
        moment = min(a.next_try_at for a in attempts(request.id) if a.status == "pending")
        assert moment < now + 5 * MIN
        twilio_tick(moment)
    given_up = sum((backoff(k) for k in range(1, max_tries)), dt.timedelta())
    assert moment == now + given_up  # both channels' last tries, at 3 min 20 s
    assert [(a.channel, a.status, a.tries, a.last_error_code) for a in attempts(request.id)] == [
        ("sms", "failed", max_tries, code),
        ("voice", "failed", max_tries, code),
    ]
    assert not twilio_http.tried(to=BACKUP)
    twilio_tick(moment + SEC)  # the worker's next tick
    # The back-up is paged now, not at minute 10; the primary's call at minute 5 is skipped (unreachable).
    assert [r["kind"] for r in twilio_http.taken(to=BACKUP)] == ["sms", "call"]
    assert reload(request).escalation_step == 3 and reload(request).next_action_at == now + 20 * MIN
    timeline = events(request.id)
    assert [k for k, _ in timeline] == ["received", "paged", "step_unanswered", "step_skipped", "paged"]
    assert timeline[2][1] == {"step": 0, "reason": "failed"}
    assert timeline[3][1] == {"step": 1, "level": "primary", "reason": "unreachable"}
    assert timeline[4][1]["level"] == "backup" and timeline[4][1]["users"] == [duty["people"]["backup"].id]
    assert len(twilio_http.tried(to=PRIMARY)) == 2 * max_tries  # nothing more to the primary
    assert not twilio_http.taken(to=PRIMARY)


@pytest.mark.parametrize("failure,code", FAILURES)
def test_when_twilio_recovers_mid_way_each_message_is_sent_exactly_once(
    app, duty, users, twilio_http, twilio_tick, now, failure, code
):
    twilio_http.fail("sms", PRIMARY, failure, times=2)
    twilio_http.fail("call", PRIMARY, failure, times=1)
    request = new_request(users, now)
    for second in range(0, 5 * 60, 5):  # the worker, every 5 s, up to just before minute 5
        twilio_tick(now + second * SEC)
    failed = str(failure) if isinstance(failure, int) else type(failure).__name__
    assert [r["outcome"][:2] for r in twilio_http.tried("sms", PRIMARY)] == [failed[:2], failed[:2], "SM"]
    assert [r["outcome"][:2] for r in twilio_http.tried("call", PRIMARY)] == [failed[:2], "CA"]
    [sms_sent] = twilio_http.taken("sms", PRIMARY)
    [call_sent] = twilio_http.taken("call", PRIMARY)
    sms, call = attempts(request.id)
    assert (sms.status, sms.tries, sms.provider_sid, sms.dispatched_at, sms.last_error_code) == (
        "sent",
        3,
        sms_sent["outcome"],
        now + 20 * SEC,
        None,
    )  # tries at 0, 5 and 5 + 15 s
    assert (call.status, call.tries, call.provider_sid, call.dispatched_at) == (
        "sent",
        2,
        call_sent["outcome"],
        now + 5 * SEC,
    )
    assert attempt_of(sms_sent) == sms.id and attempt_of(call_sent) == call.id
    assert kinds(request.id) == ["received", "paged"]


def test_nothing_is_lost_through_a_whole_ladder_on_a_flaky_twilio(
    app, duty, users, twilio_http, twilio_tick, signed_post, now
):
    """Twilio answers 500, times out, 503, ... in between successes, for two requests from page to
    exhausted: every message is tried exactly its recorded number of times, taken at most once and
    then recorded with Twilio's sid, or failed for good after the last try; the timeline has every step."""
    max_tries = app.config["NOTIFY_MAX_TRIES"]
    twilio_http.flaky(
        [
            500,
            None,
            requests.exceptions.ReadTimeout("Read timed out."),
            None,
            503,
            500,
            None,
            requests.exceptions.Timeout("timed out"),
            500,
            500,
            503,
            500,
        ]
    )
    first = new_request(users, now)
    second = new_request(users, now + MIN, case_reference="PL-2")
    for second_ in range(0, 40 * 60, 5):
        twilio_tick(now + second_ * SEC)
    rows = attempts(first.id) + attempts(second.id)
    assert reload(first).status == reload(second).status == "exhausted"
    tried, taken = {}, {}
    for http_request in twilio_http.requests:
        tried.setdefault(attempt_of(http_request), []).append(http_request)
        if http_request["outcome"].startswith(("SM", "CA")):
            taken.setdefault(attempt_of(http_request), []).append(http_request["outcome"])
    assert set(tried) == {a.id for a in rows}  # every row was tried, nothing else was sent
    for a in rows:
        assert a.claimed_until is None and a.next_try_at is None, a
        assert len(tried[a.id]) == a.tries  # each try is one request to Twilio, none unrecorded
        if a.status == "sent":
            assert taken[a.id] == [a.provider_sid]  # taken once, and we know its sid
        else:
            assert a.status == "failed" and a.tries == max_tries and a.id not in taken
    assert any(a.tries > 1 and a.status == "sent" for a in rows)  # retries did get messages out
    assert any(a.status == "failed" for a in rows)
    # Twilio's callbacks bring every row to a final status, also when replayed.
    for a in rows:
        if a.status == "sent":
            status = {"MessageStatus": "delivered"} if a.channel == "sms" else {"CallStatus": "no-answer"}
            for _ in range(2):
                assert (
                    signed_post(f"/webhooks/twilio/status/{a.id}", {**status, "MessageSid": a.provider_sid}).status_code
                    == 204
                )
    rows = attempts(first.id) + attempts(second.id)
    assert all(a.status in FINAL for a in rows), [(a.id, a.status) for a in rows]
    # The timeline names every step that paged, and the end.
    for request in (first, second):
        timeline = events(request.id)
        paged_steps = {d["step"] for k, d in timeline if k == "paged"}
        assert {a.step for a in attempts(request.id) if a.purpose in ("page", "page_call")} <= paged_steps
        assert [k for k, _ in timeline][-1] == "exhausted"
        assert len([k for k, _ in timeline if k == "exhausted"]) == 1
    assert {a.step for a in rows} == {0, 1, 2, 3, 4} and twilio_http.taken(to=NATIONAL)  # every level was reached
