"""Errors keep one JSON shape on the API and never turn bad input into a 500."""

import pytest


@pytest.mark.parametrize(
    "method,url,status", [("GET", "/api/v1/nothing-here", 404), ("DELETE", "/api/v1/regions", 405)]
)
def test_http_errors_use_the_json_shape(api, registry, method, url, status):
    resp = api("admin", method, url)
    assert resp.status_code == status
    assert set(resp.json["error"]) == {"code", "message", "field"}


def test_unknown_page_is_a_dutch_404(client, login, users):
    login(users["police"])
    resp = client.get("/bestaat-niet")
    assert resp.status_code == 404 and "Niet gevonden" in resp.get_data(as_text=True)


def test_security_headers_on_every_response(client):
    resp = client.get("/login")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"code": "Zwolle!", "name": "Zwolle", "kind": "care", "lat": 52.5, "lon": 6.1}, "code"),
        ({"code": "zwolle", "name": "Zwolle", "kind": "county", "lat": 52.5, "lon": 6.1}, "kind"),
        ({"code": "zwolle", "name": "Zwolle", "kind": "care", "lat": "north", "lon": 6.1}, "lat"),
        ({"code": "zwolle", "name": "Zwolle", "kind": "care", "lat": 52.5}, "lon"),
        ({"code": "zwolle", "name": "", "kind": "care", "lat": 52.5, "lon": 6.1}, "name"),
    ],
)
def test_bad_region_names_the_field(api, registry, body, field):
    resp = api("admin", "POST", "/api/v1/regions", json=body)
    assert resp.status_code == 422 and resp.json["error"]["field"] == field
    assert all(r["code"] != "zwolle" for r in api("admin", "GET", "/api/v1/regions").json["regions"])


def test_duplicate_region_is_409(api, registry):
    resp = api(
        "admin", "POST", "/api/v1/regions", json={"code": "rotterdam", "name": "R", "kind": "care", "lat": 51, "lon": 4}
    )
    assert resp.status_code == 409 and resp.json["error"]["field"] == "code"


GOOD_SHELTER = {
    "key": "ZWO-NOOD",
    "name": "Noodbed Zwolle",
    "type": "noodbed",
    "region": "rotterdam",
    "municipality": "Zwolle",
    "lat": 52.51,
    "lon": 6.09,
    "intake": "24/7",
    "genders": ["female", "male"],
    "residence": ["lawful", "none"],
    "pools": [{"key": "bed", "kind": "bed", "capacity": 2}],
}


def test_admin_creates_a_shelter(api, registry):
    resp = api("admin", "POST", "/api/v1/shelters", json=GOOD_SHELTER)
    assert resp.status_code == 201, resp.json
    assert resp.json["pools"][0]["free"] == 2 and resp.json["freshness"] == "stale"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"type": "hotel"}, "type"),
        ({"region": "atlantis"}, "region"),
        ({"lat": 40.0}, "lat"),
        ({"intake": "always"}, "intake"),
        ({"intake": [{"days": [8], "from": "09:00", "to": "17:00"}]}, "intake[0].days"),
        ({"intake": [{"days": [1], "from": "17:00", "to": "09:00"}]}, "intake[0].to"),
        ({"intake": [{"days": [1], "from": "9 uur", "to": "17:00"}]}, "intake[0].from"),
        ({"genders": []}, "genders"),
        ({"genders": ["robot"]}, "genders"),
        ({"excludes": ["snoring"]}, "excludes"),
        ({"pools": []}, "pools"),
        ({"pools": [{"key": "bed", "kind": "bunk", "capacity": 1}]}, "pools[0].kind"),
        ({"pools": [{"key": "fam", "kind": "family_room", "capacity": 1}]}, "pools[0].room_size"),
        ({"pools": [{"key": "bed", "kind": "bed", "capacity": 1, "occupied": 2}]}, "pools[0].occupied"),
        ({"name": "x" * 500}, "name"),
        ({"surprise": 1}, "surprise"),
        ({"adults": False, "minors": False}, "adults"),
        ({"intake_phone": "<script>"}, "intake_phone"),
    ],
)
def test_bad_shelter_names_the_field_and_writes_nothing(api, registry, change, field):
    resp = api("admin", "POST", "/api/v1/shelters", json={**GOOD_SHELTER, **change})
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["field"] == field
    assert all(s["key"] != "ZWO-NOOD" for s in api("admin", "GET", "/api/v1/shelters").json["shelters"])


def test_patch_bad_capacity_writes_nothing(api, registry):
    cosm = registry["shelters"]["rot-cosm"]
    resp = api(
        "admin",
        "PATCH",
        f"/api/v1/shelters/{cosm.id}",
        json={"name": "Nieuwe naam", "pools": [{"key": "bed", "kind": "bed", "capacity": 1}]},
    )
    assert resp.status_code == 422 and resp.json["error"]["field"] == "pools[0].capacity"
    assert api("admin", "GET", f"/api/v1/shelters/{cosm.id}").json["name"] == "COSM Rotterdam"
