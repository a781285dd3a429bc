"""Every HTML page of the app: a concrete URL built from real data, and the role that views it.

The demo data (`flask --app app demo`: beds, piket, national) plus what the demo lacks (an open case
with a held place, an SMS accept link, an intake link, a password link, a rota's own shift and swap),
so each page shows content, not its empty state. Used by the browser sweep (tests/test_every_page_browser.py)
and usable without a browser: `pages(data)` is a list of (endpoint, role, url) for the Flask test client.
"""

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select

from extensions import db

PASSWORD = "piket-demo-2026"  # beds/demo.py's PASSWORD, for every account below
ANONYMOUS = None  # no login
SECOND_FACTOR = "second_factor"  # the password given, the code not yet (an enrolled account)
ACCOUNTS = {  # role -> the demo account that views the pages (beds/demo.py, piket/demo.py)
    "police": "politie@demo.piket.nl",  # Eenheid Rotterdam
    "shelter_staff": "opvang@demo.piket.nl",  # OMP Amsterdam
    "coordinator": "coordinator@demo.piket.nl",  # Rotterdam, on duty in every care region
    "comensha": "comensha@demo.piket.nl",
    "admin": "admin@demo.piket.nl",  # also the owner of the demo rotas
    SECOND_FACTOR: "tweede-factor@demo.piket.nl",  # an admin enrolled in the second factor (added below)
}

# GET routes that answer no HTML page, so no browser check: data for machines or files to download.
NOT_PAGES = {
    "static",  # CSS and images
    "openapi.openapi_json",  # the API description (JSON)
    "ops_health.healthz",  # monitoring (JSON)
    "ops_health.healthz_web",
    "ops_metrics.metrics",  # Prometheus text
    "national.national_export",  # CSV/JSON exports of the national tables
    "national.what_if_scenario",  # the what-if scenario as JSON
    "rotas.ical_feed",  # the iCal feed for calendar apps
}
NOT_PAGE_PREFIXES = ("/api/", "/webhooks/")  # the JSON API and Twilio's webhooks (XML)


class Page(NamedTuple):
    role: str | None  # a key of ACCOUNTS, or ANONYMOUS
    url: object  # data -> the URL (path and query)


PAGES = {
    "home.index": Page("coordinator", lambda d: "/"),
    "home.accessibility_statement": Page(ANONYMOUS, lambda d: "/toegankelijkheid"),
    # Accounts and the login
    "accounts.login": Page(ANONYMOUS, lambda d: "/login"),
    "accounts.second_factor": Page(SECOND_FACTOR, lambda d: "/login/code"),
    "accounts.recovery_code": Page(SECOND_FACTOR, lambda d: "/login/herstelcode"),
    "accounts.enrol": Page("police", lambda d: "/login/instellen"),  # the optional second factor of a police account
    "accounts.set_password": Page(ANONYMOUS, lambda d: f"/wachtwoord/{d['password_token']}"),
    "accounts.user_list": Page("admin", lambda d: "/beheer/gebruikers"),
    "accounts.user_new": Page("admin", lambda d: "/beheer/gebruikers/nieuw"),
    "accounts.user_edit": Page("admin", lambda d: f"/beheer/gebruikers/{d['police_id']}"),
    "phone.my_phone": Page("police", lambda d: "/account/telefoon"),
    "audit.audit_log": Page("comensha", lambda d: "/beheer/audit"),
    # Beds and the registry
    "beds.national_search": Page("police", lambda d: "/zoeken?region=rotterdam&gender=female&age=30"),
    "beds.my_shelters": Page("shelter_staff", lambda d: "/opvang"),
    "beds.shelter_detail": Page("coordinator", lambda d: f"/opvang/{d['shelter']}"),
    "beds.availability": Page("shelter_staff", lambda d: f"/opvang/{d['shelter']}/beschikbaarheid"),
    "beds.profile": Page("shelter_staff", lambda d: f"/opvang/{d['shelter']}/profiel"),
    "beds.registry_shelters": Page("comensha", lambda d: "/beheer/opvang"),
    "beds.new_shelter": Page("comensha", lambda d: "/beheer/opvang/nieuw"),
    "beds.retire_shelter": Page("comensha", lambda d: f"/beheer/opvang/{d['shelter']}/opheffen"),
    "beds.registry_regions": Page("comensha", lambda d: "/beheer/regios"),
    "beds.new_region": Page("comensha", lambda d: "/beheer/regios/nieuw"),
    "beds.retire_region": Page("comensha", lambda d: "/beheer/regios/rotterdam/opheffen"),
    # The night flow
    "piket.new_request": Page("police", lambda d: "/aanvraag/nieuw"),
    "piket.request_list": Page("police", lambda d: "/aanvragen"),
    "piket.case_page": Page("coordinator", lambda d: f"/zaak/{d['case']}"),
    "piket.cancel_question": Page("police", lambda d: f"/zaak/{d['case']}/intrekken/{d['request']}"),
    "piket.intakes": Page("shelter_staff", lambda d: f"/opvang/{d['shelter']}/intakes"),
    "piket.worker_page": Page("admin", lambda d: "/beheer/worker"),
    "accept_link.show": Page(ANONYMOUS, lambda d: f"/a/{d['accept_token']}"),
    "accept_link.intake": Page("shelter_staff", lambda d: f"/i/{d['intake_token']}"),  # on to the intake page
    # Rotas, ladders, office hours
    "rotas.rota_list": Page("coordinator", lambda d: "/piket/roosters"),
    "rotas.rota_page": Page("coordinator", lambda d: f"/piket/roosters/{d['rota']}"),
    "rotas.renew_feed": Page("coordinator", lambda d: f"/piket/roosters/{d['rota']}/agenda"),
    "rotas.import_shifts": Page("coordinator", lambda d: f"/piket/roosters/{d['rota']}/import"),
    "rotas.add_override": Page("coordinator", lambda d: f"/piket/roosters/{d['rota']}/vervanging"),
    "rotas.edit_override": Page("admin", lambda d: f"/piket/roosters/{d['rota']}/vervanging/{d['override']}"),
    "rotas.delete_override": Page(
        "admin", lambda d: f"/piket/roosters/{d['rota']}/vervanging/{d['override']}/verwijderen"
    ),
    "rotas.add_shift": Page("admin", lambda d: f"/piket/roosters/{d['rota']}/dienst"),
    "rotas.edit_shift": Page("admin", lambda d: f"/piket/roosters/{d['rota']}/dienst/{d['shift']}"),
    "rotas.delete_shift": Page("admin", lambda d: f"/piket/roosters/{d['rota']}/dienst/{d['shift']}/verwijderen"),
    "rotas.add_rotation": Page("admin", lambda d: f"/piket/roosters/{d['rota']}/rotatie"),
    "rotas.edit_rotation": Page("admin", lambda d: f"/piket/roosters/{d['rota']}/rotatie/{d['rotation']}"),
    "rotas.delete_rotation": Page(
        "admin", lambda d: f"/piket/roosters/{d['rota']}/rotatie/{d['rotation']}/verwijderen"
    ),
    "ladders.region_list": Page("coordinator", lambda d: "/beheer/regio"),
    "ladders.ladder": Page("coordinator", lambda d: "/beheer/regio/rotterdam/ladder"),
    "ladders.office_hours": Page("coordinator", lambda d: "/beheer/regio/rotterdam/kantooruren"),
    # The national view
    "national.national_page": Page("comensha", lambda d: "/landelijk"),
    "national.what_if": Page("comensha", lambda d: "/landelijk/wat-als"),
}


def page_endpoints(app) -> set[str]:
    """The endpoints of every GET route that answers an HTML page (the URL map less NOT_PAGES)."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES and not rule.rule.startswith(NOT_PAGE_PREFIXES)
    }


def pages(data) -> list[tuple[str, str | None, str]]:
    """(endpoint, role, url) for every page, grouped by role (one login per role)."""
    order = list(ACCOUNTS) + [ANONYMOUS]
    rows = [(endpoint, page.role, page.url(data)) for endpoint, page in PAGES.items()]
    return sorted(rows, key=lambda row: (order.index(row[1]), row[0]))


def load(now) -> dict:
    """The demo data and what it lacks; the ids and tokens the URLs need. Commits (a live server reads it)."""
    from accounts import resets
    from accounts import service as accounts
    from accounts.models import User
    from beds import demo as beds_demo
    from beds.models import BedPool
    from national import demo as national_demo
    from notify.models import NotificationAttempt
    from piket import demo as piket_demo
    from piket import links
    from piket import service as piket
    from piket.rotas.models import Rota, RotaOverride, RotaRotation, RotaShift
    from tests.conftest import case_body, hold_a_place

    assert beds_demo.PASSWORD == PASSWORD
    beds_demo.load(now)
    piket_demo.load(now)
    national_demo.load(now)
    user = {role: accounts.user_by_email(email) for role, email in ACCOUNTS.items() if role != SECOND_FACTOR}

    enrolled = accounts.create_user(now, email=ACCOUNTS[SECOND_FACTOR], password=PASSWORD, role="admin")
    enrolled.mfa_secret, enrolled.mfa_enrolled_at = "JBSWY3DPEHPK3PXP", now
    newcomer = accounts.create_user(now, email="nieuw@demo.piket.nl", password=PASSWORD, role="police")
    password_token, _row = resets.issue(now, newcomer, user["admin"])

    # An open case by the demo officer, a place held at the demo staff's own shelter for its first request.
    body = case_body(case_reference="PL1700-2026-0042")
    case, _ = piket.create_case(now, piket.parse_case(body, user["police"]), user["police"])
    request = case.requests[0]
    shelter = user["shelter_staff"].shelters[0]
    pool = db.session.scalars(select(BedPool).where(BedPool.shelter_id == shelter.id).order_by(BedPool.id)).first()
    hold_a_place(now, request.id, pool, user["coordinator"])
    db.session.refresh(request)
    placement = request.placements[-1]
    page = NotificationAttempt(
        created_at=now,
        updated_at=now,
        purpose="page",
        channel="sms",
        to_number=user["coordinator"].phone or "+31600000001",
        user_id=user["coordinator"].id,
        request_id=request.id,
        step=0,
        body="Piket: nieuwe aanvraag",
        status="sent",
    )
    db.session.add(page)

    # Rotterdam's primary rota (demo: a rotation) with a shift and a swap of its own.
    rota = db.session.scalars(
        select(Rota).where(Rota.level == "primary", Rota.region.has(code="rotterdam")).order_by(Rota.id)
    ).first()
    later = now + dt.timedelta(days=3)
    shift = RotaShift(
        rota_id=rota.id,
        user_id=user["coordinator"].id,
        start=later,
        end=later + dt.timedelta(hours=8),
        source="manual",
        created_at=now,
    )
    swap = RotaOverride(
        rota_id=rota.id,
        user_id=user["coordinator"].id,
        start=later + dt.timedelta(days=1),
        end=later + dt.timedelta(days=1, hours=4),
        created_by_id=user["admin"].id,
        created_at=now,
    )
    db.session.add_all([shift, swap])
    db.session.flush()
    rotation = db.session.scalars(select(RotaRotation).where(RotaRotation.rota_id == rota.id)).first()
    data = {
        "police_id": user["police"].id,
        "shelter": shelter.id,
        "case": case.id,
        "request": request.id,
        "accept_token": links.token_for(page.id, now),
        "intake_token": links.intake_url(placement.id, shelter.id, now).rsplit("/i/", 1)[1],
        "password_token": password_token,
        "rota": rota.id,
        "shift": shift.id,
        "override": swap.id,
        "rotation": rotation.id,
        "second_factor_id": db.session.scalar(select(User.id).where(User.email == ACCOUNTS[SECOND_FACTOR])),
    }
    db.session.commit()
    return data
