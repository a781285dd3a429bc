"""One-time links to set a password: for a new account, or a forgotten password.

The link carries a random token; only its SHA-256 is stored (password_resets). It holds for
PASSWORD_RESET_HOURS and only once; a newer link for the same account replaces any unused one. Using it
sets the new password (the password rules of accounts/login_guard.py) and ends every session the account
has open. Nobody ever sees or sends a password: the admin sees the link once, or it goes by SMS alone.
"""

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from accounts import login_guard, sessions
from accounts.models import PasswordReset, User
from audit import service as audit
from errors import NotFound, ValidationError
from extensions import db
from validation import is_storable

MAX_TOKEN = 100  # ours are 43 characters
MAX_PASSWORD = 200  # a longer one is no password but a load on the hash


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link(token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/wachtwoord/{token}"


def issue(now, user, actor) -> tuple[str, PasswordReset]:
    """A new one-time token for `user`, replacing any unused one; in the caller's transaction (no commit).
    The token is returned once and never stored."""
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    row = PasswordReset(
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"]),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    return token, row


def find(now, token) -> PasswordReset | None:
    """The live reset for this token, or None (unknown, used, expired, account deactivated). Reads only."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN or not is_storable(token):
        return None
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(token)))
    if row is None or row.used_at is not None or now >= row.expires_at:
        return None
    user = db.session.get(User, row.user_id)
    return row if user is not None and user.active else None


def use(now, token, password, confirmation) -> User:
    """Set the new password with a live token, once; every open session of the account ends. Commits."""
    row = find(now, token)
    if row is None:
        raise NotFound("Deze link is verlopen of al gebruikt. Vraag een nieuwe aan.", field="token")
    if isinstance(password, str) and len(password) > MAX_PASSWORD:
        raise ValidationError(f"Een wachtwoord heeft hoogstens {MAX_PASSWORD} tekens.", field="password")
    login_guard.check_password_policy(password)
    if password != confirmation:
        raise ValidationError("De twee wachtwoorden zijn niet gelijk.", field="confirmation")
    user = db.session.get(User, row.user_id)
    row.used_at = now
    user.password_hash = generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])
    ended = sessions.end_all(now, user, reason="password")
    audit.record(now, "user.password_set", "user", user.id, after={"sessions_ended": ended}, actor=user)
    db.session.commit()
    return user
