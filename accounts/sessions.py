"""Login sessions, held server-side: one row per logged-in browser (table `sessions`).

Flask's signed cookie carries only a random token; the row says whose it is and whether it still holds.
A session ends at logout, when its account is deactivated (all its sessions), after an idle time-out
(SESSION_IDLE_MINUTES for the roles that log in with a second factor, MFA_REQUIRED_ROLES;
SESSION_IDLE_MINUTES_OTHER for the others) and at the
absolute maximum after login (SESSION_HOURS), however busy. So a copied cookie stops working at logout,
not hours later, and a session left open on a shared computer ends on its own.

Checking a session reads one row and writes only `last_seen_at`, at most once a minute per session
(TOUCH): the one write a read may cause besides the audit rows, so a burst of requests is no write storm.
The idle time is therefore counted from a moment at most a minute before the last use.
"""

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import select, update

from accounts.models import LoginSession, User
from audit import service as audit
from extensions import db

TOUCH = dt.timedelta(minutes=1)
MAX_TOKEN = 100  # ours are 43 characters; anything much longer is no token of ours


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(now, user) -> str:
    """A new session for a user who just logged in: the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    db.session.commit()
    return token


def idle_limit(role) -> dt.timedelta:
    # The roles that must give a second factor reach victims' data: their sessions idle out soonest.
    short = role in current_app.config["MFA_REQUIRED_ROLES"]
    key = "SESSION_IDLE_MINUTES" if short else "SESSION_IDLE_MINUTES_OTHER"
    return dt.timedelta(minutes=current_app.config[key])


def current(now, token) -> User | None:
    """The user of the live session with this token, or None: unknown, ended, idle too long, past the
    maximum, or the account deactivated. A session found past its time is ended now, for good."""
    row = _row(token)
    if row is None or row.ended_at is not None:
        return None
    user = db.session.get(User, row.user_id)
    reason = _over(now, row, user)
    if reason is not None:
        row.ended_at, row.end_reason = now, reason
        db.session.commit()
        return None
    if not row.last_seen_at <= now < row.last_seen_at + TOUCH:
        row.last_seen_at = now
        db.session.commit()
    return user


def _row(token) -> LoginSession | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    return db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))


def _over(now, row, user) -> str | None:
    """Why this session no longer holds, or None while it does."""
    if user is None or not user.active:
        return "deactivated"
    if now >= row.created_at + current_app.permanent_session_lifetime:
        return "expired"
    if now >= row.last_seen_at + idle_limit(user.role):
        return "idle"
    return None


def end(now, token, reason="logout") -> None:
    """End the session with this token (logout); an unknown or ended one is left as it is."""
    row = _row(token)
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = now, reason
        audit.record(now, f"user.{reason}", "user", row.user_id, actor=db.session.get(User, row.user_id))
        db.session.commit()


def end_all(now, user, reason="deactivated") -> int:
    """End every live session of the user, within the caller's transaction; how many were live."""
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return result.rowcount
