"""The second factor: a TOTP code from an authenticator app (RFC 6238), or a one-time recovery code.

Required for the roles in MFA_REQUIRED_ROLES (settings), optional for the others. A code is taken
for the time step it belongs to and the steps either side (a phone's clock a little off), and never
twice: the last step taken is stored and only a later one passes. Recovery codes are stored hashed
and each works once. Failures count towards the same limit as the password, per account.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, select, update

from accounts import sessions
from accounts.models import LoginAttempt, RecoveryCode, User
from audit import service as audit
from errors import NotAuthenticated, TooManyRequests, ValidationError
from extensions import db

STEP_SECONDS = 30
VALID_WINDOW = 1  # steps either side of now
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def required(user) -> bool:
    return user.role in current_app.config["MFA_REQUIRED_ROLES"]


def enrolled(user) -> bool:
    return user.mfa_secret is not None


def needed(user) -> bool:
    """Whether a login asks for a second factor after the password: enrolled, or must enrol."""
    return enrolled(user) or required(user)


# --- enrolment -----------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user, secret) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["MFA_ISSUER"])


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG, drawn here: the secret never goes to a third-party QR service."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title="QR-code voor uw authenticator-app")


def grouped(secret: str) -> str:
    """The secret to type by hand, in groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enrol(now, user, secret, code) -> list[str]:
    """Store the secret once a code from it is right; return the new recovery codes (shown once)."""
    _check_limit(now, user)
    step = _matching_step(secret, code, now)
    if step is None:
        _fail(now, user)
        raise ValidationError("Deze code klopt niet. Vul de code in die uw app nu toont.", field="code")
    user.mfa_secret, user.mfa_enrolled_at, user.mfa_last_step = secret, now, step
    codes = _new_recovery_codes(user)
    _forget_failures(user)
    audit.record(now, "user.mfa_enrol", "user", user.id, actor=user, source="web")
    db.session.commit()
    return codes


def _new_recovery_codes(user) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(c)) for c in codes)
    return codes


# --- login -----------------------------------------------------------------------------------------


def verify(now, user, code):
    """A login's second step with a code from the app; a code already used (same step or earlier) fails."""
    _check_limit(now, user)
    step = _matching_step(user.mfa_secret, code, now) if enrolled(user) else None
    if step is None:
        _fail(now, user)
        raise NotAuthenticated("Deze code klopt niet. Vul de code in die uw app nu toont.", field="code")
    # Compare and set in one statement: two logins racing with one code cannot both pass.
    taken = db.session.execute(
        update(User)
        .where(User.id == user.id, (User.mfa_last_step.is_(None)) | (User.mfa_last_step < step))
        .values(mfa_last_step=step)
    ).rowcount
    if taken != 1:
        _fail(now, user)
        raise NotAuthenticated("Deze code is al gebruikt. Wacht op de volgende code in uw app.", field="code")
    _forget_failures(user)
    db.session.commit()


def use_recovery_code(now, user, code) -> int:
    """A login's second step with a recovery code, which then no longer works; returns how many are left."""
    _check_limit(now, user)
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery(code or ""),
            RecoveryCode.used_at.is_(None),
        )
    )
    used = row is not None and (
        db.session.execute(
            update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None)).values(used_at=now)
        ).rowcount
        == 1
    )
    if not used:
        _fail(now, user)
        raise NotAuthenticated("Deze herstelcode klopt niet of is al gebruikt.", field="recovery_code")
    left = recovery_codes_left(user)
    _forget_failures(user)
    audit.record(now, "user.mfa_recovery_code", "user", user.id, after={"left": left}, actor=user, source="web")
    db.session.commit()
    return left


def recovery_codes_left(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# --- administration --------------------------------------------------------------------------------


def reset(now, user, actor):
    """Forget someone's second factor (a lost phone): they enrol again at their next login."""
    had = enrolled(user)
    user.mfa_secret = user.mfa_enrolled_at = user.mfa_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.end_all(now, user, "mfa_reset")  # a lost phone may be in other hands: its sessions end too
    audit.record(
        now, "user.mfa_reset", "user", user.id, before={"enrolled": had}, after={"enrolled": False}, actor=actor
    )
    db.session.commit()


# --- helpers ---------------------------------------------------------------------------------------


def _step(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def _matching_step(secret, code, now) -> int | None:
    """The time step (now, or one either side) whose code this is; None if none."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    here = _step(now)
    for step in range(here - VALID_WINDOW, here + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code).lower().encode()).hexdigest()


def _limit_key(user) -> str:
    # Per account, not per client: whoever gets here knows the password, and can change address.
    return f"mfa|{user.id}"


def _check_limit(now, user):
    since = now - dt.timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    failures = db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == _limit_key(user), LoginAttempt.at >= since)
    )
    if failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        raise TooManyRequests("Te veel mislukte pogingen. Wacht een kwartier en probeer opnieuw.", field="code")


def _fail(now, user):
    db.session.rollback()
    db.session.add(LoginAttempt(key=_limit_key(user), at=now))
    db.session.commit()


def _forget_failures(user):
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == _limit_key(user)))
