"""One-time links to set a password (accounts/resets.py): only the token's SHA-256 is stored; the link holds
PASSWORD_RESET_HOURS and once; a newer link replaces it; using it sets a password by the usual rules and ends
the account's sessions. Never a password in the clear."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from accounts import admin, resets, service
from accounts.models import LoginSession, PasswordReset, User
from audit.models import AuditEntry
from errors import NotFound
from extensions import db
from tests.conftest import csrf_token

NEW = "een-nieuw-wachtwoord-9"


@pytest.fixture
def issued(users, now):
    """A link for the coordinator, made by the admin: (user, token)."""
    target = users["coordinator"]
    _via, token = admin.password_link(now, users["admin"], target, "show")
    return target, token


def set_password(client, token, password=NEW, confirmation=None):
    page = client.get(f"/wachtwoord/{token}")
    assert page.status_code == 200, page.status_code
    return client.post(
        f"/wachtwoord/{token}",
        data={
            "password": password,
            "confirmation": password if confirmation is None else confirmation,
            "csrf_token": csrf_token(page.text),
        },
    )


def can_log_in(user, password, now) -> bool:
    try:
        return service.login(now, user.email, password, "10.0.0.1", 50, 15).id == user.id
    except Exception:
        db.session.rollback()
        return False


def test_only_the_hash_is_stored_and_the_audit_log_never_holds_the_token(issued):
    _user, token = issued
    row = db.session.scalar(select(PasswordReset))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    for entry in db.session.scalars(select(AuditEntry)):
        assert token not in repr((entry.before, entry.after, entry.route))
    assert len(token) >= 40  # 256 random bits


def test_the_link_sets_the_password_once_and_ends_the_sessions(app, client, login, issued, now):
    user, token = issued
    other = app.test_client()  # the account logged in elsewhere (a lost phone's browser, say)
    login(user)
    assert count_live_sessions(user) == 1
    other_resp = set_password(other, token)
    assert other_resp.status_code == 302 and other_resp.headers["Location"].endswith("/login")
    assert count_live_sessions(user) == 0
    assert db.session.scalar(select(LoginSession.end_reason)) == "password"
    assert client.get("/").status_code == 302  # that browser is logged out
    assert can_log_in(user, NEW, now) and not can_log_in(user, "correct-horse-1", now)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_set"))
    assert entry.actor == user.email and entry.after == {"sessions_ended": 1}
    # Used: gone for good.
    again = other.get(f"/wachtwoord/{token}")
    assert again.status_code == 404 and 'id="link-expired"' in again.text
    assert db.session.scalar(select(PasswordReset.used_at)) == now


def count_live_sessions(user) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    )


def test_the_link_expires(app, client, issued, now):
    _user, token = issued
    app.config["FROZEN_NOW"] = now + dt.timedelta(hours=23, minutes=59)
    assert client.get(f"/wachtwoord/{token}").status_code == 200
    app.config["FROZEN_NOW"] = now + dt.timedelta(hours=24)
    assert client.get(f"/wachtwoord/{token}").status_code == 404


def test_the_hours_are_a_setting(app, users, now):
    app.config["PASSWORD_RESET_HOURS"] = 2
    admin.password_link(now, users["admin"], users["police"], "show")
    assert db.session.scalar(select(PasswordReset.expires_at)) == now + dt.timedelta(hours=2)


def test_a_newer_link_replaces_the_older(client, issued, users, now):
    user, old = issued
    _via, new = admin.password_link(now, users["admin"], user, "show")
    assert client.get(f"/wachtwoord/{old}").status_code == 404
    assert client.get(f"/wachtwoord/{new}").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 1


@pytest.mark.parametrize(
    "password,confirmation,field",
    [
        ("kort-1", None, "password"),
        ("aaaaaaaaaaaaaaa", None, "password"),  # too simple
        ("1234567890123", None, "password"),
        ("x" * 201, None, "password"),
        (NEW, NEW + "x", "confirmation"),
        ("", None, "password"),
    ],
)
def test_the_password_rules_hold_and_a_refusal_changes_nothing(client, issued, now, password, confirmation, field):
    user, token = issued
    before = (user.password_hash, db.session.scalar(select(func.count()).select_from(AuditEntry)))
    resp = set_password(client, token, password, confirmation)
    assert resp.status_code == 422 and f'data-field="{field}"' in resp.text, resp.text
    assert password not in resp.text or not password  # never echoed
    db.session.expire_all()
    assert (user.password_hash, db.session.scalar(select(func.count()).select_from(AuditEntry))) == before
    assert db.session.scalar(select(PasswordReset.used_at)) is None  # still usable
    assert set_password(client, token).status_code == 302


@pytest.mark.parametrize("token", ["onbekend", "x" * 101, "%00"])
def test_unknown_tokens_are_404(client, issued, token):
    assert client.get(f"/wachtwoord/{token}").status_code == 404
    assert client.post(f"/wachtwoord/{token}", data={"password": NEW, "confirmation": NEW}).status_code in (400, 404)


def test_a_deactivated_accounts_link_no_longer_works(client, issued, users, now):
    user, token = issued
    admin.deactivate(now, users["admin"], user)
    assert client.get(f"/wachtwoord/{token}").status_code == 404
    with pytest.raises(NotFound):
        resets.use(now, token, NEW, NEW)
    db.session.rollback()
    assert db.session.get(User, user.id).active is False


def test_showing_the_form_writes_nothing(client, issued, sql_log):
    _user, token = issued
    assert client.get(f"/wachtwoord/{token}").status_code == 200
    writes = [s for s in sql_log if s.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
