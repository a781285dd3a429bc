"""Accounts: creating users, password login with a rate limit, API tokens."""

import datetime as dt
import hashlib
import re
import secrets

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defaultload
from werkzeug.security import generate_password_hash

import formatting
from accounts import login_guard, phones, sessions
from accounts.models import ApiToken, User
from accounts.roles import EVERYONE, Role
from audit import service as audit
from beds.models import Region, Shelter
from errors import Conflict, NotAuthenticated, NotFound, TooManyRequests, ValidationError
from extensions import db
from validation import is_storable

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_user(now, *, email, password, role, name="", phone=None, shelter_ids=(), region_codes=(), actor=None):
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise ValidationError("Geen geldig e-mailadres.", field="email")
    if role not in EVERYONE:
        raise ValidationError(f"Onbekende rol; kies uit {', '.join(EVERYONE)}.", field="role")
    login_guard.check_password_policy(password)
    if db.session.scalar(select(User).where(User.email == email)):
        raise Conflict("Dit e-mailadres heeft al een account.", field="email")
    phone = phones.parse_mobile(phone, field="phone") if (phone or "").strip() else None
    shelters = [_shelter(i) for i in shelter_ids]
    regions = [_region(c) for c in region_codes]
    if role == Role.SHELTER_STAFF and not shelters:
        raise ValidationError("Een opvangmedewerker hoort bij minstens één opvang.", field="shelter")
    if role == Role.COORDINATOR and not regions:
        raise ValidationError("Een zorgcoördinator hoort bij minstens één regio.", field="region")
    user = User(
        email=email,
        name=name,
        role=role,
        phone=phone,
        created_at=now,
        password_hash=generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"]),
        shelters=shelters,
        regions=regions,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        now,
        "user.create",
        "user",
        user.id,
        after={"email": email, "role": role},
        actor=actor,
        source="system" if actor is None else None,
    )
    db.session.commit()
    return user


def _shelter(shelter_id):
    shelter = (
        db.session.get(Shelter, int(shelter_id))
        if str(shelter_id).isdigit()
        else db.session.scalar(select(Shelter).where(Shelter.key == str(shelter_id)))
    )
    if shelter is None:
        raise ValidationError(f"Opvang {shelter_id} bestaat niet.", field="shelter")
    return shelter


def _region(code):
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise ValidationError(f"Regio {code} bestaat niet.", field="region")
    return region


def user_by_email(email):
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def login(now, email, password, client, max_failures, window_minutes):
    """The user for a correct e-mail and password. Every attempt counts towards a per-client and a
    per-account limit (accounts/login_guard.py) before the password is checked."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not is_storable(email):
        email = "?"  # no account has such an address; it fails and counts, without a query the database refuses
    key, account = f"{email}|{client}"[:300], login_guard.account_key(email)
    attempt = login_guard.record_attempt(now, [key, account])
    limits = {key: max_failures, account: current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"]}
    if login_guard.locked_out(now, limits, window_minutes):
        login_guard.forget_attempt(attempt)
        db.session.commit()
        raise TooManyRequests("Te veel mislukte pogingen. Wacht een kwartier en probeer opnieuw.", field="email")
    user = user_by_email(email)
    if not login_guard.verify_password(user, password):
        raise NotAuthenticated("E-mailadres of wachtwoord klopt niet.", field="password")
    login_guard.forget_attempt(attempt, clear_keys=[key])
    audit.record(now, "user.login", "user", user.id, actor=user, source="web")
    db.session.commit()
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(now, user, actor=None) -> str:
    """A new bearer token for the user. The plain token is returned once and never stored."""
    token = "pk_" + secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"]
    row = ApiToken(
        user_id=user.id,
        token_hash=_hash(token),
        prefix=token[:10],
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        now,
        "token.issue",
        "api_token",
        row.id,
        after={"user": user.email, "prefix": row.prefix, "expires_at": row.expires_at.isoformat()},
        actor=actor,
        source="system" if actor is None else None,
    )
    db.session.commit()
    return token


# last_used_at is written at most once a minute per token: a write and commit on every API call cost
# more than many calls themselves, and serialised concurrent calls with one token on its row lock.
TOKEN_TOUCH = dt.timedelta(minutes=1)


# One query, built once (every API call runs it): the user's shelters and regions load when a view
# asks for them, not on every call.
_TOKEN_BY_HASH = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .options(
        defaultload(ApiToken.user).lazyload(User.shelters).lazyload(Shelter.pools),
        defaultload(ApiToken.user).lazyload(User.regions),
    )
)


def user_for_token(now, token):
    row = db.session.scalar(_TOKEN_BY_HASH, {"token_hash": _hash(token)})
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expires_at is None or now >= row.expires_at:
        raise NotAuthenticated(
            f"Dit API-token is verlopen op {formatting.when(row.expires_at, now)}; vraag een nieuw token aan.",
            field="Authorization",
            code="token_expired",
        )
    if row.last_used_at is None or not row.last_used_at <= now < row.last_used_at + TOKEN_TOUCH:
        row.last_used_at = now
        db.session.commit()
    return row.user


def revoke_all_tokens(now, user, actor=None) -> int:
    """Revoke every active token of a user (a lost laptop, a leaked script)."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now
        audit.record(now, "token.revoke", "api_token", row.id, actor=actor, source="system" if actor is None else None)
    db.session.commit()
    return len(rows)


def revoke_token(now, token_id, actor):
    row = db.session.get(ApiToken, token_id)
    if row is None or (actor.role != Role.ADMIN and row.user_id != actor.id):
        raise NotFound("Token bestaat niet.", field="token")
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(now, "token.revoke", "api_token", row.id, actor=actor)
    db.session.commit()
    return row


def deactivate(now, user, actor=None) -> int:
    """Deactivate an account: it no longer logs in, is paged or answers a page, and every session it has
    open ends now (its API tokens already stop at the next call). How many sessions were ended."""
    user.active = False
    ended = sessions.end_all(now, user)
    audit.record(
        now,
        "user.deactivate",
        "user",
        user.id,
        after={"sessions_ended": ended},
        actor=actor,
        source="system" if actor is None else None,
    )
    db.session.commit()
    return ended


def tokens_of(user):
    """A user's API tokens, newest first, with when each expires and was last used (never the token itself)."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
