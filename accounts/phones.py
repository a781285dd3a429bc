"""Every rule about a phone number: how it is read and stored, whether a person's phone may be paged.

Numbers are parsed with `phonenumbers` (Dutch numbers by default: "06 1234 5678" is "+31612345678")
and stored in E.164, so inbound SMS are matched by an indexed equality on the stored number.

- A person's phone (users.phone) must be a mobile number: pages come as SMS, which a landline never
  receives. It is verified by a 6-digit code sent by SMS (only an HMAC of it is kept, it expires in
  CODE_MINUTES, MAX_ATTEMPTS wrong tries spend it, at most CODES_PER_HOUR codes an hour) before the
  person can be put on duty (piket/rotas/service.duty_problem) or get an alarm.
- A contact number typed on a form (a case's callback number, a shelter's intake number) may also be
  a fixed line (a police station, a shelter's desk): any valid number, normalised all the same.
- The demo and the tests use FICTITIOUS_PREFIX: Dutch mobile numbers 06-0000xxxx, a block that is not
  issued (phonenumbers calls it invalid), so no real person is ever paged from a demo. They pass as
  mobile numbers everywhere, with no setting.
- A person can send themselves a test (an SMS and a call) and watch its statuses arrive (test_timeline).
"""

import datetime as dt
import hashlib
import hmac
import secrets

import phonenumbers
from flask import current_app
from phonenumbers import PhoneNumberType
from sqlalchemy import func, select

import validation as v
from accounts.models import PhoneCode, User
from audit import service as audit
from errors import TooManyRequests, ValidationError
from extensions import db
from notify import service as notify

REGION = "NL"  # a number typed without a country code is Dutch
# The demo's and tests' numbers: "+31 6 0000 xxxx" (06-0000xxxx) is not issued to anyone. Exactly 12
# characters long, like every Dutch mobile number in E.164.
FICTITIOUS_PREFIX = "+3160000"
MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)

CODE_DIGITS = 6
CODE_MINUTES = 10  # a verification code expires after this long
MAX_ATTEMPTS = 5  # wrong codes before the code is spent (a new one is needed)
CODES_PER_HOUR = 3  # verification codes one person may have sent in an hour
TESTS_PER_HOUR = 3  # test pages one person may send themselves in an hour
CODE_PURPOSE, TEST_PURPOSE = "phone_code", "phone_test"

EXAMPLE = "bijvoorbeeld 06 1234 5678 of +31 6 1234 5678"


# --- reading numbers ------------------------------------------------------------------------------------


def is_fictitious(number: str) -> bool:
    return number.startswith(FICTITIOUS_PREFIX) and len(number) == 12 and number[1:].isdigit()


def _parse(raw, field):
    """(E.164, PhoneNumber or None for the fictitious range); ValidationError when it is no number."""
    text = str(raw or "").strip().replace("(0)", "")
    if not text:
        raise ValidationError("vul een telefoonnummer in", field=field)
    if len(text) > 40:
        raise ValidationError(f"geen geldig telefoonnummer; gebruik {EXAMPLE}", field=field)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"geen geldig telefoonnummer; gebruik {EXAMPLE}", field=field) from None
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if is_fictitious(number):
        return number, None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"dit nummer bestaat niet; gebruik {EXAMPLE}", field=field)
    return number, parsed


def parse_mobile(raw: str, *, field: str) -> str:
    """A person's phone: a mobile number in E.164 ("06 1234 5678" -> "+31612345678"). A landline, a
    service number or anything that is no number is refused, naming `field`."""
    number, parsed = _parse(raw, field)
    if parsed is not None and phonenumbers.number_type(parsed) not in MOBILE_TYPES:
        raise ValidationError(
            "dit is geen mobiel nummer; oproepen komen per sms, die een vaste lijn niet ontvangt", field=field
        )
    return number


def parse_contact(raw: str, *, field: str) -> str:
    """A number to call back (a case's callback number, a shelter's intake number): mobile or a fixed
    line, in E.164. SMS to a fixed line simply fail in the outbox; a call still reaches it."""
    return _parse(raw, field)[0]


def contact(data, key, path=None, *, required=True):
    """A contact number read from a body or form: typed as validation.PHONE, then parse_contact; not
    required, an empty field gives ""."""
    path = path or key
    typed = v.text(data, key, path, max_length=v.PHONE_LENGTH, pattern=v.PHONE, **({} if required else {"default": ""}))
    return parse_contact(typed, field=path) if typed else ""


def e164_or_none(raw) -> str | None:
    """A number from outside (an inbound SMS's From) as stored, or None: for lookups, never refuses."""
    try:
        return _parse(raw, "phone")[0]
    except ValidationError:
        return None


def user_by_number(number, roles) -> User | None:
    """The active account with one of these roles whose phone is this number: one indexed query on
    users.phone (stored in E.164)."""
    e164 = e164_or_none(number)
    if e164 is None:
        return None
    return db.session.scalar(
        select(User).where(User.phone == e164, User.active.is_(True), User.role.in_(roles)).order_by(User.id).limit(1)
    )


# --- a person's phone ------------------------------------------------------------------------------------


def is_verified(user) -> bool:
    return bool(user is not None and user.phone and user.phone_verified_at is not None)


def change_phone(now, *, user, raw: str | None, actor) -> None:
    """Set (or with an empty `raw`, remove) a person's phone. A new number is no longer verified. In the
    caller's transaction (flushes, no commit); audited."""
    number = parse_mobile(raw, field="phone") if (raw or "").strip() else None
    if number == user.phone:
        return
    before = {"phone": user.phone, "verified": is_verified(user)}
    user.phone, user.phone_verified_at = number, None
    audit.record(now, "user.phone", "user", user.id, before=before, after={"phone": number}, actor=actor)
    db.session.flush()


def mark_verified(now, *, user, actor) -> None:
    """For the demo and the command line: a number in the fictitious range counts as verified."""
    if user.phone and user.phone_verified_at is None:
        user.phone_verified_at = now
        audit.record(now, "user.phone_verified", "user", user.id, after={"phone": user.phone}, actor=actor)


def _hash(user_id, number, code) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user_id}:{number}:{code}".encode(), hashlib.sha256).hexdigest()


def _recent(user, since) -> int:
    return db.session.scalar(
        select(func.count()).select_from(PhoneCode).where(PhoneCode.user_id == user.id, PhoneCode.created_at >= since)
    )


def send_code(now, user) -> PhoneCode:
    """Text a new verification code to the person's phone (any earlier code is spent). Commits."""
    if not user.phone:
        raise ValidationError("vul eerst een mobiel nummer in", field="phone")
    if is_verified(user):
        raise ValidationError("dit nummer is al bevestigd", field="phone")
    if _recent(user, now - dt.timedelta(hours=1)) >= CODES_PER_HOUR:
        raise TooManyRequests(
            f"U heeft in het afgelopen uur al {CODES_PER_HOUR} codes gekregen; probeer het later opnieuw.", field="code"
        )
    _spend_open_codes(now, user)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    attempt = notify.enqueue(
        now, to=user.phone, channel="sms", body=f"Piket-code: {code}", purpose=CODE_PURPOSE, user_id=user.id
    )
    db.session.flush()
    row = PhoneCode(
        user_id=user.id,
        number=user.phone,
        code_hash=_hash(user.id, user.phone, code),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        attempts=0,
        attempt_id=attempt.id,
    )
    db.session.add(row)
    audit.record(now, "user.phone_code", "user", user.id, after={"phone": user.phone})
    db.session.commit()
    return row


def _spend_open_codes(now, user):
    for row in db.session.scalars(select(PhoneCode).where(PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None))):
        row.used_at = now
        notify.redact(row.attempt_id, "Piket-code: ******")


def verify(now, user, code) -> None:
    """Check a code typed by the person; their phone is verified when it matches. Commits, also a
    wrong try (it counts)."""
    code = str(code or "").strip().replace(" ", "")
    row = db.session.scalar(
        select(PhoneCode)
        .where(PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None))
        .order_by(PhoneCode.id.desc())
        .limit(1)
    )
    if row is None or row.number != user.phone:
        raise ValidationError("vraag eerst een code aan", field="code")
    if now >= row.expires_at:
        raise ValidationError(f"deze code is verlopen (na {CODE_MINUTES} minuten); vraag een nieuwe aan", field="code")
    if row.attempts >= MAX_ATTEMPTS:
        raise ValidationError("te vaak een verkeerde code; vraag een nieuwe aan", field="code")
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, _hash(user.id, user.phone, code)):
        left = MAX_ATTEMPTS - row.attempts
        audit.record(now, "user.phone_code_wrong", "user", user.id, after={"left": left})
        db.session.commit()
        raise ValidationError(
            f"deze code klopt niet; nog {left} poging{'en' if left != 1 else ''}"
            if left
            else "deze code klopt niet; vraag een nieuwe aan",
            field="code",
        )
    _spend_open_codes(now, user)
    user.phone_verified_at = now
    audit.record(now, "user.phone_verified", "user", user.id, after={"phone": user.phone})
    db.session.commit()


# --- the test page ----------------------------------------------------------------------------------------

TEST_SMS = "Piket-test: uw telefoon ontvangt sms van Piket. U hoeft niets te doen."
TEST_CALL = "Piket-test: testoproep"
TEST_SPOKEN = "Dit is een testoproep van Piket. Uw telefoon kan worden opgeroepen. U hoeft niets te doen. Tot ziens."


def send_test(now, user) -> list:
    """An SMS and a call to the person's own phone, to see that both arrive. Audited, TESTS_PER_HOUR an
    hour. Commits. Returns the two outbox attempts."""
    if not user.phone:
        raise ValidationError("vul eerst een mobiel nummer in", field="phone")
    since = now - dt.timedelta(hours=1)
    if len(notify.attempts_of(user_id=user.id, purpose=TEST_PURPOSE, since=since)) >= 2 * TESTS_PER_HOUR:
        raise TooManyRequests(
            f"U heeft in het afgelopen uur al {TESTS_PER_HOUR} testoproepen gestuurd; probeer het later opnieuw.",
            field="test",
        )
    sent = [
        notify.enqueue(now, to=user.phone, channel="sms", body=TEST_SMS, purpose=TEST_PURPOSE, user_id=user.id),
        notify.enqueue(now, to=user.phone, channel="voice", body=TEST_CALL, purpose=TEST_PURPOSE, user_id=user.id),
    ]
    audit.record(now, "user.phone_test", "user", user.id, after={"phone": user.phone})
    db.session.commit()
    return sent


def last_test(user) -> list:
    """The outbox attempts of the person's latest test (SMS and call), [] if none."""
    attempts = notify.attempts_of(user_id=user.id, purpose=TEST_PURPOSE)
    if not attempts:
        return []
    latest = max(a.created_at for a in attempts)
    return sorted((a for a in attempts if a.created_at == latest), key=lambda a: a.channel)


def test_timeline(user) -> list[dict]:
    """The latest test's story, oldest first: {"at", "channel", "what"} with what in queued, sent,
    delivered, answered, failed, undelivered, no_answer, busy, opted_out."""
    lines = []
    for a in last_test(user):
        lines.append({"at": a.created_at, "channel": a.channel, "what": "queued"})
        if a.dispatched_at is not None:
            lines.append({"at": a.dispatched_at, "channel": a.channel, "what": "sent"})
        if a.status not in ("pending", "sent"):
            lines.append({"at": a.updated_at, "channel": a.channel, "what": a.status})
    return sorted(lines, key=lambda line: (line["at"], line["channel"]))


def is_test_call(attempt) -> bool:
    return attempt is not None and attempt.purpose == TEST_PURPOSE and attempt.channel == "voice"
