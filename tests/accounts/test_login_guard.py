"""The login's guards (accounts/login_guard.py): where it sends you after, which passwords may be set,
the same work for every account, failures per account counted atomically, old attempts purged."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from accounts import login_guard, service
from accounts.models import LoginAttempt, User
from errors import NotAuthenticated, TooManyRequests, ValidationError
from extensions import db
from tests.conftest import NOW, csrf_token, run_concurrently

# --- after login, only to a page of our own ----------------------------------------------------------

NASTY_NEXT = [
    "//evil.example/x",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "/\r\nLocation: http://evil.example",
    "/%00",
    "/ /evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "///evil.example",
    "\\\\evil.example",
    "evil.example",
    "/%E2%80%A8evil",
    "/\u2028evil",
    "/" + "a" * 5000,
]


@pytest.mark.parametrize("target", NASTY_NEXT)
def test_login_never_redirects_off_site(client, users, target):
    html = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"email": users["police"].email, "password": "correct-horse-1", "csrf_token": csrf_token(html)},
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/verzoeken", "/verzoeken/12?tab=tijdlijn", "/landelijk?dagen=7#actualiteit"])
def test_login_returns_to_a_local_page(client, users, target):
    html = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"email": users["police"].email, "password": "correct-horse-1", "csrf_token": csrf_token(html)},
    )
    assert resp.status_code == 302 and resp.headers["Location"] == target


def test_next_in_a_raw_query_string_never_500s(client, users):
    # The finding's own request: the query string as an attacker writes it, not encoded by the test client.
    for raw in ("next=/%09/evil.example", "next=/\\evil.example", "next=/%0d%0aX:%20y", "next=%ff%fe"):
        html = client.get("/login").get_data(as_text=True)
        resp = client.post(
            "/login?" + raw,
            data={"email": users["police"].email, "password": "correct-horse-1", "csrf_token": csrf_token(html)},
        )
        assert resp.status_code == 302 and resp.headers["Location"] == "/", raw


# --- password policy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["", "eleven-char", "123456789012", "1q2w3e4r5t6y", "QwertyQwerty", "aaaaaaaaaaaaaa", None]
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError) as err:
        login_guard.check_password_policy(password)
    assert err.value.field == "password"


@pytest.mark.parametrize("password", ["correct-horse-1", "long-enough-1", "piket-demo-2026", "Nachtdienst 2026!"])
def test_good_passwords_pass(password):
    assert login_guard.check_password_policy(password) == password


def test_the_common_list_is_shipped_and_large():
    common = login_guard.common_passwords()
    assert len(common) > 10_000 and "password" in common and "iloveyou" in common


def test_users_cli_refuses_a_common_password(app, registry):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "admin", "--email", "a@test.nl", "--password", "1q2w3e4r5t6y"]
    )
    assert result.exit_code == 2 and result.stderr.startswith("error: password:")
    assert db.session.scalar(select(User).where(User.email == "a@test.nl")) is None


# --- the same work for unknown, inactive and real accounts -----------------------------------------------


def test_every_login_checks_one_hash(app, users, monkeypatch, now):
    calls = []
    real = login_guard.check_password_hash
    monkeypatch.setattr(login_guard, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    inactive = users["comensha"]
    inactive.active = False
    db.session.commit()
    for email in (users["police"].email, "nobody@test.nl", inactive.email, "?" * 300):
        with pytest.raises(NotAuthenticated):
            service.login(now, email, "wrong-password-1", "10.0.0.1", 5, 15)
    with pytest.raises(NotAuthenticated):  # the right password of an inactive account: still one hash, refused
        service.login(now, inactive.email, "correct-horse-1", "10.0.0.2", 5, 15)
    assert len(calls) == 5
    # The dummy hash is of the configured method, so it costs what a real one costs.
    assert calls[1].split("$")[0] == users["police"].password_hash.split("$")[0]


# --- per-account lockout, counted atomically -------------------------------------------------------------


def _attempts(key):
    return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.key == key))


def test_rotating_addresses_meet_the_account_limit(app, users, now):
    police = users["police"].email
    limit = app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    assert limit == 10
    for k in range(limit):
        with pytest.raises(NotAuthenticated):
            service.login(now, police, "wrong", f"10.1.0.{k}", 5, 15)
    # An eleventh client, with the right password: the account waits for the window.
    with pytest.raises(TooManyRequests):
        service.login(now, police, "correct-horse-1", "10.1.0.99", 5, 15)
    # The refused attempt was not counted, so the lock ends a window after the last evaluated failure.
    assert _attempts(login_guard.account_key(police)) == limit
    assert service.login(now + dt.timedelta(minutes=15, seconds=1), police, "correct-horse-1", "10.1.0.99", 5, 15)
    # Another account is untouched.
    assert service.login(now, users["admin"].email, "correct-horse-1", "10.1.0.99", 5, 15)


def test_concurrent_failures_do_not_pass_the_limit(app, users, monkeypatch):
    police = users["police"].email
    db.session.commit()
    evaluated = []
    real = login_guard.check_password_hash
    monkeypatch.setattr(login_guard, "check_password_hash", lambda h, p: evaluated.append(1) or real(h, p))

    def attempt(k):
        with app.app_context():
            try:
                service.login(NOW, police, "wrong", f"10.2.0.{k % 3}", 5, 15)
            finally:
                db.session.remove()

    errors = run_concurrently(attempt, [(k,) for k in range(24)])
    assert all(isinstance(e, (NotAuthenticated, TooManyRequests)) for e in errors), errors
    # At most the account's limit of wrong passwords was tried, and each client at most its own limit.
    assert len(evaluated) <= 10 and sum(isinstance(e, NotAuthenticated) for e in errors) == len(evaluated)
    assert len(evaluated) >= 5  # some were tried: the guard is not simply shut
    db.session.rollback()
    for c in range(3):
        assert _attempts(f"{police}|10.2.0.{c}") <= 5


# --- old attempts purged by the worker ----------------------------------------------------------------


def test_the_worker_purges_attempts_older_than_the_window(app, users, now):
    from app import WORKER_JOBS

    assert app.extensions["worker_jobs"]["purge_login_attempts"] == WORKER_JOBS["purge_login_attempts"]
    purge = WORKER_JOBS["purge_login_attempts"][0]
    for minutes in (30, 16, 14, 0):
        with pytest.raises(NotAuthenticated):
            service.login(now - dt.timedelta(minutes=minutes), users["police"].email, "wrong", "10.0.0.1", 50, 60)
    assert purge(now) == 4  # two attempts older than 15 minutes, each counted per client and per account
    left = db.session.scalars(select(LoginAttempt.at)).all()
    assert sorted(set(left)) == [now - dt.timedelta(minutes=14), now]
    assert purge(now) == 0
