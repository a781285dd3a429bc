"""Managing accounts without a developer (issue 16, item 1): admins manage everyone; a region's coordinator
lead the police, shelter staff and coordinators of their own regions, never more. The rule (accounts/admin.py)
holds on the pages and in the API alike; bad input is refused with the field named and nothing stored; every
change is audited."""

import pytest
from sqlalchemy import func, select

from accounts import admin, service
from accounts.models import LoginSession, PasswordReset, User
from audit.models import AuditEntry
from errors import Forbidden
from extensions import db
from notify.models import NotificationAttempt
from tests.conftest import csrf_token


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def actions(user_id) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "user", AuditEntry.entity_id == str(user_id))
            .order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def lead(registry, make_user):
    """A coordinator of Rotterdam who leads it."""
    user = make_user("coordinator", regions=["rotterdam"], email="lead@test.nl")
    user.is_lead = True
    db.session.commit()
    return user


@pytest.fixture
def people(registry, make_user):
    """Accounts inside and outside Rotterdam, of every kind a lead meets."""
    s = registry["shelters"]
    other_lead = make_user("coordinator", regions=["rotterdam"], email="lead2@test.nl")
    other_lead.is_lead = True
    db.session.commit()
    return {
        "coord_rot": make_user("coordinator", regions=["rotterdam"], email="c-rot@test.nl"),
        "coord_ams": make_user("coordinator", regions=["amsterdam"], email="c-ams@test.nl"),
        "coord_both": make_user("coordinator", regions=["rotterdam", "amsterdam"], email="c-both@test.nl"),
        "police_rot": make_user("police", regions=["rotterdam"], email="p-rot@test.nl"),
        "police_none": make_user("police", email="p-none@test.nl"),
        "staff_rot": make_user("shelter_staff", shelters=[s["rot-cosm"]], email="s-rot@test.nl"),
        "staff_ams": make_user("shelter_staff", shelters=[s["ams-vo"]], email="s-ams@test.nl"),
        "comensha": make_user("comensha", email="cm@test.nl"),
        "admin": make_user("admin", email="adm@test.nl"),
        "other_lead": other_lead,
    }


@pytest.fixture
def lead_api(client, lead, now):
    token = service.issue_token(now, lead)

    def call(method, url, **kwargs):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return call


# --- the rule -----------------------------------------------------------------------------------------------


def test_who_is_a_manager(users, lead, make_user):
    assert admin.is_manager(users["admin"]) and admin.is_manager(lead)
    assert not admin.is_manager(users["coordinator"])  # not a lead
    for role in ("police", "shelter_staff", "comensha"):
        assert not admin.is_manager(users[role])
    lead.active = False
    assert not admin.is_manager(lead)
    nowhere = make_user("coordinator", regions=["rotterdam"])
    nowhere.is_lead, nowhere.regions = True, []
    assert not admin.is_manager(nowhere)  # a lead of no region leads nothing


MANAGED_BY_LEAD = {"coord_rot", "police_rot", "staff_rot"}


def test_a_lead_manages_only_lead_roles_bound_to_their_regions(lead, people, users):
    assert {k for k, u in people.items() if admin.may_manage(lead, u)} == MANAGED_BY_LEAD
    assert not admin.may_manage(lead, lead)  # a lead's own account is an admin's
    assert all(admin.may_manage(users["admin"], u) for u in people.values())
    assert not any(admin.may_manage(users["coordinator"], u) for u in people.values())


def in_rotterdam(people, users) -> set[str]:
    """What the Rotterdam lead manages: these people, and the users fixture's coordinator and staff."""
    return {people[k].email for k in MANAGED_BY_LEAD} | {users["coordinator"].email, users["shelter_staff"].email}


def test_the_list_shows_a_lead_only_what_they_manage_filtered_by_role_and_region(lead, people, users):
    assert {u.email for u in admin.visible_users(lead)} == in_rotterdam(people, users)
    assert [u.email for u in admin.visible_users(lead, role="police")] == ["p-rot@test.nl"]
    assert admin.visible_users(lead, region="amsterdam") == []
    everyone = admin.visible_users(users["admin"])
    assert len(everyone) == count(User)
    in_ams = {u.email for u in admin.visible_users(users["admin"], region="amsterdam")}
    assert in_ams == {"c-ams@test.nl", "c-both@test.nl", "s-ams@test.nl"}  # staff by their shelter's region
    with pytest.raises(Forbidden):
        admin.visible_users(users["coordinator"])


# --- the API: admins ----------------------------------------------------------------------------------------


def test_an_admin_creates_an_account_that_sets_its_own_password(api, client, users, registry, now):
    body = {"email": "New@Test.nl", "name": "Nieuwe Coördinator", "role": "coordinator", "regions": ["rotterdam"]}
    resp = api("admin", "POST", "/api/v1/users", json=body)
    assert resp.status_code == 201, resp.json
    user = db.session.get(User, resp.json["user"]["id"])
    assert (user.email, user.role, user.region_ids) == (
        "new@test.nl",
        "coordinator",
        {registry["regions"]["rotterdam"].id},
    )
    assert resp.json["password_link"].startswith("http") and "/wachtwoord/" in resp.json["password_link"]
    assert actions(user.id) == ["user.create", "user.password_link"]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.entity_id == str(user.id))
    )
    assert entry.actor == users["admin"].email and entry.source == "api"
    token = resp.json["password_link"].rsplit("/", 1)[1]
    assert token not in repr(entry.after) and db.session.scalar(select(PasswordReset.token_hash)) != token
    # No password anyone knows: the link sets it.
    page = client.get(f"/wachtwoord/{token}")
    assert page.status_code == 200
    done = client.post(
        f"/wachtwoord/{token}",
        data={"password": "a-new-long-one-7", "confirmation": "a-new-long-one-7", "csrf_token": csrf_token(page.text)},
    )
    assert done.status_code == 302
    assert service.login(now, "new@test.nl", "a-new-long-one-7", "1.2.3.4", 5, 15).id == user.id


def test_get_one_and_list_with_filters(api, users, people):
    one = api("admin", "GET", f"/api/v1/users/{people['staff_ams'].id}")
    assert one.status_code == 200 and one.json["email"] == "s-ams@test.nl" and one.json["shelters"]
    assert "password_hash" not in one.json and "mfa_secret" not in one.json
    listed = api("admin", "GET", "/api/v1/users?role=coordinator&region=amsterdam").json["users"]
    assert {u["email"] for u in listed} == {"c-ams@test.nl", "c-both@test.nl"}
    assert api("admin", "GET", "/api/v1/users?role=janitor").json["error"]["field"] == "role"
    assert api("admin", "GET", "/api/v1/users/999999").status_code == 404


BAD_CREATE = [
    ({"role": "police"}, "email", 422),
    ({"email": "geen-adres", "role": "police"}, "email", 422),
    ({"email": "x@test.nl", "role": "janitor"}, "role", 422),
    ({"email": "x@test.nl"}, "role", 422),
    ({"email": "x@test.nl", "role": "coordinator"}, "regions", 422),
    ({"email": "x@test.nl", "role": "coordinator", "regions": ["atlantis"]}, "regions", 422),
    ({"email": "x@test.nl", "role": "coordinator", "regions": "rotterdam,"}, "regions", 422),
    ({"email": "x@test.nl", "role": "shelter_staff"}, "shelters", 422),
    ({"email": "x@test.nl", "role": "shelter_staff", "shelters": [999999]}, "shelters", 422),
    ({"email": "x@test.nl", "role": "shelter_staff", "shelters": [True]}, "shelters", 422),
    ({"email": "x@test.nl", "role": "police", "phone": "bel me"}, "phone", 422),
    ({"email": "x@test.nl", "role": "police", "phone": 612345678}, "phone", 422),
    ({"email": "x@test.nl", "role": "police", "is_lead": True}, "is_lead", 422),
    ({"email": "x@test.nl", "role": "police", "is_lead": "soms"}, "is_lead", 422),
    ({"email": "x@test.nl", "role": "police", "name": "<b>x</b>"}, "name", 422),
    ({"email": "x@test.nl", "role": "police", "password": "long-enough-1"}, "password", 422),  # never a password
    ({"email": "admin0@test.nl", "role": "police"}, "email", 409),  # taken (case-blind)
]


@pytest.mark.parametrize("body,field,status", BAD_CREATE, ids=[f"{f}-{i}" for i, (_b, f, _s) in enumerate(BAD_CREATE)])
def test_bad_input_on_create_names_the_field_and_stores_nothing(api, users, body, field, status):
    if body.get("email") == "admin0@test.nl":
        body = {**body, "email": users["admin"].email.upper()}
    before = (count(User), count(AuditEntry), count(PasswordReset))
    resp = api("admin", "POST", "/api/v1/users", json=body)
    assert resp.status_code == status and resp.json["error"]["field"] == field, resp.json
    assert (count(User), count(AuditEntry), count(PasswordReset)) == before


def test_a_body_that_is_not_json_is_refused(api, users):
    resp = api("admin", "POST", "/api/v1/users", data="email=x", content_type="text/plain")
    assert resp.status_code == 400 and resp.json["error"]["field"] == "body"


def test_patch_changes_only_the_fields_given_and_audits_before_and_after(api, users, people, registry):
    target = people["police_rot"]
    resp = api("admin", "PATCH", f"/api/v1/users/{target.id}", json={"name": "Agent Jansen", "phone": "+31612340000"})
    assert resp.status_code == 200, resp.json
    assert resp.json["name"] == "Agent Jansen" and resp.json["phone"] == "+31612340000"
    assert resp.json["regions"] == ["rotterdam"] and resp.json["role"] == "police"
    update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert update.before == {"name": ""} and update.after == {"name": "Agent Jansen"}
    assert "user.phone" in actions(target.id)


def test_a_bad_phone_in_a_patch_stores_nothing_of_it(api, people):
    target = people["police_rot"]
    before = count(AuditEntry)
    resp = api("admin", "PATCH", f"/api/v1/users/{target.id}", json={"name": "Nieuw", "phone": "x" * 30})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "phone"
    db.session.expire_all()
    assert target.name == "" and target.phone is None and count(AuditEntry) == before


@pytest.mark.parametrize(
    "body,field",
    [
        ({"email": "ander@test.nl"}, "email"),
        ({"role": "shelter_staff"}, "shelters"),  # a new role needs its bindings
        ({"regions": []}, "regions"),
        ({"is_lead": True, "role": "police"}, "is_lead"),
        ({"wachtwoord": "x"}, "wachtwoord"),
    ],
)
def test_bad_patches_are_refused(api, people, body, field):
    target = people["coord_rot"]
    before = count(AuditEntry)
    resp = api("admin", "PATCH", f"/api/v1/users/{target.id}", json=body)
    assert resp.status_code == 422 and resp.json["error"]["field"] == field, resp.json
    db.session.expire_all()
    assert target.role == "coordinator" and target.regions and count(AuditEntry) == before


def test_a_new_role_ends_the_accounts_sessions(app, api, login, people, users, now):
    target = people["police_rot"]
    login(target, "correct-horse-1")
    assert count(LoginSession) == 1
    resp = api("admin", "PATCH", f"/api/v1/users/{target.id}", json={"role": "coordinator"})
    assert resp.status_code == 200, resp.json
    row = db.session.scalar(select(LoginSession))
    assert row.ended_at == now and row.end_reason == "role"


def test_an_admin_neither_changes_their_own_role_nor_deactivates_themselves(api, users):
    me = users["admin"].id
    resp = api("admin", "PATCH", f"/api/v1/users/{me}", json={"role": "police"})
    assert resp.status_code == 403 and resp.json["error"]["field"] == "role"
    resp = api("admin", "POST", f"/api/v1/users/{me}/deactivate")
    assert resp.status_code == 403 and resp.json["error"]["field"] == "user"
    assert api("admin", "PATCH", f"/api/v1/users/{me}", json={"name": "Beheer"}).status_code == 200


def test_only_an_admin_makes_a_lead(api, people, lead_api):
    target = people["coord_rot"]
    resp = lead_api("PATCH", f"/api/v1/users/{target.id}", json={"is_lead": True})
    assert resp.status_code == 403 and resp.json["error"]["field"] == "is_lead"
    assert api("admin", "PATCH", f"/api/v1/users/{target.id}", json={"is_lead": True}).json["is_lead"] is True
    # Leaving the coordinator role leaves the lead too.
    resp = api("admin", "PATCH", f"/api/v1/users/{target.id}", json={"role": "police"})
    assert resp.status_code == 200 and resp.json["is_lead"] is False


def test_deactivate_ends_sessions_and_reactivate_lets_in_again(api, login, people, now):
    target = people["coord_rot"]
    login(target)
    resp = api("admin", "POST", f"/api/v1/users/{target.id}/deactivate")
    assert resp.status_code == 200 and resp.json["active"] is False and resp.json["sessions_ended"] == 1
    assert db.session.scalar(select(LoginSession.end_reason)) == "deactivated"
    again = api("admin", "POST", f"/api/v1/users/{target.id}/reactivate")
    assert again.status_code == 200 and again.json["active"] is True
    assert actions(target.id)[-2:] == ["user.deactivate", "user.reactivate"]
    assert service.login(now, target.email, "correct-horse-1", "9.9.9.9", 5, 15).id == target.id


# --- the API: a lead ----------------------------------------------------------------------------------------


def test_a_lead_manages_their_regions_accounts_over_the_api(lead_api, people, users, registry):
    listed = {u["email"] for u in lead_api("GET", "/api/v1/users").json["users"]}
    assert listed == in_rotterdam(people, users)
    cosm = registry["shelters"]["rot-cosm"].id
    made = lead_api("POST", "/api/v1/users", json={"email": "n@test.nl", "role": "shelter_staff", "shelters": [cosm]})
    assert made.status_code == 201, made.json
    assert lead_api("PATCH", f"/api/v1/users/{people['coord_rot'].id}", json={"name": "Kees"}).status_code == 200
    assert lead_api("POST", f"/api/v1/users/{people['police_rot'].id}/deactivate").status_code == 200
    assert lead_api("POST", f"/api/v1/users/{people['police_rot'].id}/reactivate").status_code == 200
    reset = lead_api("POST", f"/api/v1/users/{people['staff_rot'].id}/password-reset")
    assert reset.status_code == 200 and reset.json["via"] == "show" and "/wachtwoord/" in reset.json["link"]


LEAD_CREATE_REFUSED = [
    ({"email": "x@test.nl", "role": "admin"}, "role"),
    ({"email": "x@test.nl", "role": "comensha"}, "role"),
    ({"email": "x@test.nl", "role": "coordinator", "regions": ["amsterdam"]}, "regions"),
    ({"email": "x@test.nl", "role": "coordinator", "regions": ["rotterdam", "amsterdam"]}, "regions"),
    ({"email": "x@test.nl", "role": "coordinator", "regions": ["rotterdam"], "is_lead": True}, "is_lead"),
    ({"email": "x@test.nl", "role": "police"}, "regions"),  # police without a region would be nobody's
    ({"email": "x@test.nl", "role": "shelter_staff", "shelters": ["AMS"]}, "shelters"),
]


@pytest.mark.parametrize("body,field", LEAD_CREATE_REFUSED)
def test_a_lead_cannot_create_outside_their_scope(lead_api, registry, body, field):
    if body.get("shelters") == ["AMS"]:
        body = {**body, "shelters": [registry["shelters"]["ams-vo"].id]}
    before = (count(User), count(AuditEntry))
    resp = lead_api("POST", "/api/v1/users", json=body)
    assert resp.status_code == 403 and resp.json["error"]["field"] == field, resp.json
    assert (count(User), count(AuditEntry)) == before


@pytest.mark.parametrize(
    "who", ["coord_ams", "coord_both", "police_none", "staff_ams", "comensha", "admin", "other_lead"]
)
@pytest.mark.parametrize(
    "method,suffix,body",
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "x"}),
        ("POST", "/deactivate", None),
        ("POST", "/reactivate", None),
        ("POST", "/password-reset", None),
    ],
)
def test_a_lead_cannot_touch_an_account_outside_their_scope(lead_api, people, who, method, suffix, body):
    before = count(AuditEntry)
    resp = lead_api(method, f"/api/v1/users/{people[who].id}{suffix}", json=body)
    assert resp.status_code == 403 and resp.json["error"]["field"] == "user"
    assert count(AuditEntry) == before and count(PasswordReset) == 0


@pytest.mark.parametrize(
    "body,field",
    [
        ({"regions": ["amsterdam"]}, "regions"),
        ({"regions": ["rotterdam", "amsterdam"]}, "regions"),
        ({"role": "admin"}, "role"),
        ({"role": "comensha"}, "role"),
    ],
)
def test_a_lead_cannot_move_an_account_out_of_their_scope(lead_api, people, body, field):
    target = people["coord_rot"]
    resp = lead_api("PATCH", f"/api/v1/users/{target.id}", json=body)
    assert resp.status_code == 403 and resp.json["error"]["field"] == field
    db.session.expire_all()
    assert target.role == "coordinator" and [r.code for r in target.regions] == ["rotterdam"]


def test_a_coordinator_who_is_no_lead_manages_nothing(api, people):
    for method, url in [("GET", "/api/v1/users"), ("GET", f"/api/v1/users/{people['coord_rot'].id}")]:
        resp = api("coordinator", method, url)
        assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"


# --- the password link over the API ---------------------------------------------------------------------------


def test_a_reset_goes_by_sms_to_a_verified_phone_holding_only_the_link(api, people, monkeypatch):
    from accounts import phones

    target = people["coord_rot"]
    target.phone = "+31612340001"
    db.session.commit()
    monkeypatch.setattr(phones, "is_verified", lambda user: user.id == target.id)
    resp = api("admin", "POST", f"/api/v1/users/{target.id}/password-reset")
    assert resp.status_code == 200 and resp.json == {"via": "sms", "link": None}
    sms = db.session.scalar(select(NotificationAttempt))
    assert (sms.channel, sms.purpose, sms.to_number, sms.user_id) == (
        "sms",
        "password_reset",
        "+31612340001",
        target.id,
    )
    assert sms.body.startswith("http") and "/wachtwoord/" in sms.body and " " not in sms.body  # the link alone
    assert target.email not in sms.body and target.email.split("@")[0] not in sms.body
    assert db.session.scalar(select(AuditEntry.after).where(AuditEntry.action == "user.password_link"))["via"] == "sms"
    # Shown instead, on request.
    shown = api("admin", "POST", f"/api/v1/users/{target.id}/password-reset", json={"via": "show"})
    assert shown.json["via"] == "show" and "/wachtwoord/" in shown.json["link"]


def test_no_sms_to_an_unverified_phone(api, people):
    target = people["coord_rot"]
    target.phone = "+31612340001"  # typed in, never verified
    db.session.commit()
    resp = api("admin", "POST", f"/api/v1/users/{target.id}/password-reset", json={"via": "sms"})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "via"
    assert count(NotificationAttempt) == 0 and count(PasswordReset) == 0
    shown = api("admin", "POST", f"/api/v1/users/{target.id}/password-reset")
    assert shown.json["via"] == "show" and count(NotificationAttempt) == 0
    assert api("admin", "POST", f"/api/v1/users/{target.id}/password-reset", json={"via": "fax"}).status_code == 422


def test_no_link_for_a_deactivated_account(api, people):
    target = people["coord_rot"]
    api("admin", "POST", f"/api/v1/users/{target.id}/deactivate")
    resp = api("admin", "POST", f"/api/v1/users/{target.id}/password-reset")
    assert resp.status_code == 409 and resp.json["error"]["field"] == "user" and count(PasswordReset) == 0


# --- pages ----------------------------------------------------------------------------------------------------


def _post(client, url, data, page=None):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(html)})


def test_an_admin_creates_an_account_on_the_page_and_sees_the_link_once(client, login, users, registry):
    login(users["admin"])
    listing = client.get("/beheer/gebruikers")
    assert listing.status_code == 200 and "/beheer/gebruikers/nieuw" in listing.text
    resp = _post(
        client,
        "/beheer/gebruikers/nieuw",
        {"email": "w@test.nl", "name": "Wil", "role": "coordinator", "regions": ["rotterdam", "den-haag"], "phone": ""},
    )
    assert resp.status_code == 200 and 'id="password-link"' in resp.text, resp.text
    user = service.user_by_email("w@test.nl")
    assert {r.code for r in user.regions} == {"rotterdam", "den-haag"} and user.name == "Wil"
    token = resp.text.split("/wachtwoord/")[1].split("<")[0]
    assert token not in client.get(f"/beheer/gebruikers/{user.id}").text
    assert token not in client.get("/beheer/gebruikers").text


def test_a_page_shows_the_refusal_beside_the_field_and_stores_nothing(client, login, users):
    login(users["admin"])
    before = count(User)
    resp = _post(client, "/beheer/gebruikers/nieuw", {"email": "w@test.nl", "role": "coordinator", "name": "Wil"})
    assert resp.status_code == 422
    assert 'data-field="regions"' in resp.text and 'value="Wil"' in resp.text  # what was typed stays
    assert count(User) == before


def test_an_admin_edits_deactivates_and_reactivates_on_the_page(client, login, users, people):
    login(users["admin"])
    target = people["police_rot"]
    url = f"/beheer/gebruikers/{target.id}"
    resp = _post(client, url, {"name": "Agent", "role": "police", "regions": ["rotterdam"], "phone": "+31612349999"})
    assert resp.status_code == 302, resp.text
    db.session.expire_all()
    assert target.name == "Agent" and target.phone == "+31612349999"
    assert "opgeslagen" in client.get(url).text
    resp = _post(client, f"{url}/deactiveren", {}, page=url)
    assert resp.status_code == 302
    db.session.expire_all()
    assert not target.active and 'id="reactivate-form"' in client.get(url).text
    resp = _post(client, f"{url}/heractiveren", {}, page=url)
    db.session.expire_all()
    assert resp.status_code == 302 and target.active


def test_a_password_link_on_the_page(client, login, users, people):
    login(users["admin"])
    target = people["coord_rot"]
    url = f"/beheer/gebruikers/{target.id}"
    resp = _post(client, f"{url}/wachtwoord-link", {"via": "show"}, page=url)
    assert resp.status_code == 200 and 'id="password-link"' in resp.text
    resp = _post(client, f"{url}/wachtwoord-link", {"via": "sms"}, page=url)  # not verified
    assert resp.status_code == 422 and 'data-field="via"' in resp.text
    assert count(NotificationAttempt) == 0


def test_a_lead_on_the_pages(client, login, lead, people, registry):
    login(lead)
    home = client.get("/")
    assert "/beheer/gebruikers" in home.text  # the menu leads there
    listing = client.get("/beheer/gebruikers").text
    assert all(people[k].email in listing for k in MANAGED_BY_LEAD)
    assert not any(people[k].email in listing for k in people.keys() - MANAGED_BY_LEAD)
    assert "tweede-factor-resetten" not in listing  # an admin's button
    form = client.get("/beheer/gebruikers/nieuw").text
    assert 'value="rotterdam"' in form and 'value="amsterdam"' not in form and 'value="admin"' not in form
    assert 'name="is_lead"' not in form
    target = people["coord_rot"]
    url = f"/beheer/gebruikers/{target.id}"
    ok = _post(client, url, {"name": "Kees", "role": "coordinator", "regions": ["rotterdam"], "phone": ""})
    assert ok.status_code == 302
    moved = _post(client, url, {"name": "Kees", "role": "coordinator", "regions": ["amsterdam"], "phone": ""})
    assert moved.status_code == 403 and 'data-field="regions"' in moved.text
    db.session.expire_all()
    assert [r.code for r in target.regions] == ["rotterdam"]
    assert client.get(f"/beheer/gebruikers/{people['coord_ams'].id}").status_code == 403
    made = _post(client, "/beheer/gebruikers/nieuw", {"email": "a@test.nl", "role": "admin", "regions": ["rotterdam"]})
    assert made.status_code == 403 and 'data-field="role"' in made.text and service.user_by_email("a@test.nl") is None


def test_a_coordinator_who_is_no_lead_sees_no_accounts_link(client, login, users):
    login(users["coordinator"])
    assert "/beheer/gebruikers" not in client.get("/").text
    assert client.get("/beheer/gebruikers").status_code == 403
