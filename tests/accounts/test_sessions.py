"""Sessions held server-side (issue 15, finding 6): a copied cookie stops working at logout, all of an
account's sessions end when it is deactivated, an idle session ends (30 minutes for coordinators, CoMensha
and admins, 12 hours for the others), every session ends at the maximum, and a read writes `last_seen_at`
at most once a minute."""

import datetime as dt

import pytest
from sqlalchemy import select

from accounts import service
from accounts.models import LoginSession
from audit.models import AuditEntry
from extensions import db
from tests.conftest import csrf_token, pass_second_factor

MIN = dt.timedelta(minutes=1)


def copy_of(app, client):
    """Another browser with the same session cookie: what a thief of the cookie has."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def logged_in(client) -> bool:
    resp = client.get("/")
    assert resp.status_code in (200, 302), resp.status_code
    return resp.status_code == 200


def at(app, moment):
    app.config["FROZEN_NOW"] = moment


def rows(user):
    db.session.expire_all()
    return db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()


def test_a_copied_cookie_stops_working_at_logout(app, client, login, users, now):
    login(users["coordinator"])
    thief = copy_of(app, client)
    assert logged_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    resp = thief.get("/aanvragen")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    [row] = rows(users["coordinator"])
    assert row.ended_at == now and row.end_reason == "logout"
    logout = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.logout"))
    assert logout is not None and logout.entity_id == str(users["coordinator"].id)


def test_the_cookie_carries_no_user_id_only_a_token_whose_hash_is_stored(app, client, login, users):
    login(users["police"])
    with client.session_transaction() as cookie:
        assert "user_id" not in cookie
        token = cookie["sid"]
    [row] = rows(users["police"])
    assert token not in row.token_hash and len(row.token_hash) == 64


@pytest.mark.parametrize("sid", ["", "nope", "x" * 5000, 42, None, ["a"]])
def test_a_forged_session_token_is_no_login(app, client, users, sid):
    with client.session_transaction() as cookie:
        cookie["sid"] = sid
    assert not logged_in(client)


def test_deactivation_ends_every_session_of_the_account(app, client, login, users, now):
    coordinator = users["coordinator"]
    login(coordinator)
    laptop = client
    phone = app.test_client()
    page = phone.get("/login")
    resp = phone.post(
        "/login",
        data={"email": coordinator.email, "password": "correct-horse-1", "csrf_token": csrf_token(page.text)},
    )
    pass_second_factor(phone, resp, coordinator)
    other = app.test_client()  # someone else's session goes on
    page = other.get("/login")
    resp = other.post(
        "/login",
        data={"email": users["admin"].email, "password": "correct-horse-1", "csrf_token": csrf_token(page.text)},
    )
    pass_second_factor(other, resp, users["admin"])
    assert logged_in(laptop) and logged_in(phone) and logged_in(other)
    assert service.deactivate(now, coordinator) == 2
    assert [(r.ended_at, r.end_reason) for r in rows(coordinator)] == [(now, "deactivated")] * 2
    assert not logged_in(laptop) and not logged_in(phone) and logged_in(other)


def test_the_users_cli_deactivates_and_ends_the_sessions(app, client, login, users):
    login(users["police"])
    result = app.test_cli_runner().invoke(args=["users", "deactivate", users["police"].email])
    assert result.exit_code == 0 and "ended 1 open session" in result.output
    assert not logged_in(client)


def test_a_coordinator_idle_for_30_minutes_is_logged_out(app, client, login, users, now):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    login(users["coordinator"])
    at(app, now + 29 * MIN)
    assert logged_in(client)  # use keeps it going:
    at(app, now + 58 * MIN)
    assert logged_in(client)
    at(app, now + 88 * MIN)
    assert not logged_in(client)
    [row] = rows(users["coordinator"])
    assert row.end_reason == "idle" and row.ended_at == now + 88 * MIN
    at(app, now + 89 * MIN)
    assert not logged_in(client)  # it stays ended


@pytest.mark.parametrize("role", ["comensha", "admin"])
def test_comensha_and_admins_have_the_short_idle_time_too(app, client, login, users, now, role):
    login(users[role])
    at(app, now + 30 * MIN)
    assert not logged_in(client)


@pytest.mark.parametrize("role", ["police", "shelter_staff"])
def test_police_and_shelter_staff_keep_a_longer_idle_time(app, client, login, users, now, role):
    assert app.config["SESSION_IDLE_MINUTES_OTHER"] == 12 * 60
    login(users[role])
    at(app, now + 11 * 60 * MIN)
    assert logged_in(client)


def test_the_idle_time_is_a_setting(app, client, login, users, now):
    app.config["SESSION_IDLE_MINUTES"] = 5
    login(users["coordinator"])
    at(app, now + 4 * MIN)
    assert logged_in(client)
    at(app, now + 9 * MIN)
    assert not logged_in(client)


def test_every_session_ends_at_the_maximum_however_busy(app, client, login, users, now):
    maximum = app.permanent_session_lifetime
    assert maximum == dt.timedelta(hours=12)
    login(users["police"])
    moment = now
    while moment + 20 * MIN < now + maximum:
        moment += 20 * MIN
        at(app, moment)
        assert logged_in(client)
    at(app, now + maximum)
    assert not logged_in(client)
    assert rows(users["police"])[0].end_reason == "expired"


def test_a_read_writes_last_seen_at_most_once_a_minute(app, client, login, users, now, sql_log):
    login(users["coordinator"])

    def writes():
        before = len(sql_log)
        assert logged_in(client)
        return sum(1 for s in sql_log[before:] if s.startswith("UPDATE sessions"))

    assert writes() == 0  # seen at login
    at(app, now + MIN)
    assert writes() == 1
    assert [writes() for _ in range(5)] == [0] * 5
    at(app, now + MIN + 59 * dt.timedelta(seconds=1))
    assert writes() == 0
    at(app, now + 2 * MIN)
    assert writes() == 1
    assert rows(users["coordinator"])[0].last_seen_at == now + 2 * MIN


def test_the_short_idle_time_follows_the_roles_that_need_a_second_factor(app, users):
    from accounts import sessions

    assert sessions.idle_limit(users["coordinator"].role) == 30 * MIN
    assert sessions.idle_limit(users["police"].role) == 720 * MIN
    app.config["MFA_REQUIRED_ROLES"] = (users["police"].role,)  # the police asked to use a second factor too
    assert sessions.idle_limit(users["police"].role) == 30 * MIN
    assert sessions.idle_limit(users["coordinator"].role) == 720 * MIN
