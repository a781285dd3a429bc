"""The outbox: enqueue in the caller's transaction, dispatch from the worker, statuses from callbacks.

An attempt is recorded (enqueue) before any provider is called. dispatch_due claims one row at a
time with a conditional UPDATE and commits the claim before calling the provider, so two workers
never send the same attempt; if a worker dies between the provider call and recording the result,
the claim (a lease of NOTIFY_CLAIM_S, 30 s, counted on the database's clock) expires and the
attempt is sent again (at least once, never silently lost). The lease is longer than one provider
call (TWILIO_TIMEOUT_S, 10 s) plus the waits to record its answer (RECORD_RETRY_WAITS, 15.5 s), so
while the worker that claimed a message lives, no other sends it.

In the worker, a Senders pool sends in parallel (NOTIFY_SEND_THREADS): each message is claimed in
its own thread and transaction, so a hanging provider call holds one thread, not the outbox.
On PostgreSQL, queueing a message that is due now wakes the workers (wake_workers: NOTIFY, sent at
commit), so they need not poll for it.
"""

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from errors import ValidationError
from extensions import db
from notify.models import CHANNELS, FAILED, NotificationAttempt, SmsOptOut, moves_forward
from notify.providers import OptedOut, PermanentError, ProviderError, TransientError, make_provider
from ops import logs
from transactions import atomic, locked, serialised

log = logging.getLogger(__name__)

CLAIM = dt.timedelta(seconds=30)  # the default lease (NOTIFY_CLAIM_S): one provider call and recording its answer
BACKOFF_FIRST_S, BACKOFF_FACTOR, BACKOFF_MAX_S = 5, 3, 300  # 5 s, 15 s, 45 s, 135 s, 300 s, ...
DEFAULT_MAX_TRIES = 5
CALL_SPACING = dt.timedelta(seconds=60)  # a phone gets one call at a time: a page call rings for at most 30 s
BUNDLE_MAX = 5  # pages to one phone queued together share an SMS, at most this many (Twilio: 1,600 characters)
# Waits (s) before recording a provider's answer again when the database went away meanwhile (a restart):
# 15.5 s in all; with a provider call of at most 10 s within CLAIM, so no other dispatcher re-sends
# the message while we wait.
RECORD_RETRY_WAITS = (0.5, 1, 2, 4, 8)
WAKE_CHANNEL = "piket_due"  # PostgreSQL LISTEN/NOTIFY channel: something is due now (piket/worker.py listens)


# --- numbers ------------------------------------------------------------------------------------


def normalise_number(raw: str) -> str:
    """E.164 ("+31612345678"). Accepts spaces, dashes, dots and brackets, Dutch "06 1234 5678",
    "0031 6 ...", "+31 (0)6 ..."; raises ValidationError(field="phone") for anything else."""
    text = str(raw or "").strip().replace("(0)", "")
    number = re.sub(r"[\s\-./()]", "", text)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0"):
        number = "+31" + number[1:]  # a Dutch national number
    if number.startswith("+310"):
        number = "+31" + number[4:]  # "+31 06...": the trunk 0 typed after the country code
    if not re.fullmatch(r"\+[1-9]\d{7,14}", number):
        raise ValidationError(
            "Geen geldig telefoonnummer; gebruik bijvoorbeeld 06 1234 5678 of +31 6 1234 5678.", field="phone"
        )
    return number


def same_number(a, b) -> bool:
    """Whether two phone numbers, as typed, are one number (anything that is not a number: never)."""
    try:
        return normalise_number(a) == normalise_number(b)
    except ValidationError:
        return False


# --- opt-outs (STOP / START by SMS) ---------------------------------------------------------------


def is_opted_out(number: str) -> bool:
    try:
        number = normalise_number(number)
    except ValidationError:
        return False
    return db.session.get(SmsOptOut, number) is not None


def opt_out(now, number: str) -> bool:
    """No more SMS to this number (calls still go out). In the caller's transaction. Returns
    whether the number is (now) opted out; a number that is not a phone number is ignored."""
    try:
        number = normalise_number(number)
    except ValidationError:
        return False
    if db.session.get(SmsOptOut, number) is None:
        try:
            with db.session.begin_nested():  # a second STOP racing this one is not an error
                db.session.add(SmsOptOut(number=number, at=now))
        except IntegrityError:
            pass
    return True


def opt_in(now, number: str) -> bool:
    """SMS to this number again. In the caller's transaction. Returns whether it was opted out."""
    try:
        number = normalise_number(number)
    except ValidationError:
        return False
    return db.session.execute(SmsOptOut.__table__.delete().where(SmsOptOut.number == number)).rowcount > 0


# Twilio's own keywords (its default STOP filtering and Advanced Opt-Out defaults): a message that is
# exactly one of these words blocks or unblocks the number at Twilio, before the app sees it. Twilio
# answers them itself; a reply from us to an opt-out would not be delivered (error 21610).
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
# Dutch extra: Twilio does not block on it, so the app does, and says so (the reply is delivered).
OWN_OPT_OUT_WORDS = frozenset({"STOPPEN"})
OPTED_OUT_REPLY = "U ontvangt geen sms meer van Piket. Stuur START om weer berichten te ontvangen."
OPTED_IN_REPLY = "U ontvangt weer sms-berichten van Piket."


def answer_opt_sms(now, sender, words) -> str | None:
    """An inbound SMS that is one opt-out or opt-in keyword (words: normalised, upper case), as
    Twilio counts it: the whole message is the keyword, so "STOP graag" blocks nothing. Returns the
    reply; "" when handled with no reply (Twilio's STOP); None when it is someone else's to answer.

    YES is Twilio's opt-in as well as a yes to a page: from a number that had opted out it only
    opts in (that person saw no page by SMS); from any other number it is left to the answers (JA)."""
    if len(words) != 1:
        return None
    word = words[0]
    if word in OPT_OUT_WORDS or word in OWN_OPT_OUT_WORDS:
        with atomic():
            opt_out(now, sender)
        return OPTED_OUT_REPLY if word in OWN_OPT_OUT_WORDS else ""
    if word in OPT_IN_WORDS:
        with atomic():
            was_out = opt_in(now, sender)
        if word == "YES" and not was_out:
            return None
        return OPTED_IN_REPLY
    return None


# --- enqueue ------------------------------------------------------------------------------------


def _by_dedupe_key(key):
    return db.session.scalar(select(NotificationAttempt).where(NotificationAttempt.dedupe_key == key))


def enqueue(
    now, *, to, channel, body, purpose, user_id=None, request_id=None, step=None, dedupe_key=None
) -> NotificationAttempt:
    """Record one message to send, in the caller's transaction (no commit). With a dedupe_key that
    exists already, the existing attempt is returned and nothing is added.

    Never raises for a bad recipient: an unusable number is recorded as failed, an SMS to a number
    that replied STOP as opted_out, so escalation sees the failure and moves on."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if dedupe_key is not None:
        existing = _by_dedupe_key(dedupe_key)
        if existing is not None:
            return existing
    attempt = NotificationAttempt(
        created_at=now,
        updated_at=now,
        purpose=purpose,
        channel=channel,
        user_id=user_id,
        request_id=request_id,
        step=step,
        body=body or "",
        status="pending",
        tries=0,
        next_try_at=now,
        dedupe_key=dedupe_key,
        web_request_id=logs.request_id(),  # the web request it comes from, for the worker's log (ops/logs.py)
    )
    try:
        attempt.to_number = normalise_number(to)
    except ValidationError:
        attempt.to_number = str(to or "")[:20]
        _finish(attempt, "failed", "invalid_number", "not a phone number")
    else:
        if channel == "sms" and is_opted_out(attempt.to_number):
            _finish(attempt, "opted_out", "21610", "recipient replied STOP")
    if attempt.status == "pending":
        wake_workers()
    if dedupe_key is None:
        db.session.add(attempt)
        return attempt
    try:
        with db.session.begin_nested():  # another worker may insert the same key at the same moment
            db.session.add(attempt)
    except IntegrityError:
        return _by_dedupe_key(dedupe_key)
    return attempt


def wake_workers():
    """In the caller's transaction: on PostgreSQL, wake the listening workers when it commits
    (NOTIFY is delivered at commit, and not at all on rollback; several in one transaction come as
    one). SQLite: nothing, its worker polls."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    session = db.session()  # the scoped session's own Session
    transaction = session.get_transaction()
    if transaction is not None and session.info.get("woken") is transaction:
        return  # this transaction already notifies (a case of several groups)
    db.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": WAKE_CHANNEL})
    session.info["woken"] = session.get_transaction()


def next_due():
    """When the next pending attempt falls due (its next try, or the end of a claim on it), or None:
    how long the worker may sleep."""
    at = case(
        (NotificationAttempt.claimed_until > NotificationAttempt.next_try_at, NotificationAttempt.claimed_until),
        else_=NotificationAttempt.next_try_at,
    )
    return db.session.scalar(select(func.min(at)).where(NotificationAttempt.status == "pending"))


def _finish(attempt, status, code, error):
    attempt.status, attempt.next_try_at, attempt.claimed_until = status, None, None
    attempt.last_error_code, attempt.last_error = (
        (code or None) and str(code)[:20],
        (error or None) and str(error)[:300],
    )


# --- dispatch -----------------------------------------------------------------------------------


def backoff(tries: int) -> dt.timedelta:
    """Wait before try number tries + 1."""
    return dt.timedelta(seconds=min(BACKOFF_FIRST_S * BACKOFF_FACTOR ** max(tries - 1, 0), BACKOFF_MAX_S))


@dataclass(frozen=True)
class Rules:
    """How the outbox sends, from the settings: tries, whether a message is still wanted, the space
    between two calls to one phone, and how many pages to one phone may share an SMS."""

    max_tries: int = DEFAULT_MAX_TRIES
    wanted: Callable | None = None
    call_spacing: dt.timedelta = CALL_SPACING
    bundle_max: int = BUNDLE_MAX
    claim: dt.timedelta = CLAIM


def rules_from(app, max_tries=None, wanted=None) -> Rules:
    config = app.config
    return Rules(
        max_tries=max_tries or config.get("NOTIFY_MAX_TRIES", DEFAULT_MAX_TRIES),
        wanted=wanted or app.extensions.get("notify_wanted"),
        call_spacing=dt.timedelta(seconds=config.get("NOTIFY_CALL_SPACING_S", CALL_SPACING.total_seconds())),
        bundle_max=config.get("NOTIFY_BUNDLE_MAX", BUNDLE_MAX),
        claim=dt.timedelta(seconds=config.get("NOTIFY_CLAIM_S", CLAIM.total_seconds())),
    )


def dispatch_due(now, provider, base_url, batch=100, max_tries=None, wanted=None, senders=None) -> int:
    """Send the attempts that are due; return how many the provider took. One row's failure
    never stops the batch. The app's settings give the Rules; max_tries (NOTIFY_MAX_TRIES) and
    wanted(attempt) -> bool (whether an attempt is still worth sending, asked in its claim's
    transaction; the app's `notify_wanted`: piket says whether the request still waits) may be given.

    With `senders` (a Senders pool: the worker's), each due attempt is handed to the pool, which
    claims and sends it in a thread of its own; returns at once with how many were handed over."""
    from flask import current_app

    rules = rules_from(current_app, max_tries, wanted)
    ids = db.session.scalars(
        select(NotificationAttempt.id)
        .where(*_due(now))
        .order_by(NotificationAttempt.next_try_at, NotificationAttempt.id)
        .limit(batch)
    ).all()
    db.session.commit()  # hold no transaction (nor SQLite's write lock) while sending
    if senders is not None:
        return sum(senders.submit(attempt_id, provider, base_url, rules) for attempt_id in ids)
    return sum(send_one(now, attempt_id, provider, base_url, rules) for attempt_id in ids)


def send_one(now, attempt_id, provider, base_url, rules: Rules) -> bool:
    """Claim one attempt (its own transaction) and, if this process is to send it, send it and
    record the provider's answer. Whether the provider took it."""
    claimed = _claim(now, attempt_id, rules)
    if claimed is None:
        return False  # another worker has it, or it needs no sending
    channel, to, body = claimed
    status_url = f"{base_url}/webhooks/twilio/status/{attempt_id}"
    try:
        if channel == "sms":
            sid = provider.send_sms(to, body, status_url)
        else:
            sid = provider.call(to, f"{base_url}/webhooks/twilio/voice/{attempt_id}", status_url)
    except ProviderError as err:
        _durably(_record_failure, now, attempt_id, err, rules.max_tries)
        return False
    except Exception as err:  # a bug or an unforeseen error: retried like a transient one, and loud
        log.exception("notification %s: unexpected error from the provider", attempt_id)
        _durably(_record_failure, now, attempt_id, TransientError("error", type(err).__name__), rules.max_tries)
        return False
    _durably(_record_sent, now, attempt_id, sid)
    return True


class Senders:
    """The worker's bounded pool of sending threads (NOTIFY_SEND_THREADS). Each attempt handed to
    it is claimed and sent in a thread of its own, in an app context and session of its own, with
    the time read from `clock()` when the thread starts it (the database's clock in the worker).
    An attempt already in the pool's hands is not handed over twice."""

    def __init__(self, app, threads, clock):
        self.app, self.clock = app, clock
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="send")
        self.lock = threading.Lock()
        self.busy: set[int] = set()

    def submit(self, attempt_id, provider, base_url, rules) -> bool:
        with self.lock:
            if attempt_id in self.busy:
                return False
            self.busy.add(attempt_id)
        self.pool.submit(self._run, attempt_id, provider, base_url, rules)
        return True

    def _run(self, attempt_id, provider, base_url, rules):
        try:
            with self.app.app_context():
                try:
                    send_one(self.clock(), attempt_id, provider, base_url, rules)
                except (
                    Exception
                ) as err:  # the claim or the record failed (the database): the lease runs out, it is retried
                    log.warning("notification %s: not sent this time (%s)", attempt_id, str(err).splitlines()[0][:200])
                    db.session.rollback()
                finally:
                    db.session.remove()
        finally:
            with self.lock:
                self.busy.discard(attempt_id)

    def idle(self) -> bool:
        with self.lock:
            return not self.busy

    def shutdown(self, wait=True):
        self.pool.shutdown(wait=wait, cancel_futures=not wait)


def _durably(record, now, attempt_id, *args):
    """Record the provider's answer, waiting out a database that went away after the claim (a
    restart). The message is out: without the record its claim would expire and it would be sent
    again. Gives up (raises) only after RECORD_RETRY_WAITS; then it is sent again (at least once)."""
    for wait in RECORD_RETRY_WAITS + (None,):
        try:
            return record(now, attempt_id, *args)
        except OperationalError:
            if wait is None:
                raise
            log.warning("notification %s: database unavailable, recording the result again in %s s", attempt_id, wait)
            time.sleep(wait)


def _due(now):
    return (
        NotificationAttempt.status == "pending",
        NotificationAttempt.next_try_at <= now,
        or_(NotificationAttempt.claimed_until.is_(None), NotificationAttempt.claimed_until < now),
    )


def _claim(now, attempt_id, rules: Rules):
    """Claim one due attempt and commit; (channel, to, body) if this worker is to send it."""
    if rules.bundle_max > 1:
        # Pages to one phone may ride in each other's SMS: their claims take turns per phone (before
        # any row is locked), or two senders could each hold a carrier and wait for the other's.
        what = db.session.execute(
            select(NotificationAttempt.channel, NotificationAttempt.purpose, NotificationAttempt.to_number).where(
                NotificationAttempt.id == attempt_id
            )
        ).first()
        if what is not None and what.channel == "sms" and what.purpose in BUNDLED:
            serialised(f"sms:{what.to_number}")
    won = (
        db.session.execute(
            update(NotificationAttempt)
            .where(NotificationAttempt.id == attempt_id, *_due(now))
            .values(claimed_until=now + rules.claim, tries=NotificationAttempt.tries + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not won:
        db.session.rollback()
        return None
    attempt = db.session.get(NotificationAttempt, attempt_id, populate_existing=True)
    if attempt.channel == "sms" and is_opted_out(attempt.to_number):
        _finish(attempt, "opted_out", "21610", "recipient replied STOP")  # STOP came after it was queued
    elif attempt.tries > rules.max_tries:
        # Claimed max_tries times already without a recorded result: a worker died mid-send each time.
        _finish(attempt, "failed", "abandoned", "no result recorded after the last try")
    elif rules.wanted is not None and not rules.wanted(attempt):
        _finish(attempt, "withdrawn", "not_wanted", "no longer waiting for this answer")
    elif attempt.channel == "voice" and (free_at := _line_free_at(attempt, now, rules.call_spacing)) is not None:
        # One call at a time to a phone: this one rings after the one that just went out.
        attempt.tries, attempt.claimed_until, attempt.next_try_at = attempt.tries - 1, None, free_at
        db.session.commit()
        return None
    if attempt.status != "pending":
        db.session.commit()
        return None
    bundles = attempt.channel == "sms" and attempt.purpose in BUNDLED and attempt.request_id is not None
    riders = _bundle(now, attempt, rules) if bundles and rules.bundle_max > 1 else []
    claimed = (attempt.channel, attempt.to_number, "\n\n".join([attempt.body, *(r.body for r in riders)]))
    db.session.commit()
    return claimed


BUNDLED = ("page",)  # pages (of requests) to one phone queued together go as one SMS, each with its code and link


def _bundle(now, carrier, rules: Rules) -> list[NotificationAttempt]:
    """Claim the other due pages to the carrier's phone, to ride in its SMS (in the claim's transaction)."""
    ids = db.session.scalars(
        select(NotificationAttempt.id)
        .where(
            *_due(now),
            NotificationAttempt.id != carrier.id,
            NotificationAttempt.to_number == carrier.to_number,
            NotificationAttempt.channel == "sms",
            NotificationAttempt.purpose.in_(BUNDLED),
            NotificationAttempt.request_id.is_not(None),
        )
        .order_by(NotificationAttempt.id)
        .limit(rules.bundle_max - 1)
    ).all()
    riders = []
    for rider_id in ids:
        won = db.session.execute(
            update(NotificationAttempt)
            .where(NotificationAttempt.id == rider_id, *_due(now))
            .values(claimed_until=carrier.claimed_until, tries=NotificationAttempt.tries + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        rider = db.session.get(NotificationAttempt, rider_id, populate_existing=True)
        if not won:
            continue
        if rules.wanted is not None and not rules.wanted(rider):
            _finish(rider, "withdrawn", "not_wanted", "no longer waiting for this answer")
            continue
        rider.bundled_into = carrier.id
        riders.append(rider)
    return riders


def _riders(attempt_id) -> list[NotificationAttempt]:
    return db.session.scalars(
        select(NotificationAttempt).where(NotificationAttempt.bundled_into == attempt_id).with_for_update()
    ).all()


def _line_free_at(attempt, now, spacing):
    """When the phone this call goes to is free for it, if another call went to it within `spacing`
    or another worker is placing one right now: after those, and after the calls already waiting
    their turn for that phone (each waits for its own slot, so none is claimed in vain). Two workers
    claiming calls to one phone take turns (an advisory lock per number)."""
    if not spacing:
        return None  # NOTIFY_CALL_SPACING_S=0: calls are not spaced
    serialised(f"line:{attempt.to_number}")
    others = (
        NotificationAttempt.to_number == attempt.to_number,
        NotificationAttempt.channel == "voice",
        NotificationAttempt.id != attempt.id,
    )
    last = db.session.scalar(
        select(func.max(NotificationAttempt.dispatched_at)).where(
            *others, NotificationAttempt.dispatched_at > now - spacing
        )
    )
    placing = db.session.scalar(
        select(NotificationAttempt.id)
        .where(*others, NotificationAttempt.status == "pending", NotificationAttempt.claimed_until > now)
        .limit(1)
    )
    if last is None and placing is None:
        return None
    waiting = db.session.scalar(
        select(func.max(NotificationAttempt.next_try_at)).where(
            *others, NotificationAttempt.status == "pending", NotificationAttempt.next_try_at > now
        )
    )
    return max(t + spacing for t in (last, now if placing else None, waiting) if t is not None)


def _record_sent(now, attempt_id, sid):
    with atomic():
        attempt = locked(NotificationAttempt, attempt_id)
        if attempt is None:  # purged meanwhile
            return
        attempt.provider_sid = sid
        attempt.dispatched_at = attempt.dispatched_at or now
        attempt.claimed_until, attempt.next_try_at, attempt.updated_at = None, None, now
        attempt.last_error_code = attempt.last_error = None
        if moves_forward(attempt.status, "sent"):  # a fast callback may have moved it on already
            attempt.status = "sent"
        for rider in _riders(attempt_id):
            rider.dispatched_at = rider.dispatched_at or now
            rider.claimed_until, rider.next_try_at, rider.updated_at = None, None, now
            if moves_forward(rider.status, attempt.status):
                rider.status = attempt.status
        what = (attempt.channel, attempt.purpose)  # read now: after the commit it would start a new transaction
        rid = attempt.web_request_id
    log.info("notification %s (%s, %s) sent", attempt_id, *what, extra={"request_id": rid})


def _record_failure(now, attempt_id, err, max_tries):
    with atomic():
        attempt = locked(NotificationAttempt, attempt_id)
        if attempt is None:  # purged meanwhile
            return
        attempt.claimed_until, attempt.updated_at = None, now
        if attempt.status == "pending":  # else it moved on meanwhile (e.g. responded): leave it
            if isinstance(err, TransientError) and attempt.tries < max_tries:
                attempt.next_try_at = now + backoff(attempt.tries)
                attempt.last_error_code, attempt.last_error = err.code[:20], (err.message or None) and err.message[:300]
            else:
                _finish(attempt, "opted_out" if isinstance(err, OptedOut) else "failed", err.code, err.message)
                if isinstance(err, OptedOut):
                    opt_out(now, attempt.to_number)
        for rider in _riders(attempt_id):  # the riders share the carrier's fate, and ride alone next time
            rider.bundled_into, rider.claimed_until, rider.updated_at = None, None, now
            if rider.status == "pending":
                if attempt.status == "pending":
                    rider.next_try_at = attempt.next_try_at
                else:
                    _finish(rider, attempt.status, attempt.last_error_code, attempt.last_error)
        what = (attempt.channel, attempt.purpose, attempt.tries, attempt.status)
        rid = attempt.web_request_id
    kind = "permanent" if isinstance(err, PermanentError) else "transient"
    log.warning(
        "notification %s (%s, %s) try %s: %s error %s, now %s",
        *(attempt_id, *what[:3], kind, err.code, what[3]),
        extra={"request_id": rid},
    )


# --- statuses -----------------------------------------------------------------------------------

MESSAGE_STATUS = {
    "queued": "sent",
    "accepted": "sent",
    "scheduled": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
CALL_STATUS = {
    "queued": "sent",
    "initiated": "sent",
    "ringing": "sent",
    "in-progress": "answered",
    "answered": "answered",
    "completed": "answered",
    "busy": "busy",
    "no-answer": "no_answer",
    "canceled": "failed",
    "failed": "failed",
}


def _machine(answered_by) -> bool:
    return (answered_by or "").lower().startswith(("machine", "fax"))


def apply_status(now, attempt_id, raw_status, answered_by=None, error_code=None) -> bool:
    """A provider callback: Twilio's MessageStatus or CallStatus (+ AnsweredBy, ErrorCode).
    Forward only, so duplicates and late callbacks change nothing. Commits; returns whether it changed."""
    with atomic():
        attempt = locked(NotificationAttempt, attempt_id)
        if attempt is None:
            log.warning("status callback for unknown notification %s", attempt_id)
            return False
        table = MESSAGE_STATUS if attempt.channel == "sms" else CALL_STATUS
        new = table.get((raw_status or "").strip().lower())
        if new is None:
            log.info("notification %s: status %r ignored", attempt_id, raw_status)
            return False
        machine = attempt.channel == "voice" and _machine(answered_by)
        if new == "answered" and machine:
            new = "no_answer"  # a voicemail or fax took the call: nobody heard the page
        # The one move within a rank: "answered" (before the machine detection was known) → "no_answer".
        if not (
            moves_forward(attempt.status, new) or (attempt.status == "answered" and new == "no_answer" and machine)
        ):
            return False
        for one in [attempt, *_riders(attempt_id)]:  # an SMS's riders were delivered (or not) with it
            if one is not attempt and not moves_forward(one.status, new):
                continue
            one.status, one.updated_at = new, now
            if new in FAILED:
                one.next_try_at = one.claimed_until = None
                one.last_error_code = str(error_code)[:20] if error_code else one.last_error_code
                one.last_error = f"provider status {raw_status}" + (f", answered by {answered_by}" if machine else "")
    return True


def mark_responded(now, attempt_id) -> bool:
    """The person answered (accepted or declined). In the caller's transaction. An attempt still
    pending is thereby never sent (no call to someone who already answered); a failed one stays failed."""
    return (
        db.session.execute(
            update(NotificationAttempt)
            .where(NotificationAttempt.id == attempt_id, NotificationAttempt.status.not_in(FAILED | {"responded"}))
            .values(status="responded", updated_at=now, next_try_at=None, claimed_until=None)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        == 1
    )


def cancel_pending(now, *, request_ids, purposes) -> int:
    """Withdraw the attempts for these requests and purposes that no provider has yet (pending and
    not in a worker's hands right now): nobody waits for their answer any more. In the caller's
    transaction; returns how many. The claim asks `wanted` too, for one queued meanwhile."""
    if not request_ids:
        return 0
    return db.session.execute(
        update(NotificationAttempt)
        .where(
            NotificationAttempt.request_id.in_(list(request_ids)),
            NotificationAttempt.purpose.in_(list(purposes)),
            NotificationAttempt.status == "pending",
            or_(NotificationAttempt.claimed_until.is_(None), NotificationAttempt.claimed_until < now),
        )
        .values(
            status="withdrawn",
            updated_at=now,
            next_try_at=None,
            claimed_until=None,
            last_error_code="not_wanted",
            last_error="no longer waiting for this answer",
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount


# --- reading --------------------------------------------------------------------------------------


def attempts_for_request(request_id) -> list[NotificationAttempt]:
    """Every attempt for a placement request, oldest first, for its timeline."""
    return db.session.scalars(
        select(NotificationAttempt)
        .where(NotificationAttempt.request_id == request_id)
        .order_by(NotificationAttempt.created_at, NotificationAttempt.id)
    ).all()


def attempts_of(*, user_id, purpose, since=None) -> list[NotificationAttempt]:
    """A person's attempts for one purpose (created since `since`), oldest first (uses the user_id index)."""
    query = select(NotificationAttempt).where(
        NotificationAttempt.user_id == user_id, NotificationAttempt.purpose == purpose
    )
    if since is not None:
        query = query.where(NotificationAttempt.created_at >= since)
    return db.session.scalars(query.order_by(NotificationAttempt.created_at, NotificationAttempt.id)).all()


def redact(attempt_id, body) -> None:
    """Replace an attempt's text (a verification code once spent: only its hash is kept). In the caller's transaction."""
    if attempt_id is not None:
        db.session.execute(
            update(NotificationAttempt)
            .where(NotificationAttempt.id == attempt_id)
            .values(body=body)
            .execution_options(synchronize_session="fetch")
        )


def get_attempt(attempt_id) -> NotificationAttempt | None:
    return db.session.get(NotificationAttempt, attempt_id)


def pending_count() -> int:
    """Attempts waiting to be sent (the worker's page shows it)."""
    return db.session.scalar(
        select(func.count()).select_from(NotificationAttempt).where(NotificationAttempt.status == "pending")
    )


def queued_keys(dedupe_keys) -> set[str]:
    """Those of these dedupe keys that are in the outbox already."""
    keys = list(dedupe_keys)
    if not keys:
        return set()
    return set(
        db.session.scalars(select(NotificationAttempt.dedupe_key).where(NotificationAttempt.dedupe_key.in_(keys)))
    )


def queued_keys_like(*, purpose, pattern, since) -> list[str]:
    """Dedupe keys of the attempts for `purpose` created since `since` whose key is LIKE `pattern`."""
    return db.session.scalars(
        select(NotificationAttempt.dedupe_key).where(
            NotificationAttempt.purpose == purpose,
            NotificationAttempt.created_at >= since,
            NotificationAttempt.dedupe_key.like(pattern),
        )
    ).all()


def last_queued_by_key_prefix(*, purpose, pattern, prefix_length, since=None) -> dict[str, dt.datetime]:
    """{first `prefix_length` characters of the dedupe key: when the last such attempt was created}, for
    the attempts for `purpose` whose key is LIKE `pattern` (and created since `since`): one grouped query."""
    prefix = func.substr(NotificationAttempt.dedupe_key, 1, prefix_length)
    query = (
        select(prefix, func.max(NotificationAttempt.created_at))
        .where(NotificationAttempt.purpose == purpose, NotificationAttempt.dedupe_key.like(pattern))
        .group_by(prefix)
    )
    if since is not None:
        query = query.where(NotificationAttempt.created_at >= since)
    return dict(db.session.execute(query).all())


# --- reading: what the pages of a placement request came to (piket's escalation asks) ----------------

PAGE_PURPOSES = ("page", "page_call")


def recipients_with_status(*, request_id, statuses) -> set[tuple[int, str]]:
    """(user id, channel) pairs with an attempt for this request in one of `statuses`."""
    return set(
        db.session.execute(
            select(NotificationAttempt.user_id, NotificationAttempt.channel).where(
                NotificationAttempt.request_id == request_id, NotificationAttempt.status.in_(statuses)
            )
        ).all()
    )


def step_outcomes(steps: dict[int, int]) -> dict[int, list[tuple[int | None, str]]]:
    """{request id: [(user id, status) of every attempt sent at that request's step]}, for
    `steps` = {request id: step}; a request whose step sent nothing is left out. One query."""
    if not steps:
        return {}
    out: dict[int, list[tuple[int | None, str]]] = {}
    rows = db.session.execute(
        select(
            NotificationAttempt.request_id,
            NotificationAttempt.step,
            NotificationAttempt.user_id,
            NotificationAttempt.status,
        ).where(NotificationAttempt.request_id.in_(list(steps)), NotificationAttempt.step.is_not(None))
    )
    for request_id, step, user_id, status in rows:
        if steps[request_id] == step:
            out.setdefault(request_id, []).append((user_id, status))
    return out


def paged_among(*, user_id, request_ids) -> set[int]:
    """Those of these requests this person was paged for (by SMS or call)."""
    if not request_ids:
        return set()
    return set(
        db.session.scalars(
            select(NotificationAttempt.request_id).where(
                NotificationAttempt.user_id == user_id,
                NotificationAttempt.purpose.in_(PAGE_PURPOSES),
                NotificationAttempt.request_id.in_(list(request_ids)),
            )
        )
    )


def paged_users(*, request_id, besides=None) -> set[int]:
    """Everyone paged for this request (by SMS or call), except `besides`."""
    query = select(NotificationAttempt.user_id).where(
        NotificationAttempt.request_id == request_id,
        NotificationAttempt.purpose.in_(PAGE_PURPOSES),
        NotificationAttempt.user_id.is_not(None),
    )
    if besides is not None:
        query = query.where(NotificationAttempt.user_id != besides)
    return set(db.session.scalars(query))


def last_paged_step(*, request_id, user_id) -> int | None:
    """The escalation step of the last page to this person for this request; None if never paged."""
    return db.session.scalar(
        select(NotificationAttempt.step)
        .where(
            NotificationAttempt.request_id == request_id,
            NotificationAttempt.user_id == user_id,
            NotificationAttempt.purpose.in_(PAGE_PURPOSES),
            NotificationAttempt.step.is_not(None),
        )
        .order_by(NotificationAttempt.id.desc())
        .limit(1)
    )


def mark_pages_responded(now, *, request_id, user_id) -> None:
    """This person answered the request (accepted or declined): each page to them for it is
    responded (mark_responded). In the caller's transaction."""
    ids = db.session.scalars(
        select(NotificationAttempt.id).where(
            NotificationAttempt.request_id == request_id,
            NotificationAttempt.user_id == user_id,
            NotificationAttempt.purpose.in_(PAGE_PURPOSES),
        )
    ).all()
    for attempt_id in ids:
        mark_responded(now, attempt_id)


# --- forgetting --------------------------------------------------------------------------------------


def forget_numbers(*, request_ids, numbers, purpose) -> None:
    """Retention: blank the recipient of these requests' attempts that went to one of `numbers` or
    were for `purpose` (the bodies carry no personal data). In the caller's transaction."""
    db.session.execute(
        update(NotificationAttempt)
        .where(
            NotificationAttempt.request_id.in_(list(request_ids)),
            or_(NotificationAttempt.to_number.in_(list(numbers)), NotificationAttempt.purpose == purpose),
        )
        .values(to_number="")
        .execution_options(synchronize_session=False)
    )


def provider_for(app):
    """The app's provider, built once from its config (NOTIFY_PROVIDER). Tests put a FakeProvider
    in app.extensions["notify_provider"] instead."""
    provider = app.extensions.get("notify_provider")
    if provider is None:
        provider = app.extensions["notify_provider"] = make_provider(app.config)
    return provider


# --- reading: who was paged for what (piket's access scope asks) ---------------------------------------


def paged_request_ids(user_id):
    """A subquery of the request ids this person was paged for (SMS or call): part of what they may see."""
    return select(NotificationAttempt.request_id).where(
        NotificationAttempt.user_id == user_id,
        NotificationAttempt.purpose.in_(PAGE_PURPOSES),
        NotificationAttempt.request_id.is_not(None),
    )
