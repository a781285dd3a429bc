"""Security, tested across the whole app: session cookies, CSRF on every page form (from the URL map),
security headers on every kind of response, the login rate limit, and revoked API tokens on every API route.
(The role matrix is tests/test_roles.py.)"""

import datetime as dt
import re

import pytest
from sqlalchemy import select

import settings
import vocabulary
from accounts import service as accounts
from accounts.models import ApiToken
from app import create_app
from extensions import db
from tests.conftest import NOW, PRIMARY, csrf_token, new_request

# --- the routes, read from the URL map --------------------------------------------------------------

_ROUTES = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map.iter_rules()
ROUTES = sorted((rule.rule, method, rule.endpoint) for rule in _ROUTES for method in rule.methods - {"HEAD", "OPTIONS"})
# Page forms: everything that takes a POST and is not the bearer-token API or a Twilio-signed webhook.
PAGE_POSTS = [
    (rule, endpoint)
    for rule, method, endpoint in ROUTES
    if method == "POST" and not rule.startswith(("/api/", "/webhooks/"))
]
API_ROUTES = [(rule, method) for rule, method, _e in ROUTES if rule.startswith("/api/v1/")]


def concrete(rule, ids) -> str:
    """/zaak/<int:case_id> -> /zaak/12."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(ids[m.group(1)]), rule)


@pytest.fixture
def ids(app, duty, users, registry, fake, tick, now):
    """Real ids for every URL variable: a paged request (so its accept link works), a rota, a shelter."""
    from notify.models import NotificationAttempt
    from piket import links

    request = new_request(users, now)
    tick(now)
    page = db.session.scalar(
        select(NotificationAttempt).where(
            NotificationAttempt.request_id == request.id,
            NotificationAttempt.to_number == PRIMARY,
            NotificationAttempt.channel == "sms",
        )
    )
    ids = {
        "case_id": request.case_id,
        "request_id": request.id,
        "shelter_id": registry["shelters"]["rot-cosm"].id,
        "rota_id": duty["rotas"]["primary"].id,
        "hold_id": 1,
        "shift_id": 1,  # refused before it is looked up (CSRF, token)
        "rotation_id": 1,
        "override_id": 1,
        "attempt_id": page.id,
        "user_id": users["admin"].id,
        "level_index": 0,
        "topic": "occupancy",
        "fmt": "csv",
        "token": links.url_for_attempt(page.id, now).rsplit("/", 1)[1],
        "filename": "style.css",
        "admin_email": users["admin"].email,
        "region_code": "rotterdam",
        "code": "rotterdam",
    }
    db.session.commit()
    return ids


def snapshot():
    """Every row of every table: 'writes nothing' means this does not change."""
    rows = {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in db.metadata.sorted_tables}
    db.session.commit()  # end the read (SQLite: the write lock)
    return rows


# --- session cookies --------------------------------------------------------------------------------


@pytest.mark.parametrize("base_url,secure", [("https://piket.example.nl", True), ("http://127.0.0.1:5000", False)])
def test_session_cookie_flags_follow_the_public_address(app, client, users, tmp_path, base_url, secure):
    config = settings.load({"PUBLIC_BASE_URL": base_url, "SECRET_KEY": "x", "PIKET_INSTANCE_DIR": str(tmp_path)})
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is secure
    app.config.update({k: v for k, v in config.items() if k.startswith("SESSION_COOKIE_")})
    page = client.get("/login")
    resp = client.post(
        "/login",
        data={
            "email": users["police"].email,
            "password": "correct-horse-1",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert resp.status_code == 302
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is secure
    # Over https the browser is also told to stay on https.
    assert ("Strict-Transport-Security" in resp.headers) is secure


# --- CSRF: every page form, from the URL map ----------------------------------------------------------

FORMS = {  # what a real form would post: were the token not checked, each of these would change something
    "/aanvraag/nieuw": {
        "case_reference": "PL-CSRF",
        "callback_phone": "+31612345678",
        "region": "rotterdam",
        "g0-gender": "male",
        "g0-age": "30",
        "g0-residence": "lawful",
        "g0-exploitation": "labour",
    },
    "/zaak/<int:case_id>": {"action": "cancel", "request_id": "{request_id}", "confirm": "ja"},
    "/a/<token>": {"choice": "accept"},
    "/opvang/<int:shelter_id>/beschikbaarheid": {"action": "unchanged"},
    "/landelijk/herinnering/<int:shelter_id>": {},
    "/piket/roosters": {"level": "backup", "region": "amsterdam", "name": "Achtervang Amsterdam"},
    "/piket/roosters/<int:rota_id>/agenda": {"kind": "rota"},
    "/beheer/regio/<code>/ladder": {
        "after_hours-0-after": "0",
        "after_hours-0-level": "national",
        "after_hours-0-channels": "voice",
        "after_hours-1-after": "9",
        "after_hours-1-level": "exhausted",
        "rounds": "3",
        "action": "save",
    },
    "/beheer/regio/<code>/kantooruren": {"window_rows": "0", "exception_rows": "0"},
    "/piket/roosters/<int:rota_id>/vervanging": {
        "user": "achtervang@test.nl",
        "start": "2026-11-22 08:00",
        "end": "2026-11-22 12:00",
        "reason": "ziek",
    },
    "/login": {"email": "{admin_email}", "password": "correct-horse-1"},
}


def test_the_url_map_has_the_page_forms_we_expect():
    # A guard that PAGE_POSTS really is read from the app: these forms exist, no API or webhook slipped in.
    rules = {rule for rule, _e in PAGE_POSTS}
    assert {"/login", "/logout", "/zaak/<int:case_id>", "/aanvraag/nieuw", "/a/<token>"} <= rules
    assert not any(r.startswith(("/api/", "/webhooks/")) for r in rules)


@pytest.mark.parametrize("variant", ["missing", "wrong", "another_session"])
@pytest.mark.parametrize("rule,endpoint", PAGE_POSTS, ids=[r for r, _e in PAGE_POSTS])
def test_every_page_form_refuses_a_post_without_a_valid_csrf_token(
    app, client, login, users, ids, rule, endpoint, variant
):
    roles = getattr(app.view_functions[endpoint], "allowed_roles", None)
    if rule != "/login":
        # Logged in as someone the view lets in, so only the token can be what refuses.
        login(users["admin"] if not roles or "admin" in roles else users[roles[0]])
    else:
        client.get("/login")  # a session, as a browser that opened the form has
    data = {k: v.format(**ids) for k, v in FORMS.get(rule, {}).items()}
    if variant == "wrong":
        data["csrf_token"] = "IjAxMjM0NTY3ODkwYWJjZGVmIg.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"
    elif variant == "another_session":  # a real token, but minted for someone else's session
        other = app.test_client()
        data["csrf_token"] = csrf_token(other.get("/login").get_data(as_text=True))
    before = snapshot()
    resp = client.post(concrete(rule, ids), data=data)
    assert resp.status_code == 400, (rule, resp.status_code, resp.get_data(as_text=True)[:200])
    # refused by the CSRF check (its own Dutch sentence), not by validation further on
    assert vocabulary.CSRF_ERROR in resp.get_data(as_text=True)
    assert snapshot() == before


def test_the_same_form_with_its_token_does_write(client, login, users, ids):
    # The counterpart, so the refusals above are the token's doing: with the token the cancel goes through.
    from piket.models import PlacementRequest

    login(users["coordinator"])
    page = client.get(f"/zaak/{ids['case_id']}")
    resp = client.post(
        f"/zaak/{ids['case_id']}",
        data={
            "action": "cancel",
            "request_id": ids["request_id"],
            "confirm": "ja",  # Intrekken asks first; this is the confirming post
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert resp.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(PlacementRequest, ids["request_id"]).status == "cancelled"


# --- security headers on every kind of response --------------------------------------------------------


def _check_headers(resp, what):
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, what
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", what
    assert resp.headers.get("X-Frame-Options") == "DENY", what
    # The accept link carries its credential in the URL: it must never leave in a Referer header to another site.
    assert resp.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), what


def test_security_headers_on_every_kind_of_response(app, client, login, users, ids, signed_post, tokens, api):
    responses = {}
    responses["login page"] = client.get("/login")
    responses["static file"] = client.get("/static/style.css")
    responses["redirect to login"] = client.get("/")
    responses["page 404"] = client.get("/bestaat-niet")
    responses["accept link page"] = client.get(f"/a/{ids['token']}")
    responses["api json"] = api("comensha", "GET", "/api/v1/regions")
    responses["api csv export"] = api("comensha", "GET", "/api/v1/occupancy?format=csv")
    responses["api 401"] = client.get("/api/v1/regions")
    responses["api 404"] = api("admin", "GET", "/api/v1/placement-requests/99999")
    responses["api 422"] = api("police", "POST", "/api/v1/placement-requests", json={"requests": []})
    responses["openapi"] = client.get("/api/openapi.json")
    responses["webhook answer"] = signed_post(
        "/webhooks/twilio/sms", {"From": "+31699999999", "Body": "JA", "MessageSid": "SMsec1"}
    )
    responses["webhook refused"] = client.post("/webhooks/twilio/sms", data={"From": "+31699999999", "Body": "JA"})
    login(users["comensha"])
    responses["page"] = client.get("/landelijk")
    responses["csv export"] = client.get("/landelijk/export/occupancy.csv")
    responses["page 403"] = client.get("/beheer/worker")
    expected = {
        "login page": 200,
        "static file": 200,
        "redirect to login": 302,
        "page 404": 404,
        "accept link page": 200,
        "api json": 200,
        "api csv export": 200,
        "api 401": 401,
        "api 404": 404,
        "api 422": 422,
        "openapi": 200,
        "webhook answer": 200,
        "webhook refused": 403,
        "page": 200,
        "csv export": 200,
        "page 403": 403,
    }
    assert {k: r.status_code for k, r in responses.items()} == expected
    assert responses["csv export"].mimetype == "text/csv" and responses["api csv export"].mimetype == "text/csv"
    assert responses["webhook answer"].mimetype in ("text/xml", "application/xml")
    for what, resp in responses.items():
        _check_headers(resp, what)


@pytest.mark.own_app
def test_security_headers_on_an_unexpected_error(app, client):
    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    resp = client.get("/__boom")
    assert resp.status_code == 500 and "boom" not in resp.get_data(as_text=True)
    _check_headers(resp, "500")


# --- login rate limit -----------------------------------------------------------------------------------


def _login(app, email, password, addr, forwarded=None):
    client = app.test_client()
    env = {"REMOTE_ADDR": addr}
    page = client.get("/login", environ_base=env)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))},
        environ_base=env,
        headers=headers,
    ).status_code


def test_login_limit_holds_per_email_and_client_and_resets_after_the_window(app, users, make_user):
    police, other = users["police"].email, users["coordinator"].email
    limit, window = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_WINDOW_MINUTES"]
    assert (limit, window) == (5, 15)
    for _ in range(limit):
        assert _login(app, police, "wrong", "10.0.0.1") == 401
    assert _login(app, police, "correct-horse-1", "10.0.0.1") == 429  # the right password waits too
    assert _login(app, police, "wrong", "10.0.0.1") == 429
    # A forged X-Forwarded-For does not make a new client (no proxy is trusted by default).
    assert _login(app, police, "correct-horse-1", "10.0.0.1", forwarded="10.9.9.9") == 429
    # The same account from another client, and another account from the same client, are not blocked.
    assert _login(app, police, "correct-horse-1", "10.0.0.2") == 302
    assert _login(app, other, "correct-horse-1", "10.0.0.1") == 302
    # The e-mail is compared as the account knows it: another case or spaces are the same address.
    assert _login(app, "  " + police.upper(), "correct-horse-1", "10.0.0.1") == 429
    # Just inside the window still blocked; once the window has passed since the failures, allowed again.
    app.config["FROZEN_NOW"] = NOW + dt.timedelta(minutes=window) - dt.timedelta(seconds=1)
    assert _login(app, police, "correct-horse-1", "10.0.0.1") == 429
    app.config["FROZEN_NOW"] = NOW + dt.timedelta(minutes=window, seconds=1)
    assert _login(app, police, "correct-horse-1", "10.0.0.1") == 302


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_appended(app, users):
    # nginx appends the peer's address: whatever the client wrote to the left of it is its own claim.
    app.config["TRUST_PROXY"] = 1
    police = users["police"].email
    for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _login(app, police, "wrong", "10.0.0.1", forwarded=f"203.0.113.{attempt}, 198.51.100.7") == 401
    assert _login(app, police, "correct-horse-1", "10.0.0.1", forwarded="203.0.113.99, 198.51.100.7") == 429
    # Another client behind the same proxy is another client; a header with too few hops is the proxy's.
    assert _login(app, police, "correct-horse-1", "10.0.0.1", forwarded="198.51.100.8") == 302
    app.config["TRUST_PROXY"] = 2
    assert _login(app, police, "correct-horse-1", "10.0.0.1", forwarded="198.51.100.7, 10.0.0.5") == 429


def test_a_successful_login_clears_the_failures(app, users):
    police = users["police"].email
    for _ in range(4):
        assert _login(app, police, "wrong", "10.0.0.1") == 401
    assert _login(app, police, "correct-horse-1", "10.0.0.1") == 302
    for _ in range(4):  # four more failures: not five in a row since the success, so still allowed
        assert _login(app, police, "wrong", "10.0.0.1") == 401
    assert _login(app, police, "correct-horse-1", "10.0.0.1") == 302


def test_login_failure_does_not_say_whether_the_account_exists(app, users):
    client = app.test_client()
    answers = []
    for email in (users["police"].email, "nobody@test.nl"):
        page = client.get("/login")
        resp = client.post(
            "/login", data={"email": email, "password": "wrong", "csrf_token": csrf_token(page.get_data(as_text=True))}
        )
        answers.append(
            (resp.status_code, re.search(r'class="error"[^>]*>([^<]*)', resp.get_data(as_text=True)).group(1))
        )
    assert answers[0] == answers[1]


# --- API tokens: a revoked one is refused on every API route --------------------------------------------


def test_every_api_route_is_probed():
    methods = {m for _r, m in API_ROUTES}
    assert {"GET", "POST", "PUT", "PATCH"} <= methods and len(API_ROUTES) > 30


@pytest.mark.parametrize("how", ["revoked", "user_deactivated"])
def test_a_revoked_token_is_401_on_every_api_route(app, client, users, tokens, ids, now, how):
    admin = users["admin"]
    token = tokens["admin"]  # the admin may call every route, so only the token can be what refuses
    assert client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    if how == "revoked":
        row = db.session.scalars(select(ApiToken).where(ApiToken.user_id == admin.id)).one()
        accounts.revoke_token(now, row.id, admin)
    else:
        admin.active = False
        db.session.commit()
    before = snapshot()
    refused = {}
    for rule, method in API_ROUTES:
        resp = client.open(
            concrete(rule, ids), method=method, json={"unchanged": True}, headers={"Authorization": f"Bearer {token}"}
        )
        refused[(method, rule)] = (resp.status_code, (resp.json or {}).get("error", {}).get("code"))
    assert {k: v for k, v in refused.items() if v != (401, "not_authenticated")} == {}
    assert snapshot() == before
    # The other roles' tokens still work.
    assert client.get("/api/v1/regions", headers={"Authorization": f"Bearer {tokens['police']}"}).status_code == 200
