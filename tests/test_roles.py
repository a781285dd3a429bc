"""The role matrix: every role against every route, allowed or 403 (401 / login when anonymous).

The table below must name every route the app has, so a new route without a rule here fails.
"""

import datetime as dt

import pytest

from accounts.roles import Role
from extensions import db
from tests.conftest import NEW_SHELTER, hold_a_place

# Spelled out on purpose: the matrix states the rules independently of accounts/roles.py's groups.
ROLES = ("police", "shelter_staff", "coordinator", "comensha", "admin")
EVERYONE = set(ROLES)
NATIONAL = {"comensha", "admin"}
REGIONAL = NATIONAL | {"coordinator"}  # coordinators: their regions only, small counts suppressed

# (method, url template, json body, roles allowed). {cosm} is the staff's own shelter in Rotterdam.
MATRIX = [
    ("GET", "/", None, EVERYONE),
    ("GET", "/zoeken", None, EVERYONE),
    ("GET", "/opvang", None, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/opvang/{cosm}", None, EVERYONE),
    ("GET", "/opvang/{cosm}/beschikbaarheid", None, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/beheer/audit", None, NATIONAL),  # the access log: searched by record and by person
    # Accounts: the second factor of each, and their API tokens; an admin resets a lost second factor.
    ("GET", "/beheer/gebruikers", None, {"admin"}),
    ("POST", "/beheer/gebruikers/{user}/tweede-factor-resetten", {}, {"admin"}),
    # Managing accounts: admins; a coordinator only as their regions' lead (users.is_lead; this one is not:
    # tests/accounts/test_admin.py walks a lead through every route). {user} is the police account.
    ("GET", "/beheer/gebruikers/nieuw", None, {"admin"}),
    ("POST", "/beheer/gebruikers/nieuw", {}, {"admin"}),
    ("GET", "/beheer/gebruikers/{user}", None, {"admin"}),
    ("POST", "/beheer/gebruikers/{user}", {}, {"admin"}),
    ("POST", "/beheer/gebruikers/{user}/deactiveren", {}, {"admin"}),
    ("POST", "/beheer/gebruikers/{user}/heractiveren", {}, {"admin"}),
    ("POST", "/beheer/gebruikers/{user}/wachtwoord-link", {}, {"admin"}),
    ("GET", "/api/v1/users", None, {"admin"}),
    ("POST", "/api/v1/users", {"email": "nieuw@test.nl", "role": "police"}, {"admin"}),
    ("GET", "/api/v1/users/{user}", None, {"admin"}),
    ("PATCH", "/api/v1/users/{user}", {"name": "Agent"}, {"admin"}),
    ("POST", "/api/v1/users/{user}/deactivate", None, {"admin"}),
    ("POST", "/api/v1/users/{user}/reactivate", None, {"admin"}),
    ("POST", "/api/v1/users/{user}/password-reset", None, {"admin"}),
    (
        "GET",
        "/account/telefoon",
        None,
        EVERYONE,
    ),  # Mijn telefoon: one's own number, code, test (tests/accounts/test_phones.py)
    ("POST", "/account/telefoon", {}, EVERYONE),
    ("GET", "/api/v1/me/phone", None, EVERYONE),
    ("PUT", "/api/v1/me/phone", {"phone": "06 0000 0199"}, EVERYONE),
    ("POST", "/api/v1/me/phone/verify", {"code": "000000"}, EVERYONE),
    ("POST", "/api/v1/me/phone/test", {}, EVERYONE),
    ("GET", "/api/v1/vocabulary", None, EVERYONE),
    ("GET", "/api/v1/regions", None, EVERYONE),
    (
        "POST",
        "/api/v1/regions",
        {"code": "zwolle", "name": "Zwolle", "kind": "care", "lat": 52.5, "lon": 6.1},
        NATIONAL,
    ),
    ("GET", "/api/v1/shelters", None, EVERYONE),
    ("POST", "/api/v1/shelters", "NEW_SHELTER", NATIONAL),
    ("GET", "/api/v1/shelters/{cosm}", None, EVERYONE),
    ("PATCH", "/api/v1/shelters/{cosm}", {"name": "COSM Rijnmond"}, {"admin"}),
    # A shelter's profile: its own staff and admins (not coordinators: they place, the shelter says what it can).
    ("PATCH", "/api/v1/shelters/{cosm}/profile", {"excludes": ["pets"]}, {"shelter_staff", "admin"}),
    ("GET", "/opvang/{cosm}/profiel", None, {"shelter_staff", "admin"}),
    ("POST", "/opvang/{cosm}/profiel", {}, {"shelter_staff", "admin"}),
    # The registry: CoMensha and admins add and retire shelters and regions (here refused: a hold, shelters).
    ("POST", "/api/v1/shelters/{cosm}/retire", None, NATIONAL),
    ("POST", "/api/v1/regions/{region_code}/retire", None, NATIONAL),
    ("GET", "/beheer/opvang", None, NATIONAL),
    ("GET", "/beheer/opvang/nieuw", None, NATIONAL),
    ("POST", "/beheer/opvang/nieuw", {}, NATIONAL),
    ("GET", "/beheer/opvang/{cosm}/opheffen", None, NATIONAL),
    ("POST", "/beheer/opvang/{cosm}/opheffen", {}, NATIONAL),
    ("GET", "/beheer/regios", None, NATIONAL),
    ("GET", "/beheer/regios/nieuw", None, NATIONAL),
    ("POST", "/beheer/regios/nieuw", {}, NATIONAL),
    ("GET", "/beheer/regios/{region_code}/opheffen", None, NATIONAL),
    ("POST", "/beheer/regios/{region_code}/opheffen", {}, NATIONAL),
    ("POST", "/api/v1/shelters/{cosm}/availability", {"unchanged": True}, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/api/v1/shelters/{cosm}/availability", None, {"shelter_staff", "coordinator", "comensha", "admin"}),
    ("GET", "/api/v1/availability", None, EVERYONE),
    ("GET", "/api/v1/audit", None, NATIONAL),
    ("POST", "/opvang/{cosm}/beschikbaarheid", {}, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/opvang/{cosm}/intakes", None, {"shelter_staff", "coordinator", "admin"}),
    ("POST", "/opvang/{cosm}/intakes", {}, {"shelter_staff", "coordinator", "admin"}),
    ("GET", "/aanvraag/nieuw", None, {"police", "coordinator", "admin"}),
    ("POST", "/aanvraag/nieuw", {}, {"police", "coordinator", "admin"}),
    # Cases: CoMensha reads none (the report list instead); the case itself is scoped (tests below).
    ("GET", "/aanvragen", None, {"police", "coordinator", "admin"}),
    ("GET", "/zaak/{case}", None, {"police", "coordinator", "admin"}),
    ("POST", "/zaak/{case}", {}, {"police", "coordinator", "admin"}),
    ("GET", "/zaak/{case}/intrekken/{req}", None, {"police", "coordinator", "admin"}),  # Intrekken's question
    ("POST", "/api/v1/placement-requests", "NEW_CASE", {"police", "coordinator", "admin"}),
    ("GET", "/api/v1/placement-requests", None, {"police", "coordinator", "admin"}),
    ("GET", "/api/v1/placement-requests/{req}", None, {"police", "coordinator", "admin"}),
    ("POST", "/api/v1/placement-requests/{req}/accept", None, {"coordinator", "admin"}),
    ("POST", "/api/v1/placement-requests/{req}/cancel", None, {"police", "coordinator", "admin"}),
    ("GET", "/api/v1/placement-requests/{req}/proposals", None, {"coordinator", "admin"}),
    ("POST", "/api/v1/placement-requests/{req}/placements", {"pool_id": 1}, {"coordinator", "admin"}),
    ("POST", "/api/v1/placement-requests/{req}/decline", None, {"coordinator", "admin"}),
    ("PUT", "/api/v1/placement-requests/{req}/profile", {"persons": []}, {"coordinator", "admin"}),
    # The police may hand over only a report they own; in this probe they own none.
    ("PUT", "/api/v1/cases/{case}/report-owner", {"email": "x@test.nl"}, {"coordinator", "admin"}),
    ("GET", "/beheer/worker", None, {"admin"}),
    ("POST", "/api/v1/holds/{hold}/confirm", None, {"shelter_staff", "coordinator", "admin"}),
    ("POST", "/api/v1/holds/{hold}/release", {"reason": "other"}, {"shelter_staff", "coordinator", "admin"}),
    # Rotas: coordinators, CoMensha and admins see them; the service decides who may change which duty.
    ("GET", "/piket/roosters", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/piket/roosters", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}", None, {"coordinator", "comensha", "admin"}),
    ("GET", "/piket/roosters/{rota}/vervanging", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/piket/roosters/{rota}/vervanging", {}, {"coordinator", "comensha", "admin"}),
    ("GET", "/piket/roosters/{rota}/import", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/piket/roosters/{rota}/import", {}, {"coordinator", "comensha", "admin"}),
    ("GET", "/piket/roosters/{rota}/rotatie", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/rotatie", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}/agenda", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/piket/roosters/{rota}/agenda", {}, {"coordinator", "comensha", "admin"}),
    # Changing a rota (the owner here is the admin): shifts and swaps the owner and admins, rotations admins;
    # whoever entered a swap may shorten it (tests/piket/rotas/test_rota_edit.py).
    ("GET", "/piket/roosters/{rota}/dienst", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/dienst", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}/dienst/{shift}", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/dienst/{shift}", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}/dienst/{shift}/verwijderen", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/dienst/{shift}/verwijderen", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}/rotatie/{rotation}", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/rotatie/{rotation}", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}/rotatie/{rotation}/verwijderen", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/rotatie/{rotation}/verwijderen", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}/vervanging/{override}", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/vervanging/{override}", {}, {"admin"}),
    ("GET", "/piket/roosters/{rota}/vervanging/{override}/verwijderen", None, {"admin"}),
    ("POST", "/piket/roosters/{rota}/vervanging/{override}/verwijderen", {}, {"admin"}),
    ("GET", "/api/v1/rotas", None, {"coordinator", "comensha", "admin"}),
    ("GET", "/api/v1/rotas/{rota}", None, {"coordinator", "comensha", "admin"}),
    ("GET", "/api/v1/rotas/{rota}/shifts", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/api/v1/rotas/{rota}/shifts", {}, {"admin"}),
    ("PATCH", "/api/v1/rotas/{rota}/shifts/{shift}", {}, {"admin"}),
    ("DELETE", "/api/v1/rotas/{rota}/shifts/{shift}", None, {"admin"}),
    ("GET", "/api/v1/rotas/{rota}/rotations", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/api/v1/rotas/{rota}/rotations", {}, {"admin"}),
    ("PATCH", "/api/v1/rotas/{rota}/rotations/{rotation}", {}, {"admin"}),
    ("DELETE", "/api/v1/rotas/{rota}/rotations/{rotation}", None, {"admin"}),
    ("GET", "/api/v1/rotas/{rota}/overrides", None, {"coordinator", "comensha", "admin"}),
    # Anyone on a rota may hand over their own duty: the service checks the stretch (403 when not theirs).
    ("POST", "/api/v1/rotas/{rota}/overrides", {}, {"coordinator", "comensha", "admin"}),
    ("PATCH", "/api/v1/rotas/{rota}/overrides/{override}", {}, {"admin"}),
    ("DELETE", "/api/v1/rotas/{rota}/overrides/{override}", None, {"admin"}),
    # A region's office hours and ladders: everyone who sees the rotas reads them; admins change every region,
    # a coordinator their own (Rotterdam here; another region is refused in tests/piket/test_ladder_editor.py).
    ("GET", "/beheer/regio", None, {"coordinator", "comensha", "admin"}),
    ("GET", "/beheer/regio/{region}/ladder", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/beheer/regio/{region}/ladder", {}, {"coordinator", "admin"}),
    ("GET", "/beheer/regio/{region}/kantooruren", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/beheer/regio/{region}/kantooruren", {}, {"coordinator", "admin"}),
    ("GET", "/api/v1/regions/{region}/office-hours", None, {"coordinator", "comensha", "admin"}),
    ("PUT", "/api/v1/regions/{region}/office-hours", {"windows": "x"}, {"coordinator", "admin"}),
    ("GET", "/api/v1/regions/{region}/escalation-policy", None, {"coordinator", "comensha", "admin"}),
    ("PUT", "/api/v1/regions/{region}/escalation-policy", {"rounds": 0}, {"coordinator", "admin"}),
    ("GET", "/api/v1/regions/{region}/escalation-preview", None, {"coordinator", "comensha", "admin"}),
    ("POST", "/api/v1/regions/{region}/escalation-preview", {"rounds": 2}, {"coordinator", "admin"}),
    # The national view and its exports: CoMensha and admins nationally, coordinators their regions; nobody else.
    ("GET", "/landelijk", None, REGIONAL),
    ("GET", "/landelijk/export/{topic}.{fmt}", None, REGIONAL),
    ("POST", "/landelijk/herinnering/{cosm}", {}, REGIONAL),
    ("GET", "/landelijk/wat-als", None, NATIONAL),
    ("POST", "/landelijk/wat-als", {}, NATIONAL),
    ("GET", "/landelijk/wat-als/scenario.json", None, NATIONAL),
    ("GET", "/api/v1/occupancy", None, REGIONAL),
    ("GET", "/api/v1/occupancy/history", None, REGIONAL),
    ("GET", "/api/v1/freshness", None, REGIONAL),
    ("POST", "/api/v1/freshness/{cosm}/reminder", None, REGIONAL),
    ("GET", "/api/v1/unmet-demand", None, REGIONAL),
    ("GET", "/api/v1/time-to-placement", None, REGIONAL),
    ("GET", "/api/v1/comensha-reports", None, REGIONAL),
    ("POST", "/api/v1/what-if", {"edits": [{"shelter": "ROT-COSM", "pool": "bed", "extra": 1}]}, NATIONAL),
    # Marking the CoMensha report made: its owner (none in this probe), coordinators, CoMensha, admins.
    ("PUT", "/api/v1/cases/{case}/report", {"made": True}, REGIONAL),
]
PUBLIC = {
    "/login",
    "/logout",
    # The second step of a login: only for the account whose password this session just gave (tests/accounts/test_mfa.py).
    "/login/code",
    "/login/herstelcode",
    "/login/instellen",
    # The one-time link to set a password: the random token is the credential (tests/accounts/test_password_reset.py).
    "/wachtwoord/<token>",
    "/api/openapi.json",
    "/static/<path:filename>",
    "/healthz",
    "/healthz/web",  # monitoring and load balancers: no personal data (tests/ops/test_health.py)
    "/toegankelijkheid",  # the accessibility statement: anyone may read it, logged in or not (tests/test_accessibility_statement.py)
    # Prometheus: METRICS_TOKEN is its only key, no role's session or API token opens it (test below, tests/ops/test_metrics.py).
    "/metrics",
    # iCal feeds: the secret token in the URL is the key, calendar apps cannot log in (test below).
    "/piket/ical/<token>.ics",
    # The SMS accept link: the signed, single-use token is the credential (tests/piket/test_answers.py).
    "/a/<token>",
    # The shelter's intake link: checked, then on to the intake page, which asks for a login (tests/piket/test_intake_loop.py).
    "/i/<token>",
    # Twilio's webhooks: refused without a valid X-Twilio-Signature (tests/piket, tests/notify).
    "/webhooks/twilio/status/<int:attempt_id>",  # delivery callbacks (tests/notify/test_webhooks.py)
    "/webhooks/twilio/sms",
    "/webhooks/twilio/voice/<int:attempt_id>",
    "/webhooks/twilio/voice/<int:attempt_id>/keuze",
    "/webhooks/twilio/national",
    "/webhooks/twilio/national/regio",
    "/webhooks/twilio/national/<int:request_id>/dial/<int:level_index>/<int:user_id>",
    "/webhooks/twilio/national/<int:request_id>/screen/<int:level_index>/<int:user_id>",  # the whisper
    "/webhooks/twilio/national/<int:request_id>/screen/<int:level_index>/<int:user_id>/key",
    "/webhooks/twilio/national/<int:request_id>/terugbelnummer",  # a withheld caller's number
}


NEW_CASE = {
    "case_reference": "PL-1",
    "callback_phone": "+31612345678",
    "found": {"region": "rotterdam"},
    "requests": [{"persons": [{"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}]}],
}


def _rule_of(url):
    return (
        url.replace("{cosm}", "<int:shelter_id>")
        .replace("{case}", "<int:case_id>")
        .replace("{req}", "<int:request_id>")
        .replace("{hold}", "<int:hold_id>")
        .replace("{rota}", "<int:rota_id>")
        .replace("{shift}", "<int:shift_id>")
        .replace("{rotation}", "<int:rotation_id>")
        .replace("{override}", "<int:override_id>")
        .replace("{topic}", "<topic>")
        .replace("{fmt}", "<fmt>")
        .replace("{user}", "<int:user_id>")
        .replace("{region_code}", "<region_code>")
        .replace("{region}", "<code>")
    )


@pytest.fixture
def ids(registry, users, now):
    """A case by the police user, and a hold on the staff's own shelter for its request."""
    from extensions import db
    from piket import service

    case, _ = service.create_case(now, service.parse_case(NEW_CASE, users["police"]), users["police"])
    request = case.requests[0]
    pool = registry["shelters"]["rot-cosm"].pools[0]
    hold = hold_a_place(now, request.id, pool, users["admin"])
    from piket.rotas.models import Rota

    rota = Rota(
        region_id=registry["regions"]["rotterdam"].id,
        level="primary",
        name="Piket primair Rotterdam",
        owner_id=users["admin"].id,
    )
    db.session.add(rota)
    db.session.flush()
    from piket.rotas.models import RotaOverride, RotaRotation, RotaShift

    later = now + dt.timedelta(days=3)
    shift = RotaShift(
        rota_id=rota.id,
        user_id=users["coordinator"].id,
        start=later,
        end=later + dt.timedelta(hours=8),
        source="manual",
    )
    rotation = RotaRotation(
        rota_id=rota.id,
        start_date=(now + dt.timedelta(days=10)).date(),
        handover="09:00",
        shift_hours=24,
        days=[1, 2, 3, 4, 5, 6, 7],
        people=[users["coordinator"].id],
    )
    swap = RotaOverride(
        rota_id=rota.id,
        user_id=users["coordinator"].id,
        start=later + dt.timedelta(days=1),
        end=later + dt.timedelta(days=1, hours=4),
        created_by_id=users["admin"].id,
        created_at=now,
    )
    db.session.add_all([shift, rotation, swap])
    db.session.commit()
    return {
        "shift": shift.id,
        "rotation": rotation.id,
        "override": swap.id,
        "cosm": registry["shelters"]["rot-cosm"].id,
        "case": case.id,
        "req": request.id,
        "hold": hold.id,
        "rota": rota.id,
        "topic": "occupancy",
        "fmt": "csv",
        "user": users["police"].id,
        "region_code": "rotterdam",
        "region": "rotterdam",
    }


def test_the_matrix_tries_every_role():
    assert set(ROLES) == set(Role)


def test_every_route_is_in_the_matrix(app):
    routes = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    covered = {(m, _rule_of(u)) for m, u, _b, _r in MATRIX}
    missing = {(m, r) for m, r in routes - covered if r not in PUBLIC}
    assert not missing, f"routes without a role rule in the matrix: {sorted(missing)}"


@pytest.mark.parametrize("method,url,body,allowed", MATRIX, ids=[f"{m} {u}" for m, u, _b, _a in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, login, api, users, ids, role, method, url, body, allowed):
    url = url.format(**ids)
    body = {"NEW_SHELTER": NEW_SHELTER, "NEW_CASE": NEW_CASE}.get(body, body) if isinstance(body, str) else body
    if url.startswith("/api/"):
        resp = api(role, method, url, json=body)
    else:
        login(users[role])
        if method == "POST":  # a real form post, with its CSRF token; empty otherwise (bad input is fine here)
            from tests.conftest import csrf_token

            page = client.get(url)
            if page.status_code == 405:  # a form that only posts (a button on another page): its token from home
                page = client.get("/")
            resp = (
                client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
                if page.status_code == 200
                else page
            )
        else:
            resp = client.open(url, method=method)
    if role in allowed:
        # Allowed: anything but a refusal (bad or conflicting input in these probes is fine).
        assert resp.status_code not in (401, 403) and resp.status_code < 500, (
            resp.status_code,
            resp.get_data(as_text=True)[:300],
        )
        if resp.status_code == 302:
            assert "/login" not in resp.headers["Location"]
    else:
        assert resp.status_code == 403
        if url.startswith("/api/"):
            assert resp.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("method,url,body,allowed", MATRIX, ids=[f"{m} {u}" for m, u, _b, _a in MATRIX])
def test_anonymous_is_refused(client, ids, method, url, body, allowed):
    url = url.format(**ids)
    resp = client.open(url, method=method, json=body if isinstance(body, dict) else None)
    if url.startswith("/api/"):
        assert resp.status_code == 401 and resp.json["error"]["code"] == "not_authenticated"
    elif method == "POST":  # a form post without a session has no CSRF token either: refused before the view
        assert resp.status_code == 400 or (resp.status_code == 302 and "/login" in resp.headers["Location"])
    else:
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_metrics_open_to_its_token_only_not_to_any_role(app, client, login, api, users, role):
    app.config["METRICS_TOKEN"] = "metrics-token-for-the-matrix"
    assert api(role, "GET", "/metrics").status_code == 404
    login(users[role])
    assert client.get("/metrics").status_code == 404
    opened = client.get("/metrics", headers={"Authorization": "Bearer metrics-token-for-the-matrix"})
    assert opened.status_code == 200 and b"piket_outbox_lag_seconds" in opened.data


def test_ical_feed_with_an_unknown_token_is_404(client):
    assert client.get("/piket/ical/not-a-real-token.ics").status_code == 404


def test_every_webhook_refuses_an_unsigned_or_missigned_request(app, client, ids):
    # Webhooks are PUBLIC above only because Twilio's signature is their credential: every one, read
    # from the URL map (a new webhook is checked too), refuses a request without or with a wrong signature.
    app.config["TWILIO_AUTH_TOKEN"] = "test-twilio-token"
    webhooks = sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/webhooks/"))
    assert len(webhooks) >= 7 and all(rule in PUBLIC for rule in webhooks)
    values = {"attempt_id": 1, "request_id": ids["req"], "level_index": 0, "user_id": 1}
    for rule in webhooks:
        url = rule
        for name, value in values.items():
            url = url.replace(f"<int:{name}>", str(value))
        for headers in ({}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}):
            resp = client.post(url, data={"From": "+31612345678", "Body": "JA", "CallSid": "CA1"}, headers=headers)
            assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden", (url, headers)


# --- the access scope (piket/access.py): which case, not only which role -------------------------------------

# Every route that reads or acts on one case, probed with a case in Rotterdam: {req} is its second group,
# {hold} a place held for that group. (method, url, body); a body "FORM" posts the case page's form.
CASE_ROUTES = [
    ("GET", "/zaak/{case}", None),
    ("POST", "/zaak/{case}", "FORM"),
    ("GET", "/zaak/{case}/intrekken/{req}", None),
    ("GET", "/api/v1/placement-requests/{req}", None),
    ("POST", "/api/v1/placement-requests/{req}/accept", None),
    ("POST", "/api/v1/placement-requests/{req}/cancel", None),
    ("POST", "/api/v1/placement-requests/{req}/decline", None),
    ("PUT", "/api/v1/placement-requests/{req}/profile", {"persons": []}),
    ("GET", "/api/v1/placement-requests/{req}/proposals", None),
    ("POST", "/api/v1/placement-requests/{req}/placements", {"pool_id": 1}),
    ("POST", "/api/v1/holds/{hold}/confirm", None),
    ("POST", "/api/v1/holds/{hold}/release", {"reason": "other"}),
    ("PUT", "/api/v1/cases/{case}/report-owner", {"email": "x@test.nl"}),
    ("PUT", "/api/v1/cases/{case}/report", {"made": True}),
]


@pytest.fixture
def scoped(registry, users, make_user, now):
    """A Rotterdam case of two groups with a place held for the second; another Rotterdam case; a coordinator
    of Amsterdam (outside), and a coordinator of Den Haag paged as back-up for this case (by its first group's id:
    one page per case)."""
    from accounts import service as accounts
    from notify import service as notify
    from piket import service
    from tests.conftest import case_body

    police = users["police"]
    case, _ = service.create_case(now, service.parse_case(case_body(apart=[]), police), police)
    other, _ = service.create_case(now, service.parse_case(case_body(apart=[]), police), police)
    first, second = case.requests
    hold = hold_a_place(now, second.id, registry["shelters"]["rot-mo"].pools[0], users["admin"])
    outsider = make_user("coordinator", regions=["amsterdam"])
    backup = make_user("coordinator", regions=["den-haag"])
    backup.phone = "+31610000002"
    notify.enqueue(
        now, to=backup.phone, channel="sms", purpose="page", user_id=backup.id, request_id=first.id, body="page"
    )
    db.session.commit()
    return {
        "case": case.id,
        "req": second.id,
        "hold": hold.id,
        "other_case": other.id,
        "other_req": other.requests[1].id,
        "outsider": (outsider, accounts.issue_token(now, outsider)),
        "backup": (backup, accounts.issue_token(now, backup)),
    }


def _probe(client, login, person, method, url, body, request_id):
    """The route as this person: an API call with their token, or a page (a form post with its CSRF token)."""
    user, token = person
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
    from tests.conftest import csrf_token

    login(user)
    if method == "GET":
        return client.get(url)
    form = {"csrf_token": csrf_token(client.get("/").get_data(as_text=True)), "action": "decline"}
    return client.post(url, data={**form, "request_id": request_id})


@pytest.mark.parametrize("method,url,body", CASE_ROUTES, ids=[f"{m} {u}" for m, u, _b in CASE_ROUTES])
def test_a_coordinator_of_another_region_is_refused_every_case_route(client, login, scoped, method, url, body):
    from piket.models import PlacementRequest

    before = db.session.get(PlacementRequest, scoped["req"]).status
    resp = _probe(client, login, scoped["outsider"], method, url.format(**scoped), body, scoped["req"])
    assert resp.status_code in (403, 404), (resp.status_code, resp.get_data(as_text=True)[:300])
    db.session.expire_all()
    assert db.session.get(PlacementRequest, scoped["req"]).status == before  # nothing happened to the case


@pytest.mark.parametrize("method,url,body", CASE_ROUTES, ids=[f"{m} {u}" for m, u, _b in CASE_ROUTES])
def test_a_paged_back_up_of_another_region_may_act_on_exactly_that_case(client, login, scoped, method, url, body):
    resp = _probe(client, login, scoped["backup"], method, url.format(**scoped), body, scoped["req"])
    assert resp.status_code not in (401, 403, 404) and resp.status_code < 500, (
        resp.status_code,
        resp.get_data(as_text=True)[:300],
    )
    if "{hold}" in url:
        return  # the hold is this case's; the other case has none
    ids = {**scoped, "case": scoped["other_case"], "req": scoped["other_req"]}
    refused = _probe(client, login, scoped["backup"], method, url.format(**ids), body, ids["req"])
    assert refused.status_code in (403, 404), (refused.status_code, refused.get_data(as_text=True)[:300])


def test_the_lists_hold_only_the_cases_in_scope(client, login, scoped, api):
    def listed(person):
        _user, token = person
        resp = client.get("/api/v1/placement-requests", headers={"Authorization": f"Bearer {token}"})
        return {r["case"]["id"] for r in resp.json["requests"]}

    assert listed(scoped["outsider"]) == set()
    assert listed(scoped["backup"]) == {scoped["case"]}
    assert {r["case"]["id"] for r in api("coordinator", "GET", "/api/v1/placement-requests").json["requests"]} == {
        scoped["case"],
        scoped["other_case"],
    }
    login(scoped["backup"][0])
    page = client.get("/aanvragen?alle=1").get_data(as_text=True)
    assert f"/zaak/{scoped['case']}" in page and f"/zaak/{scoped['other_case']}" not in page
