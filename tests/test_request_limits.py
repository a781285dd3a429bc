"""Request bodies: a size limit on every route, read before nothing (CSRF, the webhooks' signature);
uploads get a larger one; JSON nested too deep is a 400 naming the field, never a 500."""

import io

import pytest

from extensions import db
from tests.conftest import case_body, csrf_token

HUGE = 200 * 1024 * 1024  # the finding's 200 MB


class Endless(io.RawIOBase):
    """A body that never ends, and counts what the app read of it: no 200 MB is ever allocated."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), 64 * 1024)
        buffer[:n] = b"a" * n
        self.read_bytes += n
        return n


def _post_huge(client, path, content_type, headers=None, length=HUGE):
    """A POST that says it carries `length` bytes (None: chunked, no length) from an endless body."""
    body = Endless()
    environ = {"wsgi.input": body, "CONTENT_LENGTH": str(length)}
    if length is None:  # as a server hands on a chunked body: no length, the stream ends when the client's does
        environ = {"wsgi.input": body, "CONTENT_LENGTH": "", "wsgi.input_terminated": True}
        headers = {**(headers or {}), "Transfer-Encoding": "chunked"}
    resp = client.post(path, content_type=content_type, headers=headers, environ_overrides=environ)
    return resp, body


def test_a_200_mb_login_form_is_refused_unread_with_a_dutch_page(client, registry):
    resp, body = _post_huge(client, "/login", "application/x-www-form-urlencoded")
    assert resp.status_code == 413 and body.read_bytes == 0
    html = resp.get_data(as_text=True)
    assert "te groot" in html and "exceeds" not in html and resp.mimetype == "text/html"


def test_a_body_without_content_length_stops_at_the_limit(app, client, registry):
    resp, body = _post_huge(client, "/login", "application/x-www-form-urlencoded", length=None)
    assert resp.status_code == 413 and body.read_bytes <= app.config["MAX_CONTENT_LENGTH"] + 128 * 1024


def test_a_huge_api_body_is_a_json_413(client, tokens):
    auth = {"Authorization": f"Bearer {tokens['police']}"}
    resp, body = _post_huge(client, "/api/v1/placement-requests", "application/json", headers=auth)
    assert resp.status_code == 413 and body.read_bytes == 0
    error = resp.json["error"]
    assert error["code"] == "request_entity_too_large" and "te groot" in error["message"] and "field" in error


@pytest.mark.parametrize("signed", [True, False])
def test_a_large_webhook_is_refused_before_the_signature_check(app, client, signed_post, signed):
    # 100 kB: far above any Twilio body, far below the 1 MB every other route allows.
    params = {"From": "+31610000001", "Body": "ja " * 34_000, "MessageSid": "SM1"}
    if signed:
        resp = signed_post("/webhooks/twilio/sms", params)
    else:
        resp = client.post("/webhooks/twilio/sms", data=params)  # unsigned: still 413, not 403
    assert resp.status_code == 413 and resp.json["error"]["code"] == "request_entity_too_large"
    resp, body = _post_huge(client, "/webhooks/twilio/sms", "application/x-www-form-urlencoded")
    assert resp.status_code == 413 and body.read_bytes == 0


def test_a_webhook_of_ordinary_size_still_passes(signed_post, duty):
    resp = signed_post("/webhooks/twilio/sms", {"From": "+31610000001", "Body": "status", "MessageSid": "SM2"})
    assert resp.status_code == 200


def test_too_many_form_parts_are_refused(client, registry):
    html = client.get("/login").get_data(as_text=True)
    data = {f"f{k}": "x" for k in range(1100)} | {"csrf_token": csrf_token(html)}
    resp = client.post("/login", data=data, content_type="multipart/form-data")
    assert resp.status_code == 413


def test_an_upload_route_takes_more_than_the_form_limit(app, client, login, users, registry):
    """The rota import takes a 1 MB CSV (its own check), more than MAX_CONTENT_LENGTH with the form around it."""
    from piket.rotas.models import Rota

    rota = Rota(region_id=registry["regions"]["rotterdam"].id, level="primary", name="P", owner_id=users["admin"].id)
    db.session.add(rota)
    db.session.commit()
    login(users["admin"])
    url = f"/piket/roosters/{rota.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    big = b"region,email,start,end\n" + b"#" * (app.config["MAX_CONTENT_LENGTH"] - 100)
    resp = client.post(
        f"{url}/import",
        data={"csrf_token": token, "file": (io.BytesIO(big), "rooster.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422  # read and judged by the import, not refused for its size
    too_big = b"#" * (app.config["MAX_UPLOAD_BYTES"] + 1)
    resp = client.post(
        f"{url}/import",
        data={"csrf_token": token, "file": (io.BytesIO(too_big), "rooster.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413


# --- JSON nested too deep ------------------------------------------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize(
    "role,url", [("police", "/api/v1/placement-requests"), ("admin", "/api/v1/what-if")], ids=["requests", "what-if"]
)
@pytest.mark.parametrize("where", ["body", "field"])
def test_deeply_nested_json_is_a_400_naming_the_field(api, role, url, where):
    nested = "[" * DEEP + "]" * DEEP
    body = nested if where == "body" else '{"case_reference": "x", "scenario": ' + nested + "}"
    resp = api(role, "POST", url, data=body, content_type="application/json")
    assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_request"
    assert resp.json["error"]["field"] == "body"  # too deep for the parser: the body is named


@pytest.mark.parametrize(
    "role,url,field",
    [("police", "/api/v1/placement-requests", "requests"), ("admin", "/api/v1/what-if", "scenario")],
    ids=["requests", "what-if"],
)
def test_json_deeper_than_any_contract_names_its_field(api, role, url, field):
    # 200 levels parse, but are refused before a reader walks them (recursive code would fail near 1,000).
    body = case_body()
    body[field] = [[[0]]]
    for _ in range(200):
        body[field] = [body[field]]
    resp = api(role, "POST", url, json=body)
    assert resp.status_code == 400 and resp.json["error"]["field"] == field


def test_a_hold_release_with_deep_json_is_a_400(api, users):
    resp = api("shelter_staff", "POST", "/api/v1/holds/1/release", data="[" * DEEP, content_type="application/json")
    assert resp.status_code == 400 and resp.json["error"]["field"] == "body"


@pytest.mark.parametrize("depth", [DEEP, 200])
def test_an_uploaded_scenario_nested_too_deep_is_told_beside_its_field(client, login, users, depth):
    login(users["admin"])
    token = csrf_token(client.get("/landelijk/wat-als").get_data(as_text=True))
    deep = ('{"requests": ' + "[" * depth + "]" * depth + "}").encode()
    resp = client.post(
        "/landelijk/wat-als",
        data={"csrf_token": token, "scenario": (io.BytesIO(deep), "scenario.json")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "geen JSON-bestand in het scenarioformaat" in resp.get_data(as_text=True)
