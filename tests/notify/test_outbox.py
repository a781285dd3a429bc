"""The outbox: recorded before sending, claimed so two workers never send the same attempt,
retried with back-off, forward-only statuses, opt-outs, dedupe keys."""

import datetime as dt
import time

import pytest
from sqlalchemy import func, select, text

from errors import ValidationError
from extensions import db
from notify import service
from notify.models import NotificationAttempt, SmsOptOut
from notify.providers import FakeProvider, OptedOut, PermanentError, TransientError
from tests.conftest import run_concurrently
from tests.notify.conftest import BASE, load
from transactions import atomic

TO = "+31612345678"
S = dt.timedelta(seconds=1)


def dispatch(now, provider):
    return service.dispatch_due(now, provider, BASE)


def count():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(NotificationAttempt))


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "+31612345678",
        "06 1234 5678",
        "06-12345678",
        "0031 6 12345678",
        "+31 (0)6 1234 5678",
        "+31 06 12345678",
        " (06) 12.34.56.78 ",
    ],
)
def test_dutch_mobile_numbers_are_normalised(raw):
    assert service.normalise_number(raw) == "+31612345678"


def test_other_numbers_are_normalised():
    assert service.normalise_number("+31 10 123 4567") == "+31101234567"
    assert service.normalise_number("010-1234567") == "+31101234567"
    assert service.normalise_number("0049 30 1234567") == "+49301234567"


@pytest.mark.parametrize("raw", ["", None, "12345", "+31 6 abc", "06123", "+0612345678", "hallo", "+3161234567890123"])
def test_what_is_not_a_phone_number_is_refused(raw):
    with pytest.raises(ValidationError) as raised:
        service.normalise_number(raw)
    assert raised.value.field == "phone"


# --- enqueue --------------------------------------------------------------------------------------


def test_enqueue_is_part_of_the_callers_transaction(app, now):
    attempt = service.enqueue(now, to="06 1234 5678", channel="sms", body="Piket", purpose="page", request_id=4, step=0)
    db.session.flush()
    assert (attempt.status, attempt.to_number, attempt.next_try_at, attempt.tries) == ("pending", TO, now, 0)
    db.session.rollback()  # the caller's transaction failed: no message either
    assert count() == 0


def test_a_dedupe_key_adds_one_attempt_only(app, now, queue):
    first = queue(dedupe_key="taken:4:9")
    second = queue(dedupe_key="taken:4:9", body="anders")
    assert first == second and count() == 1


def test_a_dedupe_race_keeps_the_callers_transaction(app, now, monkeypatch):
    """Another worker inserted the key between our look-up and our insert: the existing attempt is
    returned and what the caller did earlier in its transaction is kept."""
    with db.engine.begin() as other:  # the other worker's row, committed
        other.execute(
            text(
                "INSERT INTO notification_attempts (created_at, updated_at, purpose, channel, to_number, body, "
                "status, tries, dedupe_key) VALUES (:t, :t, 'taken', 'sms', :to, 'x', 'pending', 0, 'k1')"
            ),
            {"t": now.replace(tzinfo=None), "to": TO},
        )
    real = service._by_dedupe_key
    calls = iter([None])
    monkeypatch.setattr(service, "_by_dedupe_key", lambda key: next(calls, None) or real(key))
    with atomic():
        earlier = service.enqueue(now, to=TO, channel="voice", body="call", purpose="page_call")
        again = service.enqueue(now, to=TO, channel="sms", body="y", purpose="taken", dedupe_key="k1")
    assert again.body == "x" and load(earlier.id) is not None and count() == 2


def test_two_workers_enqueueing_the_same_key_make_one_attempt(app, now):
    def work():
        with app.app_context():
            with atomic():
                service.enqueue(now, to=TO, channel="sms", body="x", purpose="taken", dedupe_key="same")

    assert run_concurrently(work, [(), (), (), ()]) == [None] * 4
    assert count() == 1


def test_an_unusable_number_is_recorded_as_failed_not_raised(app, queue, fake, now):
    attempt_id = queue(to="onbekend")
    assert dispatch(now, fake) == 0 and fake.sent == []
    attempt = load(attempt_id)
    assert (attempt.status, attempt.last_error_code) == ("failed", "invalid_number")


# --- dispatch -------------------------------------------------------------------------------------


def test_sms_and_call_are_sent_with_their_callback_urls(app, queue, fake, now):
    sms, call = queue(channel="sms", body="Piket: aanvraag K7Q2"), queue(channel="voice", body="oproep K7Q2")
    assert dispatch(now, fake) == 2
    assert fake.sent == [
        {
            "kind": "sms",
            "to": TO,
            "body": "Piket: aanvraag K7Q2",
            "status_callback": f"{BASE}/webhooks/twilio/status/{sms}",
            "sid": "fake-sms-1",
        },
        {
            "kind": "call",
            "to": TO,
            "url": f"{BASE}/webhooks/twilio/voice/{call}",
            "status_callback": f"{BASE}/webhooks/twilio/status/{call}",
            "sid": "fake-call-2",
        },
    ]
    attempt = load(sms)
    assert (attempt.status, attempt.provider_sid, attempt.dispatched_at, attempt.tries, attempt.claimed_until) == (
        "sent",
        "fake-sms-1",
        now,
        1,
        None,
    )
    assert dispatch(now + S, fake) == 0 and len(fake.sent) == 2  # sent once


def test_not_sent_before_it_is_due(app, queue, fake, now):
    queue(at=now + 10 * S)
    assert dispatch(now, fake) == 0
    assert dispatch(now + 10 * S, fake) == 1


class Inspecting(FakeProvider):
    """Looks in the database (its own connection, so only committed rows) while being called."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def _record(self, record):
        with db.engine.connect() as conn:
            self.seen.append(
                tuple(
                    conn.execute(
                        text("SELECT status, tries, claimed_until IS NOT NULL, provider_sid FROM notification_attempts")
                    ).one()
                )
            )
        return super()._record(record)


def test_the_attempt_is_recorded_and_claimed_before_the_provider_is_called(app, queue, now):
    queue()
    provider = Inspecting()
    assert dispatch(now, provider) == 1
    assert provider.seen == [("pending", 1, 1, None)]


def test_transient_errors_are_retried_with_back_off_then_failed(app, queue, fake, now):
    attempt_id = queue()
    fake.fail_next(TransientError("20500", "Internal Server Error"), times=5)
    moment, waits = now, []
    for try_ in range(1, 6):
        assert dispatch(moment, fake) == 0
        attempt = load(attempt_id)
        assert attempt.tries == try_ and attempt.last_error_code == "20500"
        if attempt.status == "failed":
            break
        waits.append((attempt.next_try_at - moment).total_seconds())
        assert dispatch(attempt.next_try_at - S, fake) == 0  # not before its time
        moment = attempt.next_try_at
    assert waits == [5, 15, 45, 135]
    assert (attempt.status, attempt.tries, attempt.next_try_at) == ("failed", 5, None)
    assert dispatch(moment + dt.timedelta(hours=1), fake) == 0 and fake.sent == []


def test_a_transient_error_then_success(app, queue, fake, now):
    attempt_id = queue()
    fake.fail_next(TransientError("timeout", "ReadTimeout"))
    assert dispatch(now, fake) == 0
    assert dispatch(now + 5 * S, fake) == 1
    attempt = load(attempt_id)
    assert (attempt.status, attempt.tries, attempt.last_error_code, attempt.dispatched_at) == (
        "sent",
        2,
        None,
        now + 5 * S,
    )


def test_max_tries_is_a_setting(app, queue, fake, now):
    app.config["NOTIFY_MAX_TRIES"] = 2
    attempt_id = queue()
    fake.fail_next(TransientError("20500", "down"), times=2)
    dispatch(now, fake)
    dispatch(now + 5 * S, fake)
    assert load(attempt_id).status == "failed"


def test_a_permanent_error_is_not_retried(app, queue, fake, now):
    attempt_id = queue()
    fake.fail_next(PermanentError("21211", "The 'To' number is not a valid phone number."))
    dispatch(now, fake)
    attempt = load(attempt_id)
    assert (attempt.status, attempt.tries, attempt.last_error_code, attempt.next_try_at) == ("failed", 1, "21211", None)
    assert "not a valid" in attempt.last_error
    assert dispatch(now + dt.timedelta(hours=1), fake) == 0 and fake.sent == []


def test_one_failure_does_not_stop_the_batch(app, queue, fake, now):
    ids = [queue(body=f"bericht {k}") for k in range(4)]
    fake.fail_next(PermanentError("21614", "not a mobile number"))
    assert dispatch(now, fake) == 3
    assert [load(i).status for i in ids] == ["failed", "sent", "sent", "sent"]


def test_an_unexpected_error_is_retried_and_does_not_stop_the_batch(app, queue, fake, now):
    first, second = queue(), queue()
    fake.fail_next(RuntimeError("bug"))
    assert dispatch(now, fake) == 1
    attempt = load(first)
    assert (attempt.status, attempt.last_error_code, attempt.next_try_at) == ("pending", "error", now + 5 * S)
    assert load(second).status == "sent"


def test_a_worker_that_died_mid_send_leaves_the_attempt_to_another_after_the_claim(app, queue, fake, now):
    attempt_id = queue()
    with atomic():  # claimed by a worker that never came back
        attempt = db.session.get(NotificationAttempt, attempt_id)
        attempt.claimed_until, attempt.tries = now + 60 * S, 1
    assert dispatch(now + 30 * S, fake) == 0
    assert dispatch(now + 61 * S, fake) == 1 and load(attempt_id).tries == 2


def test_batch_limits_how_many_are_sent_at_once(app, queue, fake, now):
    for _ in range(5):
        queue()
    assert service.dispatch_due(now, fake, BASE, batch=2) == 2
    assert service.dispatch_due(now, fake, BASE, batch=10) == 3


def test_two_dispatchers_send_each_attempt_exactly_once(app, queue, now):
    # Each call to a phone of its own: calls to one phone are spaced (test_one_call_at_a_time_to_a_phone).
    ids = [queue(channel="sms" if k % 2 else "voice", to=f"+316123456{k:02d}", body=f"b{k}") for k in range(30)]

    class Slow(FakeProvider):
        def _record(self, record):
            time.sleep(0.002)  # let the two workers interleave
            return super()._record(record)

    provider = Slow()

    def work():
        with app.app_context():
            service.dispatch_due(now, provider, BASE)

    assert run_concurrently(work, [(), ()]) == [None, None]
    sent_ids = sorted(int(m["status_callback"].rsplit("/", 1)[1]) for m in provider.sent)
    assert sent_ids == sorted(ids)
    assert {load(i).status for i in ids} == {"sent"} and {load(i).tries for i in ids} == {1}


# --- opt-outs -------------------------------------------------------------------------------------


def test_an_opted_out_number_gets_no_sms_but_still_calls(app, queue, fake, now):
    with atomic():
        service.opt_out(now, "06 1234 5678")
    assert service.is_opted_out(TO)
    sms, _call = queue(channel="sms"), queue(channel="voice")
    assert load(sms).status == "opted_out"
    dispatch(now, fake)
    assert [m["kind"] for m in fake.sent] == ["call"]
    with atomic():
        assert service.opt_in(now, TO)
    assert not service.is_opted_out(TO)
    queue(channel="sms")
    dispatch(now, fake)
    assert [m["kind"] for m in fake.sent] == ["call", "sms"]


def test_a_stop_after_queueing_still_stops_the_sms(app, queue, fake, now):
    attempt_id = queue()
    with atomic():
        service.opt_out(now, TO)
        service.opt_out(now, TO)  # twice is fine
    assert dispatch(now, fake) == 0 and fake.sent == []
    assert load(attempt_id).status == "opted_out"


def test_the_provider_saying_opted_out_records_the_opt_out(app, queue, fake, now):
    first = queue()
    fake.fail_next(OptedOut("21610", "Attempt to send to unsubscribed recipient"))
    dispatch(now, fake)
    assert (load(first).status, load(first).last_error_code) == ("opted_out", "21610")
    assert db.session.get(SmsOptOut, TO) is not None
    assert load(queue()).status == "opted_out"


# --- statuses -------------------------------------------------------------------------------------


def sent_attempt(queue, fake, now, channel="sms"):
    attempt_id = queue(channel=channel)
    dispatch(now, fake)
    return attempt_id


def test_sms_statuses_only_move_forward(app, queue, fake, now):
    attempt_id = sent_attempt(queue, fake, now)
    assert service.apply_status(now, attempt_id, "queued") is False  # already sent
    assert service.apply_status(now, attempt_id, "delivered") is True
    assert service.apply_status(now, attempt_id, "delivered") is False  # a duplicate
    assert service.apply_status(now, attempt_id, "sent") is False  # late, out of order
    assert service.apply_status(now, attempt_id, "undelivered", error_code="30003") is False  # same rank
    assert load(attempt_id).status == "delivered"


def test_an_out_of_order_failure_is_kept(app, queue, fake, now):
    attempt_id = sent_attempt(queue, fake, now)
    assert service.apply_status(now, attempt_id, "undelivered", error_code="30003")
    assert not service.apply_status(now, attempt_id, "sending")
    attempt = load(attempt_id)
    assert (attempt.status, attempt.last_error_code) == ("undelivered", "30003")


@pytest.mark.parametrize(
    "events,final",
    [
        ([("initiated", None), ("ringing", None), ("in-progress", "human"), ("completed", "human")], "answered"),
        ([("completed", None)], "answered"),
        ([("completed", "machine_end_beep")], "no_answer"),
        ([("ringing", None), ("in-progress", None), ("completed", "machine_start")], "no_answer"),
        ([("completed", "fax")], "no_answer"),
        ([("completed", "machine_start"), ("in-progress", None)], "no_answer"),  # out of order
        ([("ringing", None), ("busy", None)], "busy"),
        ([("no-answer", None), ("ringing", None)], "no_answer"),
        ([("canceled", None)], "failed"),
        ([("failed", None), ("completed", "human")], "failed"),
    ],
)
def test_call_statuses(app, queue, fake, now, events, final):
    attempt_id = sent_attempt(queue, fake, now, channel="voice")
    for raw, answered_by in events:
        service.apply_status(now, attempt_id, raw, answered_by=answered_by)
    assert load(attempt_id).status == final


def test_a_callback_before_the_send_is_recorded_is_kept(app, queue, now):
    attempt_id = queue()

    class Quick(FakeProvider):  # Twilio's callback arrives before the provider call has returned
        def send_sms(self, to, body, status_callback):
            sid = super().send_sms(to, body, status_callback)
            assert service.apply_status(now, attempt_id, "delivered")
            return sid

    dispatch(now, Quick())
    attempt = load(attempt_id)
    assert (attempt.status, attempt.provider_sid, attempt.dispatched_at) == ("delivered", "fake-sms-1", now)


def test_unknown_attempts_and_statuses_change_nothing(app, queue, fake, now):
    attempt_id = sent_attempt(queue, fake, now)
    assert service.apply_status(now, 999, "delivered") is False
    assert service.apply_status(now, attempt_id, "receiving") is False
    assert load(attempt_id).status == "sent"


def test_responded_is_final_and_a_failed_attempt_stays_failed(app, queue, fake, now):
    answered, failed, waiting = sent_attempt(queue, fake, now), queue(), queue(at=now + 60 * S)
    fake.fail_next(PermanentError("21211", "invalid"))
    dispatch(now, fake)
    with atomic():
        assert service.mark_responded(now, answered)
        assert not service.mark_responded(now, answered)
        assert not service.mark_responded(now, failed)
        assert service.mark_responded(now, waiting)
    assert not service.apply_status(now, answered, "delivered")
    assert [load(i).status for i in (answered, failed, waiting)] == ["responded", "failed", "responded"]
    assert dispatch(now + 60 * S, fake) == 0  # who answered already is not called any more


def test_attempts_for_request_in_order(app, queue, now):
    later, sooner, _other = queue(request_id=5, at=now + S), queue(request_id=5), queue(request_id=6)
    assert [a.id for a in service.attempts_for_request(5)] == [sooner, later]


# --- the job --------------------------------------------------------------------------------------


def test_the_worker_job_uses_the_apps_provider_and_public_url(app, queue, fake, now):
    from notify import jobs
    from piket.jobs import JOBS

    assert JOBS["dispatch_notifications"] == (jobs.dispatch, 1)
    attempt_id = queue()
    assert jobs.dispatch(now) == 1
    assert fake.sent[0]["status_callback"] == f"{app.config['PUBLIC_BASE_URL']}/webhooks/twilio/status/{attempt_id}"


def test_the_console_is_the_provider_out_of_the_box(app):
    from notify.providers import ConsoleProvider

    assert isinstance(service.provider_for(app), ConsoleProvider)
    assert service.provider_for(app) is service.provider_for(app)


def test_one_call_at_a_time_to_a_phone(app, queue, fake, now):
    first, second = queue(channel="voice", body="a"), queue(channel="voice", body="b")
    other_phone = queue(channel="voice", to="+31687654321", body="c")
    text = queue(channel="sms", body="d")
    assert dispatch(now, fake) == 3  # the second call waits: the phone is ringing for the first
    assert [m["to"] for m in fake.sent if m["kind"] == "call"] == ["+31612345678", "+31687654321"]
    waiting = db.session.get(NotificationAttempt, second)
    assert waiting.status == "pending" and waiting.tries == 0
    assert waiting.next_try_at == now + service.CALL_SPACING
    assert dispatch(now + service.CALL_SPACING - S, fake) == 0
    assert dispatch(now + service.CALL_SPACING, fake) == 1
    assert {first, second, other_phone, text} == {a.id for a in db.session.scalars(select(NotificationAttempt))}


def test_the_outbox_asks_whether_an_attempt_is_still_wanted_when_it_claims_it(app, queue, fake, now):
    keep, drop = queue(body="keep"), queue(body="drop", to="+31687654321")
    asked = []

    def wanted(attempt):
        asked.append(attempt.id)
        return attempt.body == "keep"

    assert service.dispatch_due(now, fake, BASE, wanted=wanted) == 1
    assert sorted(asked) == sorted([keep, drop])
    assert [m["body"] for m in fake.sent] == ["keep"]
    dropped = db.session.get(NotificationAttempt, drop)
    assert (dropped.status, dropped.last_error_code, dropped.next_try_at) == ("withdrawn", "not_wanted", None)
    assert service.dispatch_due(now + dt.timedelta(minutes=5), fake, BASE, wanted=wanted) == 0  # final


def test_calls_waiting_for_one_phone_each_get_their_own_turn(app, queue, fake, now):
    ids = [queue(channel="voice", body=f"call {k}") for k in range(4)]
    assert dispatch(now, fake) == 1
    turns = sorted(db.session.get(NotificationAttempt, i).next_try_at for i in ids[1:])
    spacing = service.CALL_SPACING
    assert turns == [now + spacing, now + 2 * spacing, now + 3 * spacing]  # a queue, not a scrum
    for k in range(1, 4):
        assert dispatch(now + k * spacing, fake) == 1
    assert [m["to"] for m in fake.sent] == ["+31612345678"] * 4
