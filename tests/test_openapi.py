"""The OpenAPI description names exactly the API's routes, and responses match its schemas."""

import jsonschema
import pytest

from openapi import spec


def _flask_rule(path):
    for name in (
        "shelter_id",
        "request_id",
        "hold_id",
        "case_id",
        "rota_id",
        "shift_id",
        "rotation_id",
        "override_id",
        "user_id",
    ):
        path = path.replace(f"{{{name}}}", f"<int:{name}>")
    return path.replace("{region_code}", "<region_code>").replace("{code}", "<code>")  # a region's code


def test_spec_names_exactly_the_api_routes(app):
    routes = {
        (m.lower(), r.rule)
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/")
        for m in r.methods - {"HEAD", "OPTIONS"}
    }
    described = {(m, _flask_rule(p)) for p, ops in spec()["paths"].items() for m in ops}
    assert routes == described


def test_spec_is_served(client):
    body = client.get("/api/openapi.json").json
    assert body["openapi"].startswith("3.") and "/api/v1/availability" in body["paths"]


def _schema_for(path, method, status):
    doc = spec()
    schema = doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def _check(resp, path, method="get"):
    schema = _schema_for(path, method, resp.status_code)
    resolver_doc = {"components": spec()["components"]}
    jsonschema.validate(
        resp.json, schema, cls=jsonschema.Draft202012Validator, resolver=jsonschema.RefResolver("", resolver_doc)
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_responses_match_the_schemas(api, registry):
    cosm = registry["shelters"]["rot-cosm"].id
    _check(api("admin", "GET", "/api/v1/regions"), "/api/v1/regions")
    _check(api("admin", "GET", "/api/v1/shelters"), "/api/v1/shelters")
    _check(api("admin", "GET", f"/api/v1/shelters/{cosm}"), "/api/v1/shelters/{shelter_id}")
    _check(api("police", "GET", "/api/v1/availability?near=rotterdam"), "/api/v1/availability")
    _check(api("admin", "GET", "/api/v1/audit"), "/api/v1/audit")
    _check(api("police", "GET", f"/api/v1/shelters/{cosm}/availability"), "/api/v1/shelters/{shelter_id}/availability")
    _check(
        api("shelter_staff", "POST", f"/api/v1/shelters/{cosm}/availability", json={"pools": [{"id": 999, "free": 1}]}),
        "/api/v1/shelters/{shelter_id}/availability",
        "post",
    )
    _check(
        api("shelter_staff", "GET", f"/api/v1/shelters/{cosm}/availability"),
        "/api/v1/shelters/{shelter_id}/availability",
    )
