"""Login, sessions, CSRF, rate limit, API tokens and the users CLI."""

import re

import pytest
from sqlalchemy import select

from accounts import service
from accounts.models import ApiToken, User
from extensions import db
from tests.conftest import csrf_token


def login_form(client, email, password):
    html = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(html)})


def test_login_sets_a_safe_session_cookie(app, client, users):
    app.config["SESSION_COOKIE_SECURE"] = True
    resp = login_form(client, users["police"].email, "correct-horse-1")
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_refused_in_dutch(client, users):
    resp = login_form(client, users["police"].email, "wrong")
    assert resp.status_code == 401 and "klopt niet" in resp.get_data(as_text=True)


def test_login_is_rate_limited(client, users):
    for _ in range(5):
        assert login_form(client, users["police"].email, "wrong").status_code == 401
    resp = login_form(client, users["police"].email, "correct-horse-1")
    assert resp.status_code == 429  # even the right password waits once the limit is reached


def test_login_without_csrf_token_is_refused(client, users):
    resp = client.post("/login", data={"email": users["police"].email, "password": "correct-horse-1"})
    assert resp.status_code == 400


def test_login_never_redirects_off_site(client, users):
    html = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login?next=//evil.example/x",
        data={"email": users["police"].email, "password": "correct-horse-1", "csrf_token": csrf_token(html)},
    )
    assert resp.headers["Location"] == "/"


def test_passwords_and_tokens_are_hashed_at_rest(users, tokens):
    user = db.session.get(User, users["police"].id)
    assert "correct-horse-1" not in user.password_hash
    rows = db.session.scalars(select(ApiToken)).all()
    assert rows and all(t.token_hash not in tokens.values() and len(t.token_hash) == 64 for t in rows)


def test_revoked_token_stops_working(api, tokens, users, now):
    assert api("police", "GET", "/api/v1/regions").status_code == 200
    row = db.session.scalars(select(ApiToken).where(ApiToken.user_id == users["police"].id)).one()
    service.revoke_token(now, row.id, users["admin"])
    assert api("police", "GET", "/api/v1/regions").status_code == 401


def test_garbage_token_is_401(client, registry):
    resp = client.get("/api/v1/regions", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401 and resp.json["error"]["code"] == "not_authenticated"


def test_session_cookie_does_not_open_the_api(client, login, users):
    login(users["admin"])
    assert client.get("/api/v1/regions").status_code == 401


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"role": "janitor"}, "role"),
        ({"password": "short"}, "password"),
        ({"password": "eleven-char"}, "password"),
        ({"password": "1Q2W3E4R5T6Y"}, "password"),  # a common one, in any case
        ({"role": "shelter_staff"}, "shelter"),
        ({"role": "coordinator"}, "region"),
        ({"role": "coordinator", "region_codes": ["atlantis"]}, "region"),
    ],
)
def test_create_user_names_the_bad_field(app, registry, now, kwargs, field):
    from errors import ValidationError

    args = {"email": "x@test.nl", "password": "long-enough-1", "role": "police", **kwargs}
    with pytest.raises(ValidationError) as err:
        service.create_user(now, **args)
    assert err.value.field == field
    assert db.session.scalar(select(User).where(User.email == "x@test.nl")) is None


def test_users_cli_creates_and_issues_a_token(app, registry):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "coordinator",
            "--email",
            "c@test.nl",
            "--password",
            "long-enough-1",
            "--region",
            "rotterdam",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "token", "c@test.nl"])
    token = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and token.startswith("pk_")
    resp = app.test_client().get("/api/v1/regions", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


@pytest.mark.parametrize(
    "args,field",
    [
        (["--role", "janitor", "--email", "a@test.nl", "--password", "long-enough-1"], "role"),
        (["--role", "police", "--email", "nope", "--password", "long-enough-1"], "email"),
        (
            ["--role", "shelter_staff", "--email", "a@test.nl", "--password", "long-enough-1", "--shelter", "999"],
            "shelter",
        ),
    ],
)
def test_users_cli_bad_input_exits_2_with_one_line(app, registry, args, field):
    result = app.test_cli_runner().invoke(args=["users", "create", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}:")
    assert db.session.scalar(select(User).where(User.email == "a@test.nl")) is None


def test_users_cli_revokes_tokens(app, api, users):
    assert api("police", "GET", "/api/v1/regions").status_code == 200
    result = app.test_cli_runner().invoke(args=["users", "revoke-tokens", users["police"].email])
    assert result.exit_code == 0 and "revoked 1 token" in result.output
    assert api("police", "GET", "/api/v1/regions").status_code == 401
    missing = app.test_cli_runner().invoke(args=["users", "revoke-tokens", "nobody@test.nl"])
    assert missing.exit_code == 2 and missing.stderr.strip() == "error: email: no such user"


def test_the_login_forms_put_the_cursor_in_their_first_field(client, users):
    """At night on a phone: typing starts at once, without a tap on the field first."""
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input id="email"[^>]* autofocus>', html) and not re.search(r'id="password"[^>]*autofocus', html)
    html = login_form(client, users["police"].email, "fout").get_data(
        as_text=True
    )  # the e-mail address is kept; the focus goes to the error summary, which links to the field
    summary = re.search(r'<div class="error-summary"[^>]*>', html)
    assert summary and "autofocus" in summary.group(0) and 'href="#email"' in html
    assert 'value="' + users["police"].email + '"' in html
    assert not re.search(r'id="(email|password)"[^>]*autofocus', html)
