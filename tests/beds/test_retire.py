"""CoMensha and admins add and retire shelters and regions. Retired: no longer offered by search,
matching, forms or the national view; the history stays. A region with active shelters or rotas is
not retired, and the refusal says why."""

import re

from sqlalchemy import func, select

from audit.models import AuditEntry
from beds.models import AvailabilitySnapshot, BedPool, CapacityChange, Region, Shelter
from extensions import db
from tests.conftest import NEW_SHELTER, csrf_token, hold_a_place, new_request


def _ids(api, url):
    return [r["id"] for r in api("police", "GET", url).json["results"]]


def test_a_retired_shelter_is_offered_nowhere_and_its_history_stays(api, registry, users, now):
    mo = registry["shelters"]["rot-mo"]
    resp = api("admin", "POST", f"/api/v1/shelters/{mo.id}/availability", json={"unchanged": True})
    assert resp.status_code == 200
    request = new_request(users, now)  # one man in Rotterdam: the men's shelter is his proposal
    proposals = api("coordinator", "GET", f"/api/v1/placement-requests/{request.id}/proposals").json["requests"]
    assert proposals[str(request.id)]["proposal"]["shelter"] == "Mannenopvang Rotterdam"
    assert mo.id in _ids(api, "/api/v1/availability?gender=male")
    assert "mannenopvang" in api("comensha", "GET", "/api/v1/occupancy").get_data(as_text=True)

    resp = api("comensha", "POST", f"/api/v1/shelters/{mo.id}/retire")
    assert resp.status_code == 200 and resp.json["active"] is False

    assert mo.id not in _ids(api, "/api/v1/availability?gender=male")
    assert mo.id not in [s["id"] for s in api("police", "GET", "/api/v1/shelters").json["shelters"]]
    assert api("admin", "GET", f"/api/v1/shelters/{mo.id}").status_code == 404
    proposals = api("coordinator", "GET", f"/api/v1/placement-requests/{request.id}/proposals").json["requests"]
    assert (proposals[str(request.id)]["proposal"] or {}).get("shelter") != "Mannenopvang Rotterdam"
    national = api("comensha", "GET", "/api/v1/occupancy")
    assert national.status_code == 200  # the national view counts active shelters' pools only
    assert "mannenopvang" not in national.get_data(as_text=True)

    # History stays: the row, its pools, its snapshots, its inventory; the retirement is audited.
    assert db.session.get(Shelter, mo.id) is not None
    assert db.session.scalar(select(func.count(BedPool.id)).where(BedPool.shelter_id == mo.id)) == 1
    assert db.session.scalar(
        select(func.count(AvailabilitySnapshot.id)).where(AvailabilitySnapshot.shelter_id == mo.id)
    )
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shelter.retire")).one()
    assert entry.entity_id == str(mo.id) and entry.actor_id == users["comensha"].id


def test_retiring_a_shelter_with_a_held_place_is_refused(api, registry, users, now):
    cosm = registry["shelters"]["rot-cosm"]
    request = new_request(users, now)
    hold_a_place(now, request.id, cosm.pools[0], users["admin"])
    resp = api("admin", "POST", f"/api/v1/shelters/{cosm.id}/retire")
    assert resp.status_code == 409 and "vastgehouden" in resp.json["error"]["message"]
    assert db.session.get(Shelter, cosm.id).active is True


def test_a_region_with_active_shelters_or_rotas_is_not_retired(api, registry, users):
    from piket.rotas.models import Rota

    resp = api("comensha", "POST", "/api/v1/regions/amsterdam/retire")
    assert resp.status_code == 409
    assert "Vrouwenopvang Amsterdam" in resp.json["error"]["message"] and resp.json["error"]["field"] == "region"

    ams = registry["shelters"]["ams-vo"]
    assert api("comensha", "POST", f"/api/v1/shelters/{ams.id}/retire").status_code == 200
    rota = Rota(region_id=registry["regions"]["amsterdam"].id, level="primary", name="Piket Amsterdam")
    db.session.add(rota)
    db.session.commit()
    resp = api("comensha", "POST", "/api/v1/regions/amsterdam/retire")
    assert resp.status_code == 409 and "Piket Amsterdam" in resp.json["error"]["message"]
    assert db.session.get(Region, registry["regions"]["amsterdam"].id).active is True

    db.session.delete(rota)
    db.session.commit()
    resp = api("comensha", "POST", "/api/v1/regions/amsterdam/retire")
    assert resp.status_code == 200 and resp.json["active"] is False
    assert api("comensha", "POST", "/api/v1/regions/amsterdam/retire").status_code == 409  # already retired
    assert api("comensha", "POST", "/api/v1/regions/nergens/retire").status_code == 404


def test_a_retired_region_is_offered_nowhere(api, client, login, registry, users, new_case):
    ams = registry["shelters"]["ams-vo"]
    api("admin", "POST", f"/api/v1/shelters/{ams.id}/retire")
    assert api("admin", "POST", "/api/v1/regions/amsterdam/retire").status_code == 200

    assert "amsterdam" not in [r["code"] for r in api("police", "GET", "/api/v1/regions").json["regions"]]
    resp = api("police", "GET", "/api/v1/availability?region=amsterdam")
    assert resp.status_code == 422 and resp.json["error"]["field"] == "region"
    resp = api("police", "POST", "/api/v1/placement-requests", json={**_case(), "found": {"region": "amsterdam"}})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "found.region"
    body = {**NEW_SHELTER, "region": "amsterdam"}
    resp = api("admin", "POST", "/api/v1/shelters", json=body)
    assert resp.status_code == 422 and resp.json["error"]["field"] == "region"
    login(users["police"])
    assert 'value="amsterdam"' not in client.get("/zoeken").get_data(as_text=True)
    assert 'value="amsterdam"' not in client.get("/aanvraag/nieuw").get_data(as_text=True)
    assert 'value="rotterdam"' in client.get("/aanvraag/nieuw").get_data(as_text=True)


def _case():
    from tests.test_roles import NEW_CASE

    return dict(NEW_CASE)


def test_comensha_adds_a_shelter_on_the_page(client, login, users, registry, now):
    login(users["comensha"])
    page = client.get("/beheer/opvang/nieuw")
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "key": "ZWO-VO",
        "name": "Vrouwenopvang Zwolle",
        "type": "vrouwenopvang",
        "region": "rotterdam",
        "municipality": "Zwolle",
        "lat": "52,51",
        "lon": "6.09",
        "address": "Ergens 1",
        "address_confidential": "1",
        "genders": "female",
        "adults": "1",
        "residence": "lawful",
        "exploitation": ["sexual", "labour"],
        "excludes": ["pets"],
        "intake_mode": "windows",
        "intake-0-days": ["1", "2", "3"],
        "intake-0-from": "08:00",
        "intake-0-to": "20:00",
        "intake_phone": "038 123 4567",
        "new-0-key": "bed",
        "new-0-kind": "bed",
        "new-0-capacity": "5",
        "new-1-key": "gezin",
        "new-1-kind": "family_room",
        "new-1-capacity": "2",
        "new-1-room_size": "4",
    }
    # Bad input first: a place outside the Netherlands is refused beside its field, nothing stored.
    resp = client.post("/beheer/opvang/nieuw", data={**form, "lon": "12"})
    assert resp.status_code == 422 and 'data-field="lon"' in resp.get_data(as_text=True)
    resp = client.post("/beheer/opvang/nieuw", data={**form, "new-1-room_size": ""})
    assert resp.status_code == 422 and 'data-field="new-1-room_size"' in resp.get_data(as_text=True)
    assert db.session.scalar(select(Shelter).where(Shelter.key == "ZWO-VO")) is None

    resp = client.post("/beheer/opvang/nieuw", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    shelter = db.session.scalar(select(Shelter).where(Shelter.key == "ZWO-VO"))
    assert shelter.lat == 52.51 and shelter.excludes == ["pets"] and shelter.exploitation == ["sexual", "labour"]
    assert shelter.intake == [{"days": [1, 2, 3], "from": "08:00", "to": "20:00"}]
    assert {(p.key, p.kind, p.capacity, p.room_size) for p in shelter.pools} == {
        ("bed", "bed", 5, None),
        ("gezin", "family_room", 2, 4),
    }
    inventory = db.session.scalars(select(CapacityChange).where(CapacityChange.shelter_id == shelter.id)).all()
    assert sorted((c.capacity_before, c.capacity_after) for c in inventory) == [(None, 2), (None, 5)]
    # The same key again: a conflict, named.
    resp = client.post("/beheer/opvang/nieuw", data=form)
    assert resp.status_code == 409 and 'data-field="key"' in resp.get_data(as_text=True)


def test_regions_added_and_retired_on_pages(client, login, users, registry):
    login(users["admin"])
    page = client.get("/beheer/regios/nieuw")
    token = csrf_token(page.get_data(as_text=True))
    form = {"csrf_token": token, "code": "zwolle", "name": "Zwolle", "kind": "care", "lat": "52.5", "lon": "6.1"}
    resp = client.post("/beheer/regios/nieuw", data={**form, "code": "Zwolle!"})
    assert resp.status_code == 422 and 'data-field="code"' in resp.get_data(as_text=True)
    assert client.post("/beheer/regios/nieuw", data=form).status_code == 302
    assert 'data-region="zwolle" data-active="ja"' in client.get("/beheer/regios").get_data(as_text=True)

    # Rotterdam still has shelters: the page says which, and nothing changes.
    page = client.get("/beheer/regios/rotterdam/opheffen")
    resp = client.post(
        "/beheer/regios/rotterdam/opheffen", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 409 and re.search(r'id="refused">[^<]*COSM Rotterdam', text)

    resp = client.post("/beheer/regios/zwolle/opheffen", data={"csrf_token": token})
    assert resp.status_code == 302
    assert 'data-region="zwolle" data-active="nee"' in client.get("/beheer/regios").get_data(as_text=True)


def test_shelters_retired_on_the_page(client, login, users, registry):
    dh = registry["shelters"]["dh-nood"]
    login(users["comensha"])
    listing = client.get("/beheer/opvang").get_data(as_text=True)
    assert f'data-shelter="{dh.id}" data-active="ja"' in listing
    page = client.get(f"/beheer/opvang/{dh.id}/opheffen")
    assert page.status_code == 200 and "geschiedenis" in page.get_data(as_text=True)
    resp = client.post(f"/beheer/opvang/{dh.id}/opheffen", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert resp.status_code == 302
    assert f'data-shelter="{dh.id}" data-active="nee"' in client.get("/beheer/opvang").get_data(as_text=True)
    assert f'data-shelter="{dh.id}"' not in client.get("/zoeken?gender=male").get_data(as_text=True)
