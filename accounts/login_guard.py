"""What guards the password login: where it may send you after, which passwords may be set, how
many failures an account and a client get, and that an unknown account takes as long as a real one.

The common-password list (common-passwords.txt) is Django's CommonPasswordValidator list
(django/contrib/auth/common-passwords.txt.gz, BSD licence): the 20,000 most common passwords of
Royce Williams' compilation, lowercased and deduplicated, shipped here unzipped as plain text.
"""

import datetime as dt
import functools
import string
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, url_for
from sqlalchemy import and_, delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from accounts.models import LoginAttempt
from errors import ValidationError
from extensions import db

MIN_PASSWORD = 12
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt")


# --- after login: only to a page of our own ------------------------------------------------------


def safe_next(target) -> str:
    """`target` if it is a path on this site, else the home page. Browsers read `/\\x`, `//x` and
    `/<tab>/x` as another host, so: one leading slash, no second, no backslash, no control character
    or whitespace (also once percent-decoded), and no scheme or host as urllib reads it."""
    home = url_for("home.index")
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return home
    decoded = unquote(target)
    for text in (target, decoded):
        if text.startswith("//") or "\\" in text or any(c.isspace() or not c.isprintable() for c in text):
            return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or urlsplit(decoded).netloc:
        return home
    return target


# --- password policy -----------------------------------------------------------------------------


@functools.cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in COMMON_PASSWORDS.read_text("utf-8").splitlines() if line.strip())


def check_password_policy(password, field="password") -> str:
    """A password that may be set: at least MIN_PASSWORD characters, not in the common list (as
    Django compares: lowercased), not only digits and punctuation repeated. Raises ValidationError."""
    password = password if isinstance(password, str) else ""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"Wachtwoord moet minstens {MIN_PASSWORD} tekens hebben.", field=field)
    if password.strip().lower() in common_passwords() or len(set(password)) < 4:
        raise ValidationError("Dit wachtwoord is te bekend of te eenvoudig; kies een ander.", field=field)
    if set(password) <= set(string.digits):
        raise ValidationError("Een wachtwoord van alleen cijfers is te zwak.", field=field)
    return password


# --- the same work for unknown, inactive and real accounts ---------------------------------------


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method)


def verify_password(user, password) -> bool:
    """Whether `password` is the user's; an unknown or inactive account is checked against a dummy
    hash, so its answer takes as long as a real account's (login time reveals no account)."""
    if user is None or not user.active:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return False
    return check_password_hash(user.password_hash, password or "")


# --- failures: per client and per account, counted atomically ------------------------------------


def account_key(email: str) -> str:
    return f"account|{email}"[:300]


def record_attempt(now, keys) -> list[int]:
    """Count this attempt under every key before the password is checked, committed at once.
    Insert-then-count: an attempt is judged on a count read after its own row committed, so the
    k-th attempt to commit sees at least k rows, and concurrent attempts cannot all slip under the
    limit (a count before an insert let them)."""
    rows = [LoginAttempt(key=key, at=now) for key in keys]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def locked_out(now, limits: dict[str, int], window_minutes) -> bool:
    """Whether any key has more attempts in the window than its limit (this attempt included)."""
    since = now - dt.timedelta(minutes=window_minutes)
    counts = dict(
        db.session.execute(
            select(LoginAttempt.key, func.count())
            .where(LoginAttempt.key.in_(list(limits)), LoginAttempt.at >= since)
            .group_by(LoginAttempt.key)
        ).all()
    )
    return any(counts.get(key, 0) > limit for key, limit in limits.items())


def forget_attempt(ids, clear_keys=()):
    """Take back this attempt's rows (refused unchecked, or a success), and on a success the
    client's earlier failures too. The account's other failures stay until the window ends."""
    db.session.execute(
        delete(LoginAttempt).where(or_(LoginAttempt.id.in_(list(ids)), LoginAttempt.key.in_(list(clear_keys))))
    )


def purge_attempts(now) -> int:
    """Worker job: attempts older than the window no longer count; nothing needs them after."""
    since = now - dt.timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    done = db.session.execute(delete(LoginAttempt).where(and_(LoginAttempt.at < since))).rowcount
    db.session.commit()
    return done
