"""The second factor (TOTP and recovery codes), required by role; an admin's reset; API tokens that expire.

Codes are computed with pyotp at the app's clock (pinned at NOW), never the real one.
"""

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from accounts import mfa, service
from accounts.models import RecoveryCode, User
from audit.models import AuditEntry
from errors import NotAuthenticated, TooManyRequests, ValidationError
from extensions import db
from tests.conftest import csrf_token, secret_on

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def password_step(client, user, password="correct-horse-1"):
    html = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"email": user.email, "password": password, "csrf_token": csrf_token(html)})


def post_form(client, url, **data):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(html)})


def enrolled(user, now, secret=SECRET):
    """The user enrolled with a known secret (at NOW - 1 h, so NOW's code is still fresh); their recovery codes."""
    codes = mfa.enrol(now - dt.timedelta(hours=1), user, secret, pyotp.TOTP(secret).at(now - dt.timedelta(hours=1)))
    return codes


def code_at(moment, secret=SECRET):
    return pyotp.TOTP(secret).at(moment)


# --- who needs it ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "comensha", "admin"])
def test_roles_that_need_it_enrol_before_any_page_opens(client, users, role):
    resp = password_step(client, users[role])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/instellen")
    # Password right, second factor not: still nobody, for every page.
    for url in ("/", "/aanvragen", "/landelijk", "/beheer/audit"):
        assert "/login" in client.get(url).headers["Location"]
    html = client.get("/login/instellen").get_data(as_text=True)
    assert "<svg" in html and 'id="mfa-secret"' in html  # the QR code drawn here, and the key to type


@pytest.mark.parametrize("role", ["police", "shelter_staff"])
def test_roles_where_it_is_optional_log_in_with_the_password(client, users, role):
    resp = password_step(client, users[role])
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_required_roles_are_a_setting(app, client, users):
    app.config["MFA_REQUIRED_ROLES"] = ("police",)
    assert password_step(client, users["police"]).headers["Location"].endswith("/login/instellen")
    assert password_step(client, users["coordinator"]).headers["Location"] == "/"


def test_an_optional_role_that_enrolled_gives_a_code_too(client, users, now):
    enrolled(users["police"], now)
    assert password_step(client, users["police"]).headers["Location"].endswith("/login/code")


# --- enrolment ---------------------------------------------------------------------------------------


def test_enrolment_checks_a_code_then_shows_ten_recovery_codes_once(client, users, now):
    user = users["coordinator"]
    password_step(client, user)
    html = client.get("/login/instellen").get_data(as_text=True)
    secret = secret_on(html)
    wrong = client.post("/login/instellen", data={"code": "000000", "csrf_token": csrf_token(html)})
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.get_data(as_text=True)
    assert db.session.get(User, user.id).mfa_secret is None
    done = client.post("/login/instellen", data={"code": code_at(now, secret), "csrf_token": csrf_token(html)})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and page.count("<li><code>") == mfa.RECOVERY_CODES
    db.session.expire_all()
    assert db.session.get(User, user.id).mfa_secret == secret
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not any(h in page for h in stored)  # hashed at rest
    assert client.get("/").status_code == 200  # logged in now
    # The secret is never shown again: the enrolment page sends an enrolled person home.
    again = client.get("/login/instellen")
    assert again.status_code == 302 and secret not in again.get_data(as_text=True)


def test_the_pending_login_lapses_after_ten_minutes(app, client, users, now):
    password_step(client, users["coordinator"])
    app.config["FROZEN_NOW"] = now + dt.timedelta(minutes=11)
    assert client.get("/login/instellen").headers["Location"].endswith("/login")


# --- a code at login ---------------------------------------------------------------------------------


def test_a_code_logs_in_and_cannot_be_used_again(client, users, now):
    user = users["admin"]
    enrolled(user, now)
    assert password_step(client, user).headers["Location"].endswith("/login/code")
    assert client.get("/beheer/audit").status_code == 302
    resp = post_form(client, "/login/code", code=code_at(now))
    assert resp.status_code == 302 and client.get("/beheer/audit").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    password_step(client, user)
    replay = post_form(client, "/login/code", code=code_at(now))
    assert replay.status_code == 401 and "al gebruikt" in replay.get_data(as_text=True)
    # The next time step's code (a phone's clock a little ahead) still works once.
    assert post_form(client, "/login/code", code=code_at(now + dt.timedelta(seconds=30))).status_code == 302


@pytest.mark.parametrize("offset,ok", [(-30, True), (0, True), (30, True), (-60, False), (60, False), (3600, False)])
def test_the_code_of_one_step_either_side_is_accepted(users, now, offset, ok):
    user = users["coordinator"]
    enrolled(user, now)
    if ok:
        mfa.verify(now, user, code_at(now + dt.timedelta(seconds=offset)))
    else:
        with pytest.raises(NotAuthenticated):
            mfa.verify(now, user, code_at(now + dt.timedelta(seconds=offset)))


def test_a_wrong_code_is_named_beside_the_field_in_dutch(client, users, now):
    enrolled(users["coordinator"], now)
    password_step(client, users["coordinator"])
    resp = post_form(client, "/login/code", code="12345")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 401 and 'id="code-error"' in html and "klopt niet" in html
    assert 'aria-describedby="code-error"' in html


def test_codes_are_rate_limited_like_the_password(client, users, now):
    enrolled(users["coordinator"], now)
    password_step(client, users["coordinator"])
    wrong = "000000" if code_at(now) != "000000" else "111111"
    for _ in range(5):
        assert post_form(client, "/login/code", code=wrong).status_code == 401
    resp = post_form(client, "/login/code", code=code_at(now))
    assert resp.status_code == 429  # even the right code waits once the limit is reached
    assert client.get("/").status_code == 302


# --- recovery codes ----------------------------------------------------------------------------------


def test_a_recovery_code_works_once(client, users, now):
    user = users["coordinator"]
    codes = enrolled(user, now)
    password_step(client, user)
    assert post_form(client, "/login/herstelcode", recovery_code="nope-nope").status_code == 401
    resp = post_form(client, "/login/herstelcode", recovery_code=codes[0].upper())  # as typed from paper
    assert resp.status_code == 302 and client.get("/").status_code == 200
    assert mfa.recovery_codes_left(user) == 9
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    password_step(client, user)
    again = post_form(client, "/login/herstelcode", recovery_code=codes[0])
    assert again.status_code == 401 and "al gebruikt" in again.get_data(as_text=True)
    with pytest.raises(NotAuthenticated):
        mfa.use_recovery_code(now, user, codes[0])
    assert mfa.use_recovery_code(now, user, codes[1]) == 8


def test_recovery_codes_count_towards_the_limit(users, now):
    user = users["coordinator"]
    codes = enrolled(user, now)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            mfa.use_recovery_code(now, user, "wrong-guess")
    with pytest.raises(TooManyRequests):
        mfa.use_recovery_code(now, user, codes[0])


# --- an admin's reset --------------------------------------------------------------------------------


def test_an_admin_resets_a_second_factor_audited_and_the_person_enrols_again(client, login, users, now):
    person = users["coordinator"]
    codes = enrolled(person, now)
    login(users["admin"])
    listing = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert person.email in listing and "Tweede factor resetten" in listing
    resp = post_form(client, f"/beheer/gebruikers/{person.id}/tweede-factor-resetten")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).mfa_secret is None
    assert db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == person.id)) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.mfa_reset"))
    assert entry.entity_id == str(person.id) and entry.actor == users["admin"].email
    other = client.application.test_client()
    assert password_step(other, person).headers["Location"].endswith("/login/instellen")
    with pytest.raises(NotAuthenticated):
        mfa.use_recovery_code(now, db.session.get(User, person.id), codes[1])


def test_only_an_admin_may_reset(client, login, users, now):
    enrolled(users["coordinator"], now)
    login(users["comensha"])
    html = client.get("/").get_data(as_text=True)
    resp = client.post(
        f"/beheer/gebruikers/{users['coordinator'].id}/tweede-factor-resetten", data={"csrf_token": csrf_token(html)}
    )
    assert resp.status_code == 403 and db.session.get(User, users["coordinator"].id).mfa_secret == SECRET


def test_the_cli_resets_too(app, users, now):
    enrolled(users["coordinator"], now)
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", users["coordinator"].email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, users["coordinator"].id).mfa_secret is None


def test_enrolment_refuses_a_wrong_code(users, now):
    with pytest.raises(ValidationError) as err:
        mfa.enrol(now, users["coordinator"], SECRET, "123")
    assert err.value.field == "code"


# --- API tokens expire, and show their last use ------------------------------------------------------


def test_a_token_expires_after_the_setting_with_a_clear_json_error(app, client, users, now):
    app.config["API_TOKEN_DAYS"] = 30
    token = service.issue_token(now, users["police"])
    auth = {"Authorization": f"Bearer {token}"}
    app.config["FROZEN_NOW"] = now + dt.timedelta(days=30) - dt.timedelta(seconds=1)
    assert client.get("/api/v1/regions", headers=auth).status_code == 200
    app.config["FROZEN_NOW"] = now + dt.timedelta(days=30)
    resp = client.get("/api/v1/regions", headers=auth)
    assert resp.status_code == 401
    error = resp.json["error"]
    assert error["code"] == "token_expired" and error["field"] == "Authorization" and "verlopen" in error["message"]


def test_the_default_expiry_is_90_days(users, now):
    service.issue_token(now, users["police"])
    (row,) = service.tokens_of(users["police"])
    assert row.expires_at == now + dt.timedelta(days=90)


def test_last_use_and_expiry_are_shown_to_admins_and_by_the_cli(app, client, login, users, api, now):
    assert api("police", "GET", "/api/v1/regions").status_code == 200
    login(users["admin"])
    row = client.get("/beheer/gebruikers").get_data(as_text=True).split(f'id="user-{users["police"].id}"')[1]
    row = row.split("</tr>")[0]
    assert (
        "laatst gebruikt zo\u00a022\u00a0nov\u00a002:30" in row
        and "geldig tot za\u00a020\u00a0feb\u00a02027\u00a002:30" in row
    )
    out = app.test_cli_runner().invoke(args=["users", "tokens", users["police"].email]).output
    assert "active" in out and "last used 2026-11-22 02:30" in out and "expires 2027-02-20 02:30" in out


def test_an_optional_role_sets_it_up_from_the_start_page(client, login, users, now):
    police = users["police"]
    login(police)
    assert "/login/instellen" in client.get("/").get_data(as_text=True)
    html = client.get("/login/instellen").get_data(as_text=True)
    done = client.post("/login/instellen", data={"code": code_at(now, secret_on(html)), "csrf_token": csrf_token(html)})
    assert done.status_code == 200 and 'id="recovery-codes"' in done.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still logged in
    other = client.application.test_client()
    assert password_step(other, police).headers["Location"].endswith("/login/code")


def test_a_reset_ends_the_persons_sessions(app, login, users, now):
    """A lost phone may be in other hands: whoever is logged in as that person is logged out."""
    coordinator = users["coordinator"]
    phone = login(coordinator)
    assert phone.get("/").status_code == 200
    mfa.reset(now, coordinator, actor=users["admin"])
    assert phone.get("/").status_code == 302
