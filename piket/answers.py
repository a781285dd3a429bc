"""Answers to a page, three ways: an SMS reply, a key pressed during the call, or the SMS link.
(What else arrives by SMS is answered by its own package: STOP/START by notify, a shelter's
"BEDDEN 3" by beds; the inbound webhook, piket/webhooks.py, hands each SMS to the right one.)

Every inbound webhook is handled once: its Twilio sid (or the link's attempt) is claimed in
`webhook_receipts` first, and a replay gets the first answer again without a second effect.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts import phones
from accounts.models import User
from accounts.roles import COORDINATING
from errors import Conflict
from extensions import db
from notify import service as notify
from piket import escalation, messages, service
from piket.lifecycle import ESCALATING
from piket.models import PlacementRequest, WebhookReceipt
from transactions import atomic

ACCEPT = {"1", "JA", "J", "ACCEPT", "YES", "OK"}
DECLINE = {"2", "NEE", "N", "NO", "DECLINE"}


# --- once ------------------------------------------------------------------------------------------


def once(now, key, handle):
    """Run handle() -> reply for the first delivery of `key`; a replay returns the stored reply."""
    try:
        with atomic():
            db.session.add(WebhookReceipt(key=key[:120], at=now))
    except IntegrityError:
        receipt = db.session.scalar(select(WebhookReceipt).where(WebhookReceipt.key == key[:120]))
        return receipt.reply if receipt else None
    try:
        reply = handle()
    except Exception:
        # Nothing happened: forget the claim so Twilio's retry is handled, never lost.
        with atomic():
            db.session.execute(WebhookReceipt.__table__.delete().where(WebhookReceipt.key == key[:120]))
        raise
    with atomic():
        db.session.scalar(select(WebhookReceipt).where(WebhookReceipt.key == key[:120])).reply = reply
    return reply


# --- who is texting ----------------------------------------------------------------------------------


def user_by_phone(number, roles) -> User | None:
    """The active account with one of these roles whose registered phone is this number (one indexed
    query on the stored E.164 number: accounts/phones.py)."""
    return phones.user_by_number(number, roles)


# --- SMS -------------------------------------------------------------------------------------------------


def answer_sms(now, sender, words) -> str:
    """An SMS from a coordinator (its words as sms_words() gives them): JA or NEE, with a request's
    code or about the only request they were paged for; anything else gets the help text."""
    first = words[0] if words else ""
    if first in notify.HELP_WORDS:
        return messages.help_text()
    user = user_by_phone(sender, COORDINATING)
    if user is None:
        return messages.unknown_sender()
    if first in ACCEPT or first in DECLINE:
        code = words[1] if len(words) > 1 and is_code(words[1]) else None  # "ja graag": no code
        request, reply = _which(user, code)
        if request is None:
            return reply
        return accept(now, request, user, "sms") if first in ACCEPT else decline(now, request, user, "sms")
    return messages.help_text()


def _which(user, code):
    """The request a reply is about: the code if given, else the only open one this person was paged for."""
    if code:
        request = db.session.scalar(select(PlacementRequest).where(PlacementRequest.short_code == code))
        return (request, None) if request else (None, messages.unknown_code(code))
    open_ = escalation.paged_open_requests(user)
    if not open_:
        return None, messages.nothing_open()
    if len(open_) > 1:
        return None, messages.which_request(open_)
    return open_[0], None


def accept(now, request, user, channel) -> str:
    try:
        service.accept(now, request.id, user, channel=channel, whole_case=True)  # one page per case
    except Conflict:
        db.session.refresh(request)
        holder = db.session.get(User, request.accepted_by_id) if request.accepted_by_id else None
        if holder is not None and holder.id == user.id:
            return messages.accepted_reply(request)
        if holder is None:
            return messages.closed(request)
        return messages.already_taken(request, escalation.paged_level(request, holder))
    return messages.accepted_reply(request)


def decline(now, request, user, channel) -> str:
    service.decline(now, request.id, user, channel)
    return messages.declined_reply(request)


# --- the call and the link --------------------------------------------------------------------------------


def may_answer(user) -> bool:
    """Only an active account answers a page: a deactivated one's link, key or whisper is refused, as its
    SMS is (user_by_phone finds active accounts only)."""
    return user is not None and user.active


def attempt_and_request(attempt_id):
    attempt = notify.get_attempt(attempt_id)
    if attempt is None or attempt.request_id is None or attempt.user_id is None:
        return None, None, None
    return attempt, db.session.get(PlacementRequest, attempt.request_id), db.session.get(User, attempt.user_id)


def handle_key(now, attempt_id, call_sid, digit) -> tuple[str, str | None]:
    """Keypad during a page call: ("accepted"|"declined"|"taken"|"closed"|"unknown"|"repeat"|"invalid", text);
    "unknown": the account paged is no longer active."""
    if digit == "*":
        return "repeat", None
    if digit not in ("1", "2"):
        return "invalid", None
    result = once(now, f"call:{call_sid}:{attempt_id}:{digit}", lambda: _key(now, attempt_id, digit))
    kind, _, text = (result or "closed|").partition("|")
    return kind, text


def _key(now, attempt_id, digit) -> str:
    attempt, request, user = attempt_and_request(attempt_id)
    if request is None:
        return "closed|"
    if not may_answer(user):
        return "unknown|"
    if digit == "2":
        if request.status in ESCALATING:
            decline(now, request, user, "voice")
        return "declined|"
    reply = accept(now, request, user, "voice")
    db.session.refresh(request)
    return ("accepted|" if request.accepted_by_id == user.id else "taken|") + reply


def handle_link(now, attempt_id, choice) -> str:
    """The link page's POST: accept or decline, once per link."""
    attempt, request, user = attempt_and_request(attempt_id)
    if request is None or user is None:
        return messages.nothing_open()
    if not may_answer(user):
        return messages.account_inactive()
    text = once(
        now,
        f"link:{attempt_id}",
        lambda: accept(now, request, user, "link") if choice == "accept" else decline(now, request, user, "link"),
    )
    return text if text is not None else messages.nothing_open()


# --- the words of an inbound SMS ------------------------------------------------------------------

_PUNCTUATION = ".,;:!?¡¿'\"()[]{}*-_/\\…“”‘’«»"


def sms_words(body) -> list[str]:
    """An inbound SMS as its words, the way every handler reads it: upper case, split on spaces and
    commas, punctuation around each word dropped ("Ja." → JA, "1!" → 1, "JA, abcd" → JA ABCD)."""
    words = str(body or "").upper().replace(",", " ").replace(";", " ").split()
    return [w for w in (word.strip(_PUNCTUATION) for word in words) if w]


def is_code(word) -> bool:
    """Whether a word can be a request's short code (its length and alphabet): "GRAAG" cannot."""
    return len(word) == service.CODE_LENGTH and all(ch in service.CODE_ALPHABET for ch in word)
