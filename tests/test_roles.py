"""The role matrix: every role against every route, allowed or 403 (401 / login when anonymous).

The table below must name every route the app has, so a new route without a rule here fails.
"""
import pytest

ROLES = ("police", "shelter_staff", "coordinator", "comensha", "admin")
EVERYONE = set(ROLES)

# (method, url template, json body, roles allowed). {cosm} is the staff's own shelter in Rotterdam.
MATRIX = [
    ("GET", "/", None, EVERYONE),
    ("GET", "/zoeken", None, EVERYONE),
    ("GET", "/opvang", None, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/opvang/{cosm}", None, EVERYONE),
    ("GET", "/opvang/{cosm}/beschikbaarheid", None, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/beheer/audit", None, {"admin"}),
    ("GET", "/api/v1/vocabulary", None, EVERYONE),
    ("GET", "/api/v1/regions", None, EVERYONE),
    ("POST", "/api/v1/regions", {"code": "zwolle", "name": "Zwolle", "kind": "care", "lat": 52.5, "lon": 6.1}, {"admin"}),
    ("GET", "/api/v1/shelters", None, EVERYONE),
    ("POST", "/api/v1/shelters", "NEW_SHELTER", {"admin"}),
    ("GET", "/api/v1/shelters/{cosm}", None, EVERYONE),
    ("PATCH", "/api/v1/shelters/{cosm}", {"name": "COSM Rijnmond"}, {"admin"}),
    ("POST", "/api/v1/shelters/{cosm}/availability", {"unchanged": True}, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/api/v1/shelters/{cosm}/availability", None, {"shelter_staff", "coordinator", "comensha", "admin"}),
    ("GET", "/api/v1/availability", None, EVERYONE),
    ("GET", "/api/v1/audit", None, {"admin"}),
]
PUBLIC = {"/login", "/logout", "/api/openapi.json", "/static/<path:filename>"}

NEW_SHELTER = {"key": "NEW-1", "name": "Nieuw", "type": "noodbed", "region": "rotterdam", "municipality": "Rotterdam",
               "lat": 51.9, "lon": 4.5, "intake": "24/7", "genders": ["female"], "residence": ["lawful"],
               "pools": [{"key": "bed", "kind": "bed", "capacity": 2}]}


def _rule_of(url):
    return url.replace("{cosm}", "<int:shelter_id>")


def test_every_route_is_in_the_matrix(app):
    routes = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    covered = {(m, _rule_of(u)) for m, u, _b, _r in MATRIX}
    missing = {(m, r) for m, r in routes - covered if r not in PUBLIC}
    assert not missing, f"routes without a role rule in the matrix: {sorted(missing)}"


@pytest.mark.parametrize("method,url,body,allowed", MATRIX, ids=[f"{m} {u}" for m, u, _b, _a in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, login, api, users, registry, role, method, url, body, allowed):
    url = url.format(cosm=registry["shelters"]["rot-cosm"].id)
    body = NEW_SHELTER if body == "NEW_SHELTER" else body
    if url.startswith("/api/"):
        resp = api(role, method, url, json=body)
    else:
        login(users[role])
        resp = client.open(url, method=method)
    if role in allowed:
        assert resp.status_code in (200, 201, 302), (resp.status_code, resp.get_data(as_text=True)[:300])
        if resp.status_code == 302:
            assert "/login" not in resp.headers["Location"]
    else:
        assert resp.status_code == 403
        if url.startswith("/api/"):
            assert resp.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("method,url,body,allowed", MATRIX, ids=[f"{m} {u}" for m, u, _b, _a in MATRIX])
def test_anonymous_is_refused(client, registry, method, url, body, allowed):
    url = url.format(cosm=registry["shelters"]["rot-cosm"].id)
    resp = client.open(url, method=method, json=body if isinstance(body, dict) else None)
    if url.startswith("/api/"):
        assert resp.status_code == 401 and resp.json["error"]["code"] == "not_authenticated"
    else:
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
