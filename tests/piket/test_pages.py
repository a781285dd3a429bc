"""The phone pages of a placement: the police form, the coordinator's proposals, the shelter's intake."""

from sqlalchemy import func, select

from extensions import db
from piket.models import Case, Placement
from tests.conftest import csrf_token

FORM = {
    "region": "rotterdam",
    "case_reference": "PL-2026-7",
    "callback_phone": "+31612345678",
    "urgency": "immediate",
    "threat": "low",
    "g0-gender": "female",
    "g0-age": "31",
    "g0-residence": "none",
    "g0-exploitation": "sexual",
    "g0-children": "2",
    "g0-apart": "1",
    "g1-gender": "male",
    "g1-age": "40",
    "g1-residence": "lawful",
    "g1-exploitation": "labour",
}


def post_form(client, url, data):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_police_form_creates_the_case_once_even_when_sent_twice(client, login, users, registry):
    login(users["police"])
    html = client.get("/aanvraag/nieuw").get_data(as_text=True)
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    data = {**FORM, "csrf_token": csrf_token(html), "idempotency_key": key}
    first, second = client.post("/aanvraag/nieuw", data=data), client.post("/aanvraag/nieuw", data=data)
    assert first.status_code == 302 and first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "PL-2026-7" in page and page.count('class="card request"') == 2


def test_police_form_shows_the_error_beside_the_field_and_stores_nothing(client, login, users, registry):
    login(users["police"])
    resp = post_form(client, "/aanvraag/nieuw", {**FORM, "g1-age": "<b>veertig</b>"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-field="g1-age"' in html
    assert "<b>veertig</b>" not in html and "&lt;b&gt;veertig&lt;/b&gt;" in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_police_form_without_a_person_names_the_first_gender(client, login, users, registry):
    login(users["police"])
    resp = post_form(client, "/aanvraag/nieuw", {k: v for k, v in FORM.items() if not k.startswith("g")})
    assert resp.status_code == 422 and 'data-field="g0-gender"' in resp.get_data(as_text=True)


def test_coordinator_chooses_a_proposal_and_the_shelter_confirms(client, login, users, registry, app):
    login(users["police"])
    case_url = post_form(client, "/aanvraag/nieuw", FORM).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(users["coordinator"])
    page = client.get(case_url).get_data(as_text=True)
    assert "COSM Rotterdam" in page and "Mannenopvang Rotterdam" in page
    case = db.session.scalars(select(Case)).one()
    mother = case.requests[0]
    family_pool = registry["shelters"]["rot-cosm"].pools[1].id
    resp = client.post(
        case_url,
        data={"csrf_token": csrf_token(page), "action": "choose", "request_id": mother.id, "pool_id": family_pool},
    )
    assert resp.status_code == 302
    placement = db.session.scalars(select(Placement)).one()
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(users["shelter_staff"])
    intakes_url = f"/opvang/{registry['shelters']['rot-cosm'].id}/intakes"
    html = client.get(intakes_url).get_data(as_text=True)
    assert mother.short_code in html and "Intake bevestigen" in html
    client.post(intakes_url, data={"csrf_token": csrf_token(html), "action": "confirm", "hold_id": placement.hold_id})
    db.session.expire_all()
    assert placement.status == "confirmed" and mother.status == "placed"
