"""A shelter keeps its own profile current: target groups, contra-indications, intake, pool sizes.

On the page: edit, see the changes in words, confirm; in the API: PATCH .../profile. Either way one
transaction, audited before/after, every capacity change dated in the inventory (capacity_changes), and
the national search shows the change at once.
"""

import re

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from beds.models import BedPool, CapacityChange, Shelter
from extensions import db


def _shelter(registry, key="rot-cosm"):
    shelter = db.session.get(Shelter, registry["shelters"][key].id)
    db.session.refresh(shelter)
    return shelter


def _form(page_html, **changes):
    """The profile form as the page filled it in (checked boxes, typed values), with `changes` applied:
    a list replaces a multi-value field, None removes the field, a string sets it."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page_html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        name = name.group(1)
        value = re.search(r'value="([^"]*)"', tag)
        value = value.group(1) if value else ""
        if 'type="checkbox"' in tag or 'type="radio"' in tag:
            if "checked" in tag:
                fields.setdefault(name, []).append(value)
        else:
            fields.setdefault(name, []).append(value)
    for select_name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page_html, re.S):
        chosen = re.search(r'value="([^"]*)" selected', options) or re.search(r'value="([^"]*)"', options)
        fields[select_name] = [chosen.group(1)] if chosen else []
    for name, value in changes.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value if isinstance(value, list) else [value]
    return [(k, v) for k, values in fields.items() for v in values]


def _post(client, url, pairs, action):
    from werkzeug.datastructures import MultiDict

    data = MultiDict([p for p in pairs if p[0] not in ("action",)] + [("action", action)])
    return client.post(url, data=data)


def test_staff_change_shows_a_diff_then_saves_on_confirm(client, login, users, registry, now):
    cosm = registry["shelters"]["rot-cosm"]
    url = f"/opvang/{cosm.id}/profiel"
    login(users["shelter_staff"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    family = next(p for p in cosm.pools if p.kind == "family_room")
    pairs = _form(html, excludes=["wheelchair"], **{f"capacity-{family.id}": "3"})

    preview = _post(client, url, pairs, "preview")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Contra-indicaties:</strong> + rolstoel; − actieve verslaving" in text
    assert "Gezinskamer:</strong> 1 → 3 kamers" in text
    assert _shelter(registry).excludes == ["active_addiction"]  # nothing saved by the preview

    confirm_pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text)
    resp = _post(client, url, confirm_pairs, "confirm")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    shelter = _shelter(registry)
    assert shelter.excludes == ["wheelchair"]
    assert {p.key: p.capacity for p in shelter.pools} == {"bed": 4, "family": 3}

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shelter.profile")).one()
    assert entry.before["excludes"] == ["active_addiction"] and entry.after["excludes"] == ["wheelchair"]
    assert entry.actor_id == users["shelter_staff"].id
    change = db.session.scalars(select(CapacityChange).where(CapacityChange.pool_id == family.id)).one()
    assert (change.capacity_before, change.capacity_after, change.actor_id) == (1, 3, users["shelter_staff"].id)
    assert change.effective_at == now


def test_a_stale_confirm_is_refused_and_the_new_diff_shown(client, login, users, registry, api):
    cosm = registry["shelters"]["rot-cosm"]
    url = f"/opvang/{cosm.id}/profiel"
    login(users["shelter_staff"])
    pairs = _form(client.get(url).get_data(as_text=True), excludes=["pets"])
    text = _post(client, url, pairs, "preview").get_data(as_text=True)
    # Meanwhile an admin changes the intake phone.
    assert (
        api("admin", "PATCH", f"/api/v1/shelters/{cosm.id}/profile", json={"intake_phone": "+31109999999"}).status_code
        == 200
    )
    confirm_pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text)
    resp = _post(client, url, confirm_pairs, "confirm")
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "intussen" in body and "Intaketelefoon" in body  # this form would now set the phone back: shown
    assert _shelter(registry).excludes == ["active_addiction"]


def test_bad_input_names_the_field_and_stores_nothing(client, login, users, registry):
    cosm = registry["shelters"]["rot-cosm"]
    bed = next(p for p in cosm.pools if p.kind == "bed")
    url = f"/opvang/{cosm.id}/profiel"
    login(users["shelter_staff"])
    html = client.get(url).get_data(as_text=True)
    before = db.session.scalar(select(func.count(AuditEntry.id)))

    # A capacity below the two occupied beds: the message stands beside that pool's field.
    resp = _post(client, url, _form(html, excludes=["pets"], **{f"capacity-{bed.id}": "1"}), "preview")
    assert resp.status_code == 422
    assert re.search(rf'data-field="capacity-{bed.id}">[^<]*2 plaatsen in gebruik', resp.get_data(as_text=True))

    # An intake window ending before it starts: named by its row and field.
    pairs = _form(
        html,
        intake_mode="windows",
        **{"intake-0-days": ["1", "2"], "intake-0-from": "17:00", "intake-0-to": "09:00"},
    )
    resp = _post(client, url, pairs, "preview")
    assert resp.status_code == 422 and 'data-field="intake-0-to"' in resp.get_data(as_text=True)

    # No gender at all.
    resp = _post(client, url, _form(html, genders=None), "confirm")
    assert resp.status_code == 422 and 'data-field="genders"' in resp.get_data(as_text=True)

    shelter = _shelter(registry)
    assert shelter.intake == "24/7" and shelter.genders == ["female"]
    assert {p.key: p.capacity for p in shelter.pools} == {"bed": 4, "family": 1}
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before


def test_intake_hours_and_a_new_pool_on_the_page(client, login, users, registry):
    cosm = registry["shelters"]["rot-cosm"]
    url = f"/opvang/{cosm.id}/profiel"
    login(users["shelter_staff"])
    html = client.get(url).get_data(as_text=True)
    pairs = _form(
        html,
        intake_mode="windows",
        intake_phone="010 765 4321",
        **{
            "intake-0-days": ["1", "2", "3", "4", "5"],
            "intake-0-from": "09:00",
            "intake-0-to": "17:00",
            "new-0-key": "noodbed",
            "new-0-kind": "bed",
            "new-0-capacity": "2",
        },
    )
    text = _post(client, url, pairs, "preview").get_data(as_text=True)
    assert "Intake-uren:</strong> dag en nacht (24/7) → ma–vr 09:00–17:00" in text
    assert "Nieuw: Bed (noodbed):</strong> 2 plaatsen" in text
    confirm_pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text)
    assert _post(client, url, confirm_pairs, "confirm").status_code == 302
    shelter = _shelter(registry)
    assert shelter.intake == [{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}]
    assert shelter.intake_phone == "+31107654321"  # stored in E.164 (accounts/phones.py)
    new = db.session.scalar(select(BedPool).where(BedPool.shelter_id == shelter.id, BedPool.key == "noodbed"))
    assert new.capacity == 2
    change = db.session.scalars(select(CapacityChange).where(CapacityChange.pool_id == new.id)).one()
    assert (change.capacity_before, change.capacity_after) == (None, 2)  # a new pool, as create_shelter dates it


def test_another_shelters_staff_and_coordinators_are_refused(client, login, users, registry, make_user, api):
    other = registry["shelters"]["rot-mo"]
    login(users["shelter_staff"])  # staff of COSM Rotterdam
    assert client.get(f"/opvang/{other.id}/profiel").status_code == 403
    resp = api("shelter_staff", "PATCH", f"/api/v1/shelters/{other.id}/profile", json={"excludes": []})
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"
    resp = api("coordinator", "PATCH", f"/api/v1/shelters/{other.id}/profile", json={"excludes": []})
    assert resp.status_code == 403
    assert _shelter(registry, "rot-mo").excludes == []


def test_api_profile_patch_rules(api, registry):
    cosm = registry["shelters"]["rot-cosm"].id
    url = f"/api/v1/shelters/{cosm}/profile"
    # Only the profile's fields: a name is the admins' (the full PATCH), named in the refusal.
    resp = api("shelter_staff", "PATCH", url, json={"name": "Anders", "excludes": []})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "name"
    resp = api("shelter_staff", "PATCH", url, json={"pools": [{"key": "bed", "kind": "bed", "capacity": 1}]})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "pools[0].capacity"
    resp = api("shelter_staff", "PATCH", url, json={"adults": False})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "adults"
    resp = api("shelter_staff", "PATCH", url, json={"intake": [{"days": [8], "from": "09:00", "to": "17:00"}]})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "intake[0].days"
    assert _shelter(registry).excludes == ["active_addiction"]

    # A dry run answers the changes in words and saves nothing.
    resp = api("shelter_staff", "PATCH", url + "?dry_run=true", json={"excludes": ["active_addiction", "pets"]})
    assert resp.status_code == 200 and resp.json["changes"] == ["Contra-indicaties: + huisdier"]
    assert _shelter(registry).excludes == ["active_addiction"]

    resp = api("shelter_staff", "PATCH", url, json={"excludes": ["active_addiction", "pets"], "minors": True})
    assert resp.status_code == 200
    assert resp.json["changes"] == ["Minderjarigen: nee → ja", "Contra-indicaties: + huisdier"]
    assert resp.json["excludes"] == ["active_addiction", "pets"] and resp.json["minors"] is True
    assert resp.json["address"] == "Geheimstraat 1, Rotterdam"  # its own staff may see it (audited)


def test_the_address_stays_with_who_may_see_it(client, login, users, registry, api):
    cosm = registry["shelters"]["rot-cosm"]
    login(users["shelter_staff"])
    html = client.get(f"/opvang/{cosm.id}/profiel").get_data(as_text=True)
    assert "Geheimstraat" not in html  # the profile page does not carry the address at all
    resp = api("shelter_staff", "PATCH", f"/api/v1/shelters/{cosm.id}/profile", json={"excludes": []})
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shelter.profile")).one()
    assert "address" not in entry.before and "address" not in entry.after  # audit rows are read widely
    assert resp.json["address"]  # staff of this shelter see it in the answer


def test_search_follows_a_removed_contra_indication_at_once(api, registry):
    cosm = registry["shelters"]["rot-cosm"].id
    query = "/api/v1/availability?gender=female&age=30&residence=none&needs=active_addiction"

    def found():
        return [r["id"] for r in api("police", "GET", query).json["results"]]

    assert cosm not in found()  # COSM Rotterdam cannot serve an active addiction
    resp = api("shelter_staff", "PATCH", f"/api/v1/shelters/{cosm}/profile", json={"excludes": []})
    assert resp.status_code == 200
    assert cosm in found()
    # And the reverse: the shelter adds it again, the search drops it again.
    api("shelter_staff", "PATCH", f"/api/v1/shelters/{cosm}/profile", json={"excludes": ["active_addiction"]})
    assert cosm not in found()


def test_search_page_follows_the_profile_page(client, login, users, registry, make_user):
    cosm = registry["shelters"]["rot-cosm"]
    url = f"/opvang/{cosm.id}/profiel"
    login(users["shelter_staff"])
    search = "/zoeken?gender=female&residence=none&needs=active_addiction"
    assert f'data-shelter="{cosm.id}"' not in client.get(search).get_data(as_text=True)
    pairs = _form(client.get(url).get_data(as_text=True), excludes=None)
    text = _post(client, url, pairs, "preview").get_data(as_text=True)
    assert "− actieve verslaving" in text
    confirm_pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text)
    assert _post(client, url, confirm_pairs, "confirm").status_code == 302
    assert f'data-shelter="{cosm.id}"' in client.get(search).get_data(as_text=True)


def test_nothing_changed_says_so_and_writes_nothing(client, login, users, registry, api):
    cosm = registry["shelters"]["rot-cosm"]
    url = f"/opvang/{cosm.id}/profiel"
    login(users["admin"])
    resp = _post(client, url, _form(client.get(url).get_data(as_text=True)), "preview")
    assert resp.status_code == 200 and "niets gewijzigd" in resp.get_data(as_text=True)
    resp = api("admin", "PATCH", f"/api/v1/shelters/{cosm.id}/profile", json={"excludes": ["active_addiction"]})
    assert resp.json["changes"] == []
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "shelter.profile")) == 0


def test_the_admins_full_patch_dates_capacity_the_same_way(api, registry, now):
    cosm = registry["shelters"]["rot-cosm"]
    resp = api(
        "admin",
        "PATCH",
        f"/api/v1/shelters/{cosm.id}",
        json={"name": "COSM Rijnmond", "pools": [{"key": "bed", "kind": "bed", "capacity": 6}]},
    )
    assert resp.status_code == 200
    bed = next(p for p in cosm.pools if p.key == "bed")
    change = db.session.scalars(select(CapacityChange).where(CapacityChange.pool_id == bed.id)).one()
    assert (change.capacity_before, change.capacity_after) == (4, 6)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # jsonschema's RefResolver, as in tests/test_openapi.py
def test_answers_match_the_openapi_schemas(api, registry):
    from tests.test_openapi import _check

    cosm = registry["shelters"]["rot-cosm"].id
    _check(
        api("shelter_staff", "PATCH", f"/api/v1/shelters/{cosm}/profile", json={"excludes": ["pets"]}),
        "/api/v1/shelters/{shelter_id}/profile",
        "patch",
    )
    resp = api("admin", "POST", f"/api/v1/shelters/{registry['shelters']['dh-nood'].id}/retire")
    _check(resp, "/api/v1/shelters/{shelter_id}/retire", "post")
    api("admin", "POST", f"/api/v1/shelters/{registry['shelters']['ams-vo'].id}/retire")
    _check(api("admin", "POST", "/api/v1/regions/amsterdam/retire"), "/api/v1/regions/{region_code}/retire", "post")
    _check(api("admin", "POST", "/api/v1/regions/rotterdam/retire"), "/api/v1/regions/{region_code}/retire", "post")
