"""Rules written once in validation.py, applied by every reader and stated by openapi.py: the
Netherlands' bounding box (NL_LAT, NL_LON), a person's age (AGE), children with a group (CHILDREN) and
a phone number as typed (PHONE).

For each place the API description states one, the schema says exactly the constant, the reader behind
that route takes the bound itself and refuses a value just outside it with a 422 naming the field.
"""

import pytest

from accounts import phones
from openapi import spec
from piket import service
from tests.conftest import NEW_SHELTER, case_body
from validation import AGE, CHILDREN, NL_LAT, NL_LON, PHONE


def _schemas():
    return spec()["components"]["schemas"]


def _parameter(path, name):
    return next(p["schema"] for p in spec()["paths"][path]["get"]["parameters"] if p["name"] == name)


def _profile_body():
    body = spec()["paths"]["/api/v1/placement-requests/{request_id}/profile"]["put"]["requestBody"]
    return body["content"]["application/json"]["schema"]


def _person(age):
    return {"gender": "male", "age": age, "residence": "lawful", "exploitation": "labour"}


def _case(**found_or_group):
    """A case body with found.lat/lon or the first group's children / first person's age set."""
    body = case_body(apart=[])
    if "lat" in found_or_group or "lon" in found_or_group:
        body["found"] = {"region": "rotterdam", "lat": 51.9, "lon": 4.5, **found_or_group}
    if "children" in found_or_group:
        body["requests"][0]["children"] = found_or_group["children"]
    if "age" in found_or_group:
        body["requests"][0]["persons"] = [_person(found_or_group["age"])]
    return body


@pytest.fixture
def phone_request(registry, now):
    """A request that came in by phone: no profile until a coordinator fills it in."""
    region = registry["regions"]["rotterdam"]
    fields = {
        "case_reference": "TEL-1",
        "callback_phone": "+31612345678",
        "requester_org": "police",
        "region": region,
        "found_lat": region.lat,
        "found_lon": region.lon,
        "apart": [],
        "requests": [{"persons": [], "children": 0, "urgency": "immediate", "threat": "low"}],
    }
    case, _ = service.create_case(now, fields, None, source="phone")
    return case.requests[0].id


# (what, the schema the description states, the constant, the kind, how to send a value, the field named)
PLACES = [
    (
        "case found.lat",
        lambda: _schemas()["NewCase"]["properties"]["found"]["properties"]["lat"],
        NL_LAT,
        "number",
        lambda api, x, _r: api("police", "POST", "/api/v1/placement-requests", json=_case(lat=x)),
        "found.lat",
    ),
    (
        "case found.lon",
        lambda: _schemas()["NewCase"]["properties"]["found"]["properties"]["lon"],
        NL_LON,
        "number",
        lambda api, x, _r: api("police", "POST", "/api/v1/placement-requests", json=_case(lon=x)),
        "found.lon",
    ),
    (
        "shelter lat",
        lambda: _schemas()["NewShelter"]["properties"]["lat"],
        NL_LAT,
        "number",
        lambda api, x, _r: api("admin", "POST", "/api/v1/shelters", json={**NEW_SHELTER, "lat": x}),
        "lat",
    ),
    (
        "shelter lon",
        lambda: _schemas()["NewShelter"]["properties"]["lon"],
        NL_LON,
        "number",
        lambda api, x, _r: api("admin", "POST", "/api/v1/shelters", json={**NEW_SHELTER, "lon": x}),
        "lon",
    ),
    (
        "case person age",
        lambda: _schemas()["Person"]["properties"]["age"],
        AGE,
        "integer",
        lambda api, x, _r: api("police", "POST", "/api/v1/placement-requests", json=_case(age=x)),
        "requests[0].persons[0].age",
    ),
    (
        "case children",
        lambda: _schemas()["NewCase"]["properties"]["requests"]["items"]["properties"]["children"],
        CHILDREN,
        "integer",
        lambda api, x, _r: api("police", "POST", "/api/v1/placement-requests", json=_case(children=x)),
        "requests[0].children",
    ),
    (
        "search age",
        lambda: _parameter("/api/v1/availability", "age"),
        AGE,
        "integer",
        lambda api, x, _r: api("police", "GET", f"/api/v1/availability?age={x}"),
        "age",
    ),
    (
        "search children",
        lambda: _parameter("/api/v1/availability", "children"),
        CHILDREN,
        "integer",
        lambda api, x, _r: api("police", "GET", f"/api/v1/availability?children={x}"),
        "children",
    ),
    (
        "profile children",
        lambda: _profile_body()["properties"]["children"],
        CHILDREN,
        "integer",
        lambda api, x, r: api(
            "coordinator",
            "PUT",
            f"/api/v1/placement-requests/{r}/profile",
            json={"persons": [_person(30)], "children": x},
        ),
        "children",
    ),
    (
        "profile person age",
        lambda: _schemas()["Person"]["properties"]["age"],  # the profile's persons are Person too
        AGE,
        "integer",
        lambda api, x, r: api(
            "coordinator", "PUT", f"/api/v1/placement-requests/{r}/profile", json={"persons": [_person(x)]}
        ),
        "persons[0].age",
    ),
]


@pytest.mark.parametrize("what,schema,bounds,kind,send,field", PLACES, ids=[p[0] for p in PLACES])
def test_the_description_states_the_readers_bounds(what, schema, bounds, kind, send, field):
    assert schema() == {"type": kind, "minimum": bounds.minimum, "maximum": bounds.maximum}, what


@pytest.mark.parametrize("what,schema,bounds,kind,send,field", PLACES, ids=[p[0] for p in PLACES])
def test_a_value_just_outside_is_refused_naming_the_field(
    api, users, phone_request, what, schema, bounds, kind, send, field
):
    step = 1 if kind == "integer" else 0.01
    for outside in (bounds.minimum - step, bounds.maximum + step):
        resp = send(api, outside, phone_request)
        assert resp.status_code == 422, (what, outside, resp.status_code, resp.json)
        assert resp.json["error"]["field"] == field, (what, outside, resp.json)


@pytest.mark.parametrize("what,schema,bounds,kind,send,field", PLACES, ids=[p[0] for p in PLACES])
@pytest.mark.parametrize("end", ["minimum", "maximum"])
def test_the_bounds_themselves_are_accepted(api, users, phone_request, what, schema, bounds, kind, send, field, end):
    resp = send(api, getattr(bounds, end), phone_request)
    assert resp.status_code in (200, 201), (what, end, resp.status_code, resp.json)


def test_callback_phone_is_stated_with_the_readers_pattern(api, users):
    assert _schemas()["NewCase"]["properties"]["callback_phone"]["pattern"] == f"^{PHONE}$"
    resp = api("police", "POST", "/api/v1/placement-requests", json=case_body(callback_phone="06-1234 5678 x1"))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "callback_phone"


def test_a_shelters_intake_phone_is_read_with_the_same_pattern(api, users):
    resp = api("admin", "POST", "/api/v1/shelters", json={**NEW_SHELTER, "intake_phone": "06-1234 5678 x1"})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "intake_phone"
    assert phones.contact({"p": "+31 (0)6-1234 5678"}, "p") == "+31612345678"
