"""The police form (/aanvraag/nieuw): short, no silent defaults, every error at once, the region from the
officer's unit; and "onbekend" for residence and exploitation through the page, the API and the matcher."""

import re

from sqlalchemy import func, select

import vocabulary
from beds.models import Region
from extensions import db
from piket import proposals
from piket.models import Case
from tests.conftest import csrf_token

BASE = {
    "region": "rotterdam",
    "case_reference": "PL-2026-17",
    "callback_phone": "+31612345678",
    "urgency": "immediate",
    "threat": "low",
    "g0-gender": "female",
    "g0-age": "31",
    "g0-residence": "unknown",
    "g0-exploitation": "unknown",
}


def post(client, data):
    token = csrf_token(client.get("/aanvraag/nieuw").get_data(as_text=True))
    return client.post("/aanvraag/nieuw", data={**data, "csrf_token": token})


def field(html, name):
    """The opening tag of the form control with this id."""
    return re.search(rf'<(?:input|select)[^>]*\bid="{re.escape(name)}"[^>]*>', html).group(0)


def test_the_form_starts_with_one_group_and_no_choice_made(client, login, users, registry):
    login(users["police"])
    html = client.get("/aanvraag/nieuw").get_data(as_text=True)
    assert 'id="g0-gender"' in html and 'id="g1-gender"' not in html
    for name in ("g0-residence", "g0-exploitation", "g0-gender"):
        select_html = html.split(f'id="{name}"')[1].split("</select>")[0]
        assert " selected" not in select_html and '<option value="">kies…</option>' in select_html
    for name in ("g0-residence", "g0-exploitation"):
        assert '<option value="unknown" >onbekend</option>' in html.split(f'id="{name}"')[1].split("</select>")[0]
    for name in ("region", "case_reference", "callback_phone", "g0-gender", "g0-age", "g0-residence"):
        assert 'required aria-required="true"' in field(html, name), name
    label = html.split('<label for="case_reference">')[1].split("</label>")[0]
    assert "(verplicht)" in label
    assert "apart houden" not in html  # one group: nobody to keep apart from
    assert "Nog een groep" in html


def test_an_empty_form_names_every_missing_field_at_once(client, login, users, registry):
    login(users["police"])
    resp = post(client, {"urgency": "immediate", "threat": "low"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    summary = html.split('<div class="error-summary"')[1].split("</div>")[0]
    assert 'tabindex="-1" autofocus' in summary and "Er is een probleem" in summary
    links = re.findall(r'<a href="#([^"]+)">', summary)
    expected = ["region", "case_reference", "callback_phone", "g0-gender", "g0-age", "g0-residence", "g0-exploitation"]
    assert links == expected
    assert "kies onbekend" in summary
    for name in links:
        tag = field(html, name)
        assert 'aria-invalid="true"' in tag and f'aria-describedby="{name}-error"' in tag, tag
        assert f'data-field="{name}" id="{name}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_residence_and_exploitation_left_open_are_errors_not_defaults(client, login, users, registry):
    login(users["police"])
    data = {k: v for k, v in BASE.items() if k not in ("g0-residence", "g0-exploitation")}
    html = post(client, data).get_data(as_text=True)
    assert "Kies de verblijfsstatus, of kies onbekend." in html
    assert "Kies de soort uitbuiting, of kies onbekend." in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_onbekend_through_the_page_is_stored_as_unknown(client, login, users, registry):
    login(users["police"])
    resp = post(client, BASE)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (request,) = db.session.scalars(select(Case)).one().requests
    assert request.persons[0]["residence"] == "unknown" and request.persons[0]["exploitation"] == "unknown"


def test_nog_een_groep_keeps_everything_typed_and_adds_one_group(client, login, users, registry):
    login(users["police"])
    typed = {**BASE, "g0-children": "2", "g0-needs": ["wheelchair", "pets"], "groups": "1"}
    resp = post(client, {**typed, "action": "add_group"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "error-summary" not in html
    assert 'id="g1-gender"' in html and 'id="g2-gender"' not in html
    assert "autofocus" in field(html, "g1-gender")  # the new group's first field, without script
    assert 'name="groups" value="2"' in html
    assert 'value="PL-2026-17"' in field(html, "case_reference") and 'value="2"' in field(html, "g0-children")
    assert 'value="31"' in field(html, "g0-age")
    for name, code in (("g0-gender", "female"), ("g0-residence", "unknown"), ("g0-exploitation", "unknown")):
        assert f'<option value="{code}" selected>' in html.split(f'id="{name}"')[1].split("</select>")[0]
    assert 'value="wheelchair" checked' in html and 'value="pets" checked' in html
    assert 'id="g0-apart"' in html  # two groups: one may be kept apart
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0

    # The second group filled in and sent: two requests kept apart; an added group left empty is not sent.
    second = {"g1-gender": "male", "g1-age": "40", "g1-residence": "lawful", "g1-exploitation": "labour"}
    resp = post(client, {**typed, **second, "g0-apart": "1", "groups": "3"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    first, other = sorted(db.session.scalars(select(Case)).one().requests, key=lambda r: r.id)
    assert (first.size, other.size) == (3, 1) and first.apart_from == [other.id]


def test_a_partly_filled_second_group_is_checked_too(client, login, users, registry):
    login(users["police"])
    html = post(client, {**BASE, "groups": "2", "g1-age": "40"}).get_data(as_text=True)
    links = re.findall(r'<a href="#([^"]+)">', html.split('<div class="error-summary"')[1].split("</div>")[0])
    assert links == ["g1-gender", "g1-residence", "g1-exploitation"]


def test_the_region_starts_as_the_officers_unit(client, login, registry, make_user):
    unit = Region(code="eenheid-rotterdam", name="Eenheid Rotterdam", kind="police", lat=51.92, lon=4.48)
    db.session.add(unit)
    db.session.commit()
    officer = make_user("police", regions=["eenheid-rotterdam"])
    login(officer)
    html = client.get("/aanvraag/nieuw").get_data(as_text=True)
    # The unit's seat is nearest to the care region Rotterdam; the other regions stay choosable.
    assert '<option value="rotterdam" selected>' in html and '<option value="den-haag" >' in html


def test_a_coordinator_of_one_region_starts_with_it_and_a_user_without_one_chooses(client, login, users, registry):
    login(users["coordinator"])  # bound to Rotterdam
    assert '<option value="rotterdam" selected>' in client.get("/aanvraag/nieuw").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(users["police"])  # no unit
    html = client.get("/aanvraag/nieuw").get_data(as_text=True)
    assert " selected" not in html.split('id="region"')[1].split("</select>")[0]


def test_the_api_takes_unknown_and_refuses_no_choice(api, registry):
    person = {"gender": "female", "age": 31, "residence": "unknown", "exploitation": "unknown"}
    body = {"case_reference": "PL-API-1", "callback_phone": "+31612345678", "found": {"region": "rotterdam"}}
    resp = api("police", "POST", "/api/v1/placement-requests", json={**body, "requests": [{"persons": [person]}]})
    assert resp.status_code == 201, resp.json
    missing = {k: v for k, v in person.items() if k != "residence"}
    resp = api("police", "POST", "/api/v1/placement-requests", json={**body, "requests": [{"persons": [missing]}]})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "requests[0].persons[0].residence"


def test_the_matcher_reads_unknown_residence_as_both_and_unknown_exploitation_as_not_given(
    app, client, login, users, registry, now
):
    s = registry["shelters"]
    s["dh-nood"].residence = ["none"]  # admits only people without residence: not for an unknown one
    s["rot-cosm"].exploitation = ["sexual"]  # an unknown exploitation is not refused for it
    db.session.commit()
    login(users["police"])
    assert post(client, BASE).status_code == 302
    case = db.session.scalars(select(Case)).one()
    (request,) = case.requests
    entry = proposals.request_entry(request)
    assert entry["persons"][0]["residence"] == "none" and "exploitation" not in entry["persons"][0]
    assert vocabulary.RESIDENCE_UNKNOWN in entry["persons"][0]["needs"]
    answer = proposals.for_case(now, case, app.config)["requests"][request.id]
    assert answer["proposal"]["shelter"] == "COSM Rotterdam"
    excluded = {e["shelter"]: e for e in answer["excluded"]}
    assert excluded["Noodbed Den Haag"]["label"] == "verblijfsstatus onbekend: laat niet iedereen toe"
    assert excluded["Vrouwenopvang Amsterdam"]["reason"] == "residence"
    assert request.persons[0]["residence"] == "unknown"  # stored as the officer chose it


def test_the_search_reads_unknown_as_the_matcher_does(api, registry):
    registry["shelters"]["dh-nood"].residence = ["none"]
    db.session.commit()
    found = api("police", "GET", "/api/v1/availability?gender=female&residence=unknown&exploitation=unknown")
    assert found.status_code == 200
    assert [r["key"] for r in found.json["results"]] == ["ROT-COSM"]  # AMS-VO: lawful only; DH-NOOD: none only


def test_nog_een_persoon_adds_a_person_to_the_same_group(client, login, users, registry):
    login(users["police"])
    resp = post(client, {**BASE, "g0-children": "1", "action": "add_person-0"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "error-summary" not in html
    assert "autofocus" in field(html, "g0p1-gender") and 'name="g0-persons" value="2"' in html
    assert 'value="31"' in field(html, "g0-age") and 'id="g1-gender"' not in html

    # Half filled in: named at the second person's fields.
    html = post(client, {**BASE, "g0-persons": "2", "g0p1-age": "19"}).get_data(as_text=True)
    links = re.findall(r'<a href="#([^"]+)">', html.split('<div class="error-summary"')[1].split("</div>")[0])
    assert links == ["g0p1-gender", "g0p1-residence", "g0p1-exploitation"]
    assert 'aria-invalid="true"' in field(html, "g0p1-gender")

    sister = {"g0p1-gender": "female", "g0p1-age": "19", "g0p1-residence": "none", "g0p1-exploitation": "sexual"}
    resp = post(client, {**BASE, **sister, "g0-children": "1", "g0-persons": "3"})  # the third left empty
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (request,) = db.session.scalars(select(Case)).one().requests
    assert [p["age"] for p in request.persons] == [31, 19] and request.size == 3


def test_a_service_error_of_a_second_person_stands_beside_its_field(client, login, users, registry):
    login(users["police"])
    sister = {"g0p1-gender": "female", "g0p1-age": "999", "g0p1-residence": "none", "g0p1-exploitation": "sexual"}
    html = post(client, {**BASE, **sister}).get_data(as_text=True)
    assert 'data-field="g0p1-age"' in html and 'aria-invalid="true"' in field(html, "g0p1-age")
