"""National availability search and shelter detail: filters, order, and no leaked addresses."""

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from extensions import db

ADDRESSES = ("Geheimstraat", "Verborgen", "Mannenweg")  # the confidential ones in the fixture


def names(resp):
    return [r["key"] for r in resp.json["results"]]


def test_search_filters_by_profile_and_sorts_by_distance(api, registry):
    resp = api("police", "GET", "/api/v1/availability?gender=female&age=30&residence=none&near=rotterdam")
    assert resp.status_code == 200
    # AMS-VO admits lawful residents only, ROT-MO only men.
    assert names(resp) == ["ROT-COSM", "DH-NOOD"]
    distances = [r["distance_km"] for r in resp.json["results"]]
    assert distances == sorted(distances) and distances[0] < 5


def test_contra_indications_exclude(api, registry):
    resp = api("police", "GET", "/api/v1/availability?gender=female&needs=active_addiction")
    assert "ROT-COSM" not in names(resp) and "AMS-VO" not in names(resp) and "DH-NOOD" in names(resp)


def test_children_need_a_family_room(api, registry):
    resp = api("police", "GET", "/api/v1/availability?gender=female&children=2&only_free=true")
    assert names(resp) == ["ROT-COSM"]
    fitting = [p for p in resp.json["results"][0]["pools"] if p["fits"]]
    assert [p["kind"] for p in fitting] == ["family_room"]


def test_only_free_leaves_out_full_shelters(api, registry):
    everything = names(api("police", "GET", "/api/v1/availability"))
    free = names(api("police", "GET", "/api/v1/availability?only_free=1"))
    assert "AMS-VO" in everything and "AMS-VO" not in free


def test_results_show_freshness_and_intake(api, registry):
    results = {r["key"]: r for r in api("police", "GET", "/api/v1/availability?region=amsterdam").json["results"]}
    assert list(results) == ["AMS-VO"]
    assert results["AMS-VO"]["freshness"] == "stale"
    assert results["AMS-VO"]["intake_open_now"] is False  # office hours only; fixture time is Sunday night


@pytest.mark.parametrize(
    "query,field",
    [
        ("age=old", "age"),
        ("age=-3", "age"),
        ("gender=woman", "gender"),
        ("needs=snoring", "needs"),
        ("region=atlantis", "region"),
        ("near=atlantis", "near"),
        ("type=hotel", "type"),
        ("children=99", "children"),
    ],
)
def test_bad_filters_name_the_field(api, registry, query, field):
    resp = api("police", "GET", f"/api/v1/availability?{query}")
    assert resp.status_code == 422 and resp.json["error"]["field"] == field


@pytest.mark.parametrize("role", ["police", "shelter_staff", "coordinator", "comensha", "admin"])
def test_no_list_leaks_an_address(api, registry, role):
    for url in ("/api/v1/availability", "/api/v1/shelters", "/api/v1/availability?near=amsterdam&gender=female"):
        text = api(role, "GET", url).get_data(as_text=True)
        assert not any(a in text for a in ADDRESSES + ("Open Laan",)), (role, url)


def test_search_page_leaks_no_address(client, login, users, registry):
    login(users["admin"])
    html = client.get("/zoeken?near=rotterdam").get_data(as_text=True)
    assert "COSM Rotterdam" in html and not any(a in html for a in ADDRESSES)


def test_confidential_address_only_for_those_who_may_and_audited(api, registry, users):
    cosm = registry["shelters"]["rot-cosm"]
    seen = {
        role: "address" in api(role, "GET", f"/api/v1/shelters/{cosm.id}").json
        for role in ("police", "shelter_staff", "coordinator", "comensha", "admin")
    }
    assert seen == {"police": False, "shelter_staff": True, "coordinator": True, "comensha": False, "admin": True}
    shown = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shelter.address_shown")).all()
    assert sorted(e.actor for e in shown) == sorted(users[r].email for r in ("shelter_staff", "coordinator", "admin"))


def test_public_address_is_shown_to_everyone(api, registry):
    nood = registry["shelters"]["dh-nood"]
    assert api("police", "GET", f"/api/v1/shelters/{nood.id}").json["address"] == "Open Laan 5, Den Haag"


def test_staff_of_another_shelter_does_not_see_its_address(api, registry):
    other = registry["shelters"]["ams-vo"]
    assert "address" not in api("shelter_staff", "GET", f"/api/v1/shelters/{other.id}").json


def test_detail_page_hides_address_from_police(client, login, users, registry):
    cosm = registry["shelters"]["rot-cosm"]
    login(users["police"])
    html = client.get(f"/opvang/{cosm.id}").get_data(as_text=True)
    assert "vertrouwelijk" in html and "Geheimstraat" not in html


def test_every_pool_of_a_shelter_in_order_and_a_shelter_without_pools_still_found(api, registry):
    from beds.models import BedPool, Shelter

    cosm = registry["shelters"]["rot-cosm"]
    new = Shelter(
        key="UT-NEW",
        name="Nieuwe opvang Utrecht",
        organisation=cosm.organisation,
        type=cosm.type,
        region=registry["regions"]["rotterdam"],
        municipality="Utrecht",
        lat=52.09,
        lon=5.12,
        address="Nieuw 1",
        intake="24/7",
        genders=["female"],
        adults=True,
        minors=False,
        residence=["lawful", "none"],
        exploitation=["sexual"],
        excludes=[],
    )
    db.session.add(new)
    db.session.commit()
    results = {r["key"]: r for r in api("police", "GET", "/api/v1/availability?gender=female").json["results"]}
    assert results["UT-NEW"]["pools"] == [] and results["UT-NEW"]["free_fitting"] == 0
    assert results["UT-NEW"]["confirmed_at"] is None and results["UT-NEW"]["freshness"] == "stale"
    stored = db.session.scalars(select(BedPool).where(BedPool.shelter_id == cosm.id).order_by(BedPool.id)).all()
    assert [p["id"] for p in results["ROT-COSM"]["pools"]] == [p.id for p in stored] and len(stored) > 1
    assert [p["free"] for p in results["ROT-COSM"]["pools"]] == [p.free for p in stored]
