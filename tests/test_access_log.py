"""NEN 7513-style access logging: every showing of a case (reference, callback phone, profiles) or of a
confidential address is an audit row (who, when, which record, why: the route); the log is append-only in
the database itself and searchable by record and by person. Also the shelter page's history rule."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from audit.models import AuditEntry
from extensions import db


def rows(action=None):
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def test_the_api_list_writes_one_access_row_per_listed_case(api, new_case, users):
    cases = {new_case()["case_id"], new_case()["case_id"]}  # two cases of two groups each
    listed = api("coordinator", "GET", "/api/v1/placement-requests")
    assert listed.status_code == 200 and len(listed.json["requests"]) == 4
    reads = rows("case.read")
    assert {r.entity_id for r in reads} == {str(c) for c in cases} and len(reads) == 2
    assert {(r.entity, r.actor, r.route) for r in reads} == {
        ("case", users["coordinator"].email, "GET /api/v1/placement-requests")
    }


def test_reading_one_request_is_one_row_naming_its_case_and_route(api, new_case, users):
    body = new_case()
    rid = body["requests"][1]["id"]
    assert not rows("case.read")  # creating it is not a read: its own audit row says case.create
    assert api("coordinator", "GET", f"/api/v1/placement-requests/{rid}").json["case"]["callback_phone"]
    [read] = rows("case.read")
    assert (read.entity_id, read.actor, read.route, read.actor_id) == (
        str(body["case_id"]),
        users["coordinator"].email,
        f"GET /api/v1/placement-requests/{rid}",
        users["coordinator"].id,
    )
    assert read.after == {"requests": [rid]}


def test_the_pages_log_the_cases_they_show(client, login, new_case, users):
    case_id = new_case()["case_id"]
    login(users["coordinator"])
    assert client.get("/aanvragen").status_code == 200
    assert client.get(f"/zaak/{case_id}").status_code == 200
    assert [(r.entity_id, r.route) for r in rows("case.read")] == [
        (str(case_id), "GET /aanvragen"),
        (str(case_id), f"GET /zaak/{case_id}"),
    ]


def test_a_refused_read_logs_no_read(api, new_case, make_user, now):
    from accounts import service as accounts

    rid = new_case()["requests"][0]["id"]
    outsider = make_user("coordinator", regions=["amsterdam"])
    token = accounts.issue_token(now, outsider)
    resp = api(None, "GET", f"/api/v1/placement-requests/{rid}", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403 and not rows("case.read")


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET action = 'changed'", "DELETE FROM audit_log"])
def test_the_audit_log_is_append_only_in_the_database_itself(api, new_case, sql):
    new_case()
    before = [(r.id, r.action) for r in rows()]
    assert before
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(sql))  # plain SQL, past the ORM's guard: the database's trigger refuses
    db.session.rollback()
    assert [(r.id, r.action) for r in rows()] == before


def test_admins_and_comensha_search_the_log_by_record_and_by_person(api, new_case, users, client, login):
    first, second = new_case()["case_id"], new_case()["case_id"]
    api("coordinator", "GET", "/api/v1/placement-requests")
    api("admin", "GET", f"/api/v1/placement-requests/{new_case()['requests'][0]['id']}")
    by_record = api("comensha", "GET", f"/api/v1/audit?entity=case&entity_id={first}").json["entries"]
    assert by_record and {(e["entity"], e["entity_id"]) for e in by_record} == {("case", str(first))}
    assert {e["action"] for e in by_record} == {"case.read"}  # a created case's row has no id: it names its requests
    by_person = api("admin", "GET", f"/api/v1/audit?actor={users['coordinator'].email.upper()}").json["entries"]
    assert {e["actor"] for e in by_person} == {users["coordinator"].email}
    assert {e["entity_id"] for e in by_person if e["action"] == "case.read"} >= {str(first), str(second)}
    assert api("coordinator", "GET", "/api/v1/audit").status_code == 403
    login(users["comensha"])
    page = client.get(f"/beheer/audit?entity=case&entity_id={second}&actor={users['coordinator'].email}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Persoon (e-mailadres)" in html and "Soort gegeven" in html
    assert (
        html.count('data-col="record"') == 1
        and f"zaak {second}" in html
        and "zaak ingezien" in html
        and "GET /api/v1/placement-requests" in html
    )


def test_an_admins_shelter_patch_that_answers_the_confidential_address_is_audited(api, registry, users):
    shelter = registry["shelters"]["rot-cosm"]
    resp = api("admin", "PATCH", f"/api/v1/shelters/{shelter.id}", json={"name": "COSM Rijnmond"})
    assert resp.status_code == 200 and resp.json["address"] == "Geheimstraat 1, Rotterdam"
    [shown] = rows("shelter.address_shown")
    assert (shown.entity_id, shown.actor, shown.route) == (
        str(shelter.id),
        users["admin"].email,
        f"PATCH /api/v1/shelters/{shelter.id}",
    )


def test_shelter_staff_see_the_history_of_their_own_shelter_only_as_in_the_api(api, client, login, registry, users):
    own, theirs = registry["shelters"]["rot-cosm"], registry["shelters"]["rot-mo"]
    for shelter in (own, theirs):
        assert (
            api("admin", "POST", f"/api/v1/shelters/{shelter.id}/availability", json={"unchanged": True}).status_code
            == 200
        )
    assert api("shelter_staff", "GET", f"/api/v1/shelters/{theirs.id}/availability").status_code == 403
    login(users["shelter_staff"])
    assert "Geschiedenis" in client.get(f"/opvang/{own.id}").get_data(as_text=True)
    page = client.get(f"/opvang/{theirs.id}")
    assert page.status_code == 200 and "Geschiedenis" not in page.get_data(as_text=True)
