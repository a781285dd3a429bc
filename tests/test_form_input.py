"""Every form page against bad input: empty, huge, wrong-typed, repeated and script-bearing values.

The list of forms comes from the app's URL map (every POST route outside /api/ and /webhooks/), so a new
form without an entry here fails. Each field of each form is posted bad, one at a time, with the rest of
the form valid, by a logged-in user allowed to post it and with a valid CSRF token. For every post:
never a 5xx; the form is shown again with a Dutch message beside the field concerned; the database is
unchanged (every row of every table, except those that record attempts, see ATTEMPT_TABLES); and a
script-bearing value never appears unescaped in the page.
"""

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from extensions import db
from tests.conftest import hold_a_place

HUGE = "9" * 100_000
SCRIPTS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
# Words of the English messages of validation.py and werkzeug: a page must never show them to a user.
ENGLISH = re.compile(
    r"\b(must|required|invalid|whole number|characters|unknown|the|text|between|at least|at most|"
    r"one of|format|bad request|not found|error|released|expected|object)\b",
    re.I,
)

# The only tables a refused post may change, per form, and why:
ATTEMPT_TABLES = {
    # Every failed login is recorded: it is the rate limit's memory (LOGIN_MAX_FAILURES per window), not
    # data the form stores. (Failed logins are not audited, so the audit log must stay unchanged too.)
    "/login": {"login_attempts"},
}


READ_ACTIONS = ("case.read", "shelter.address_shown")  # NEN 7513: a showing is logged, also of a refused form


def _snapshot(rule):
    """Every row of every table: a refused form must change none of them (rows counted and compared)."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in ATTEMPT_TABLES.get(rule, ()):
            continue
        query = select(table)
        if table.name == "audit_log":  # the documented exception: the access log of the page shown again
            query = query.where(table.c.action.not_in(READ_ACTIONS))
        rows = db.session.execute(query).all()
        state[table.name] = sorted(repr(tuple(r)) for r in rows)
    db.session.commit()  # end the read (SQLite: release the lock before the next request)
    return state


def _csrf(html):
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _bad_values(kind):
    """(label, value) pairs: value is a string, a list (a repeated field) or a file (bytes, filename)."""
    if kind == "file":
        return [
            ("huge file", (HUGE.encode() * 60, "groot.csv")),
            ("binary file", (bytes(range(256)) * 4, "data.bin")),
            ("script file", ((SCRIPTS[0] + "," + SCRIPTS[1] + "\n").encode(), SCRIPTS[0] + ".csv")),
        ]
    values = [
        ("huge", HUGE),
        ("script", SCRIPTS[0]),
        ("attribute script", SCRIPTS[1]),
        ("repeated", ["x" + SCRIPTS[0], "1"]),
    ]
    values.append(
        (
            "wrong type",
            {
                "number": "twaalf",
                "date": "gisteren",
                "choice": "onbekend<b>",
                "codes": "geen-code",
                "id": "abc",
                "text": "\x00",
                "email": "geen e-mail",
            }[kind],
        )
    )
    return values


# One entry per form route. role: who posts it (None: anonymous); url and page (where the form is shown,
# for its CSRF token); base: a valid form; fields: name -> (kind, required, where the message stands:
# the data-field of a `.field-error` beside the input, or "form" for a hidden field or a button, whose
# message stands at the top of the form it belongs to).
FORMS = {
    "/login": dict(
        role=None,
        url="/login",
        base={"email": "{police_email}", "password": "correct-horse-1"},
        fields={
            # One message for both fields on purpose: a login page must not tell which of the two was wrong.
            "email": ("email", True, "login"),
            "password": ("text", True, "login"),
        },
    ),
    "/logout": dict(role="police", url="/logout", page="/", base={}, fields={}),  # no input but the CSRF token
    "/opvang/<int:shelter_id>/beschikbaarheid": dict(
        role="shelter_staff",
        url="/opvang/{cosm}/beschikbaarheid",
        base={"free-{pool}": "1", "oos-{pool}": "0", "action": "set"},
        fields={
            "free-{pool}": ("number", True, "free-{pool}"),
            "oos-{pool}": ("number", False, "oos-{pool}"),
            "step": ("choice", False, "form"),
        },
    ),
    "/aanvraag/nieuw": dict(
        role="police",
        url="/aanvraag/nieuw",
        base={
            "region": "rotterdam",
            "case_reference": "PL-2026-9",
            "callback_phone": "+31612345678",
            "urgency": "immediate",
            "threat": "low",
            "g0-gender": "male",
            "g0-age": "40",
            "g0-residence": "lawful",
            "g0-exploitation": "labour",
            "g0-children": "0",
        },
        fields={
            "region": ("choice", True, "region"),
            "case_reference": ("text", True, "case_reference"),
            "callback_phone": ("text", True, "callback_phone"),
            "urgency": ("choice", False, "urgency"),
            "threat": ("choice", False, "threat"),
            "g0-gender": ("choice", True, "g0-gender"),
            "g0-age": ("number", True, "g0-age"),
            "g0-residence": ("choice", True, "g0-residence"),
            "g0-exploitation": ("choice", True, "g0-exploitation"),
            "g0-needs": ("codes", False, "g0-needs"),
            "g0-children": ("number", False, "g0-children"),
            "idempotency_key": ("text", False, "form"),
        },
    ),
    "/zaak/<int:case_id>": dict(
        role="coordinator",
        url="/zaak/{phone_case}",
        base={
            "action": "profile",
            "request_id": "{phone_req}",
            "gender": "female",
            "age": "30",
            "residence": "none",
            "exploitation": "sexual",
            "children": "0",
        },
        fields={
            "action": ("choice", True, "form"),
            "request_id": ("id", True, "form"),
            "gender": ("choice", True, "gender"),
            "age": ("number", True, "age"),
            "residence": ("choice", True, "residence"),
            "exploitation": ("choice", True, "exploitation"),
            "children": ("number", False, "children"),
            "needs": ("codes", False, "needs"),
        },
    ),
    "/opvang/<int:shelter_id>/intakes": dict(
        role="shelter_staff",
        url="/opvang/{cosm}/intakes",
        base={"hold_id": "{hold}", "action": "release", "reason": "other"},
        fields={
            "hold_id": ("id", True, "form"),
            "action": ("choice", True, "form"),
            "reason": ("choice", True, "form"),
        },
    ),
    "/a/<token>": dict(
        role=None, url="/a/{token}", base={"choice": "decline"}, fields={"choice": ("choice", True, "choice")}
    ),
    "/piket/roosters": dict(
        role="admin",
        url="/piket/roosters",
        base={"level": "primary", "region": "den-haag", "name": "Piket Den Haag", "owner": "{admin_id}"},
        fields={
            "level": ("choice", True, "level"),
            "region": ("choice", True, "region"),
            "name": ("text", False, "name"),
            "owner": ("id", True, "owner"),
        },
    ),
    "/piket/roosters/<int:rota_id>/vervanging": dict(
        role="admin",
        url="/piket/roosters/{rota}/vervanging",
        page="/piket/roosters/{rota}",
        base={"user": "{coordinator_id}", "start": "2026-11-23 09:00", "end": "2026-11-23 17:00", "reason": "ziek"},
        fields={
            "user": ("id", True, "override-user"),
            "start": ("date", True, "override-start"),
            "end": ("date", True, "override-end"),
            "reason": ("text", False, "override-reason"),
        },
    ),
    "/piket/roosters/<int:rota_id>/import": dict(
        role="admin",
        url="/piket/roosters/{rota}/import",
        page="/piket/roosters/{rota}",
        base={
            "file": (
                b"region,email,start,end\nrotterdam,{coordinator_email},2026-12-01 09:00,2026-12-01 17:00\n",
                "r.csv",
            )
        },
        fields={"file": ("file", True, "file")},
    ),
    "/piket/roosters/<int:rota_id>/rotatie": dict(
        role="admin",
        url="/piket/roosters/{rota}/rotatie",
        page="/piket/roosters/{rota}",
        base={
            "start_date": "2026-12-01",
            "handover": "09:00",
            "shift_hours": "24",
            "days": ["1", "2"],
            "people": "{coordinator_email}",
            "until_date": "",
        },
        fields={
            "start_date": ("date", True, "rotation-start_date"),
            "handover": ("date", True, "rotation-handover"),
            "shift_hours": ("number", True, "rotation-shift_hours"),
            "days": ("codes", False, "rotation-days"),
            "people": ("text", True, "rotation-people"),
            "until_date": ("date", False, "rotation-until_date"),
        },
    ),
    "/piket/roosters/<int:rota_id>/dienst": dict(
        role="admin",
        url="/piket/roosters/{rota}/dienst",
        page="/piket/roosters/{rota}",
        base={"user": "{coordinator_id}", "start": "2026-11-23 18:00", "end": "2026-11-24 08:00"},
        fields={
            "user": ("id", True, "shift-user"),
            "start": ("date", True, "shift-start"),
            "end": ("date", True, "shift-end"),
        },
    ),
    # Changing a shift, rotation or swap: the fixture's rows lie ahead, so every field may change.
    "/piket/roosters/<int:rota_id>/dienst/<int:shift_id>": dict(
        role="admin",
        url="/piket/roosters/{rota}/dienst/{shift}",
        base={"user": "{coordinator_id}", "start": "2026-11-25 17:00", "end": "2026-11-26 09:00"},
        fields={"user": ("id", True, "user"), "start": ("date", True, "start"), "end": ("date", True, "end")},
    ),
    "/piket/roosters/<int:rota_id>/rotatie/<int:rotation_id>": dict(
        role="admin",
        url="/piket/roosters/{rota}/rotatie/{rotation}",
        base={
            "start_date": "2026-12-01",
            "handover": "09:00",
            "shift_hours": "24",
            "days": ["1", "2"],
            "people": "{coordinator_email}",
            "until_date": "",
        },
        fields={
            "start_date": ("date", True, "start_date"),
            "handover": ("date", True, "handover"),
            "shift_hours": ("number", True, "shift_hours"),
            "days": ("codes", False, "days"),
            "people": ("text", True, "people"),
            "until_date": ("date", False, "until_date"),
        },
    ),
    "/piket/roosters/<int:rota_id>/vervanging/<int:override_id>": dict(
        role="admin",
        url="/piket/roosters/{rota}/vervanging/{override}",
        base={"user": "{coordinator_id}", "start": "2026-11-27 17:00", "end": "2026-11-27 23:00", "reason": "ziek"},
        fields={
            "user": ("id", True, "user"),
            "start": ("date", True, "start"),
            "end": ("date", True, "end"),
            "reason": ("text", False, "reason"),
        },
    ),
    # Removing one: a confirm page whose button posts only the CSRF token.
    "/piket/roosters/<int:rota_id>/dienst/<int:shift_id>/verwijderen": dict(
        role="admin", url="/piket/roosters/{rota}/dienst/{shift}/verwijderen", base={}, fields={}
    ),
    "/piket/roosters/<int:rota_id>/rotatie/<int:rotation_id>/verwijderen": dict(
        role="admin", url="/piket/roosters/{rota}/rotatie/{rotation}/verwijderen", base={}, fields={}
    ),
    "/piket/roosters/<int:rota_id>/vervanging/<int:override_id>/verwijderen": dict(
        role="admin", url="/piket/roosters/{rota}/vervanging/{override}/verwijderen", base={}, fields={}
    ),
    "/piket/roosters/<int:rota_id>/agenda": dict(
        role="admin",
        url="/piket/roosters/{rota}/agenda",
        page="/piket/roosters/{rota}",
        base={"kind": "mine"},
        fields={"kind": ("choice", True, "feed-kind")},
    ),
    "/beheer/regio/<code>/ladder": dict(
        role="coordinator",  # of Rotterdam
        url="/beheer/regio/rotterdam/ladder",
        base={
            "after_hours-0-after": "0",
            "after_hours-0-level": "primary",
            "after_hours-0-channels": ["sms", "voice"],
            "after_hours-1-after": "30",
            "after_hours-1-level": "exhausted",
            "office_hours-0-after": "0",
            "office_hours-0-level": "region",
            "office_hours-0-channels": "sms",
            "office_hours-2-after": "60",
            "office_hours-2-level": "exhausted",
            "backup_region": "den-haag",
            "rounds": "2",
            "ack_timeout_minutes": "20",
            "action": "save",
        },
        fields={
            "after_hours-0-after": ("number", True, "after_hours-0-after"),
            "after_hours-0-level": ("choice", True, "after_hours-0-level"),
            "after_hours-0-channels": ("codes", True, "after_hours-0-channels"),
            "office_hours-2-after": ("number", True, "office_hours-2-after"),
            "backup_region": ("choice", False, "backup_region"),
            "rounds": ("number", True, "rounds"),
            "ack_timeout_minutes": ("number", True, "ack_timeout_minutes"),
            "action": ("choice", False, "form"),
        },
    ),
    "/beheer/regio/<code>/kantooruren": dict(
        role="admin",
        url="/beheer/regio/rotterdam/kantooruren",
        base={
            "window_rows": "7",
            "exception_rows": "8",
            "w-0-days": ["1", "2", "3", "4", "5"],
            "w-0-from": "09:00",
            "w-0-to": "17:00",
            "e-0-from": "2026-12-24",
            "e-0-to": "",
            "e-0-kind": "hours",
            "e-0-start": "09:00",
            "e-0-end": "12:00",
        },
        fields={
            "window_rows": ("number", True, "form"),
            "w-0-days": ("codes", True, "w-0-days"),
            "w-0-from": ("text", True, "w-0-from"),
            "w-0-to": ("text", True, "w-0-to"),
            "e-0-from": ("date", True, "e-0-from"),
            "e-0-to": ("date", False, "e-0-to"),
            "e-0-kind": ("choice", False, "e-0-kind"),
            "e-0-start": ("text", True, "e-0-start"),
            "e-0-end": ("text", True, "e-0-end"),
        },
    ),
    # A button on the national page; no input but the CSRF token (and `dagen` in its query, only passed back).
    "/landelijk/herinnering/<int:shelter_id>": dict(
        role="comensha", url="/landelijk/herinnering/{cosm}", page="/landelijk", base={}, fields={}
    ),
    # The second step of a login answers only the session whose password was just right; without one it
    # sends back to /login (its fields' messages: tests/accounts/test_mfa.py).
    "/login/code": dict(role=None, url="/login/code", page="/login", base={"code": "123456"}, fields={}),
    "/login/herstelcode": dict(
        role=None, url="/login/herstelcode", page="/login", base={"recovery_code": "x"}, fields={}
    ),
    "/login/instellen": dict(role=None, url="/login/instellen", page="/login", base={"code": "123456"}, fields={}),
    # A button on the users page: no input but the CSRF token.
    "/beheer/gebruikers/<int:user_id>/tweede-factor-resetten": dict(
        role="admin",
        url="/beheer/gebruikers/{coordinator_id}/tweede-factor-resetten",
        page="/beheer/gebruikers",
        base={},
        fields={},
    ),
    # Managing accounts (accounts/admin.py): the new-account form, the edit form and its buttons.
    "/beheer/gebruikers/nieuw": dict(
        role="admin",
        url="/beheer/gebruikers/nieuw",
        base={"email": "nieuw@test.nl", "name": "Nieuw", "role": "coordinator", "regions": "rotterdam", "phone": ""},
        fields={
            "email": ("email", True, "email"),
            "name": ("text", False, "name"),
            "role": ("choice", True, "role"),
            "regions": ("codes", False, "regions"),
            "shelters": ("codes", False, "shelters"),
            "phone": ("text", False, "phone"),
            "is_lead": ("choice", False, "is_lead"),
        },
    ),
    "/beheer/gebruikers/<int:user_id>": dict(
        role="admin",
        url="/beheer/gebruikers/{coordinator_id}",
        base={"name": "Kees", "role": "coordinator", "regions": "rotterdam", "phone": "+31610000009"},
        fields={
            "name": ("text", False, "name"),
            "role": ("choice", True, "role"),
            "regions": ("codes", False, "regions"),
            "shelters": ("codes", False, "shelters"),
            "phone": ("text", False, "phone"),
            "is_lead": ("choice", False, "is_lead"),
        },
    ),
    "/beheer/gebruikers/<int:user_id>/deactiveren": dict(
        role="admin",
        url="/beheer/gebruikers/{coordinator_id}/deactiveren",
        page="/beheer/gebruikers/{coordinator_id}",
        base={},
        fields={},
    ),
    "/beheer/gebruikers/<int:user_id>/heractiveren": dict(
        role="admin",
        url="/beheer/gebruikers/{coordinator_id}/heractiveren",
        page="/beheer/gebruikers/{coordinator_id}",
        base={},
        fields={},
    ),
    "/beheer/gebruikers/<int:user_id>/wachtwoord-link": dict(
        role="admin",
        url="/beheer/gebruikers/{coordinator_id}/wachtwoord-link",
        page="/beheer/gebruikers/{coordinator_id}",
        base={"via": "show"},
        fields={"via": ("choice", False, "via")},
    ),
    # The one-time link: who holds it sets their password (a mismatch is shown beside the confirmation,
    # so a bad password is looked for anywhere in the form).
    "/wachtwoord/<token>": dict(
        role=None,
        url="/wachtwoord/{reset_token}",
        base={"password": "een-nieuw-wachtwoord-9", "confirmation": "een-nieuw-wachtwoord-9"},
        fields={"password": ("text", True, "form"), "confirmation": ("text", True, "confirmation")},
    ),
    # Mijn telefoon: one's own number (accounts/phones.py); empty removes it, so it is not required.
    "/account/telefoon": dict(
        role="police",
        url="/account/telefoon",
        base={"action": "number", "phone": "06 1234 5678"},
        fields={"phone": ("text", False, "phone")},
    ),
    # A shelter's profile: the form posted to its preview (the changes page); confirming re-posts the same fields.
    "/opvang/<int:shelter_id>/profiel": dict(
        role="shelter_staff",
        url="/opvang/{cosm}/profiel",
        base={
            "genders": ["female"],
            "adults": "1",
            "residence": ["lawful", "none"],
            "exploitation": ["sexual", "labour"],
            "excludes": ["pets"],
            "intake_mode": "windows",
            "intake-0-days": ["1", "2"],
            "intake-0-from": "09:00",
            "intake-0-to": "17:00",
            "intake_phone": "010 123 4567",
            "capacity-{pool}": "5",
            "capacity-{family_pool}": "1",
            "room_size-{family_pool}": "4",
            "new-0-key": "extra",
            "new-0-kind": "bed",
            "new-0-capacity": "1",
            "action": "preview",
        },
        fields={
            "genders": ("codes", True, "genders"),
            "residence": ("codes", True, "residence"),
            "exploitation": ("codes", True, "exploitation"),
            "excludes": ("codes", False, "excludes"),
            "intake_mode": ("choice", False, "intake"),
            "intake-0-days": ("codes", True, "intake-0-days"),
            "intake-0-from": ("date", True, "intake-0-from"),
            "intake-0-to": ("date", True, "intake-0-to"),
            "intake_phone": ("text", False, "intake_phone"),
            "capacity-{pool}": ("number", True, "capacity-{pool}"),
            "room_size-{family_pool}": ("number", True, "room_size-{family_pool}"),
            "new-0-key": ("text", True, "new-0-key"),
            "new-0-kind": ("choice", True, "new-0-kind"),
            "new-0-capacity": ("number", True, "new-0-capacity"),
        },
    ),
    "/beheer/opvang/nieuw": dict(
        role="comensha",
        url="/beheer/opvang/nieuw",
        base={
            "key": "FORM-NEW",
            "name": "Nieuwe opvang",
            "type": "noodbed",
            "region": "rotterdam",
            "municipality": "Rotterdam",
            "lat": "51.9",
            "lon": "4.5",
            "address": "Straat 1",
            "address_confidential": "1",
            "genders": ["male"],
            "adults": "1",
            "residence": ["lawful"],
            "exploitation": ["labour"],
            "intake_mode": "24/7",
            "intake_phone": "",
            "new-0-key": "bed",
            "new-0-kind": "bed",
            "new-0-capacity": "2",
        },
        fields={
            "key": ("text", True, "key"),
            "name": ("text", True, "name"),
            "type": ("choice", True, "type"),
            "region": ("choice", True, "region"),
            "municipality": ("text", True, "municipality"),
            "lat": ("number", True, "lat"),
            "lon": ("number", True, "lon"),
            "address": ("text", False, "address"),
            "organisation": ("choice", False, "organisation"),
            "max_stay_days": ("number", False, "max_stay_days"),
            "genders": ("codes", True, "genders"),
            "residence": ("codes", True, "residence"),
            "intake_phone": ("text", False, "intake_phone"),
            "new-0-key": ("text", True, "new-0-key"),
            "new-0-capacity": ("number", True, "new-0-capacity"),
        },
    ),
    "/beheer/regios/nieuw": dict(
        role="admin",
        url="/beheer/regios/nieuw",
        base={"code": "zwolle", "name": "Zwolle", "kind": "care", "centre": "Zwolle", "lat": "52.5", "lon": "6.1"},
        fields={
            "code": ("text", True, "code"),
            "name": ("text", True, "name"),
            "kind": ("choice", True, "kind"),
            "centre": ("text", False, "centre"),
            "lat": ("number", True, "lat"),
            "lon": ("number", True, "lon"),
            "dial_code": ("number", False, "dial_code"),
        },
    ),
    # Buttons: no input but the CSRF token (the refusals, with their reasons: tests/beds/test_retire.py).
    "/beheer/opvang/<int:shelter_id>/opheffen": dict(
        role="comensha", url="/beheer/opvang/{cosm}/opheffen", base={}, fields={}
    ),
    "/beheer/regios/<region_code>/opheffen": dict(
        role="admin", url="/beheer/regios/rotterdam/opheffen", base={}, fields={}
    ),
    "/landelijk/wat-als": dict(
        role="comensha",
        url="/landelijk/wat-als",
        base={"e0-shelter": "ROT-COSM", "e0-kind": "bed", "e0-extra": "2"},
        fields={
            "e0-shelter": ("choice", True, "edits[0].shelter"),
            "e0-kind": ("choice", True, "edits[0].kind"),
            "e0-extra": ("number", True, "edits[0].extra"),
            "e0-room": ("number", False, "edits[0].room_size"),
            "scenario": ("file", False, "scenario"),
        },
    ),
}


def test_every_form_route_has_an_entry(app):
    routes = {
        r.rule
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and not r.rule.startswith(("/api/", "/webhooks/"))
    }
    assert routes == set(FORMS), (
        f"form routes without an entry: {sorted(routes - set(FORMS))}; stale: {sorted(set(FORMS) - routes)}"
    )


@pytest.fixture
def ids(registry, users, now, make_user):
    """What the forms refer to: a case made by phone (no profile yet), a held place on the staff's own
    shelter, a rota owned by the admin, and a page SMS whose accept link is a form."""
    from notify.models import NotificationAttempt
    from piket import links, service
    from piket.rotas.models import Rota

    users["coordinator"].phone, users["coordinator"].phone_verified_at = "+31610000009", now  # may be on duty
    body = {
        "case_reference": "PL-FORM-1",
        "callback_phone": "+31612345678",
        "found": {"region": "rotterdam"},
        "requests": [{"persons": [{"gender": "male", "age": 40, "residence": "lawful", "exploitation": "labour"}]}],
    }
    case, _ = service.create_case(now, service.parse_case(body, users["police"]), users["police"])
    from piket import hotline

    phone = hotline._join_or_create(
        now, "+31687654321", registry["regions"]["rotterdam"]
    )  # a request by phone: no profile
    pool = registry["shelters"]["rot-cosm"].pools[0]
    hold = hold_a_place(now, case.requests[0].id, pool, users["admin"])
    rota = Rota(
        region_id=registry["regions"]["rotterdam"].id,
        level="primary",
        name="Piket primair Rotterdam",
        owner_id=users["admin"].id,
    )
    db.session.add(rota)
    db.session.flush()
    from piket.rotas.models import RotaOverride, RotaRotation, RotaShift
    from tests.piket.rotas.conftest import at

    coordinator = users["coordinator"].id
    shift = RotaShift(
        rota_id=rota.id, user_id=coordinator, start=at(2026, 11, 25, 17), end=at(2026, 11, 26, 9), source="manual"
    )
    rotation = RotaRotation(
        rota_id=rota.id,
        start_date=dt.date(2026, 12, 1),
        handover="09:00",
        shift_hours=24,
        days=[1, 2],
        people=[coordinator],
    )
    swap = RotaOverride(
        rota_id=rota.id,
        user_id=coordinator,
        start=at(2026, 11, 27, 17),
        end=at(2026, 11, 27, 23),
        created_by_id=users["admin"].id,
        reason="ziek",
        created_at=now,
    )
    db.session.add_all([shift, rotation, swap])
    db.session.flush()
    attempt = NotificationAttempt(
        request_id=phone.id,
        user_id=users["coordinator"].id,
        channel="sms",
        purpose="page",
        to_number=users["coordinator"].phone,
        status="sent",
        created_at=now,
        body="page",
    )
    db.session.add(attempt)
    db.session.commit()
    from accounts import admin

    _via, reset_token = admin.password_link(now, users["admin"], users["coordinator"], "show")
    return {
        "reset_token": reset_token,
        "cosm": registry["shelters"]["rot-cosm"].id,
        "pool": pool.id,
        "family_pool": registry["shelters"]["rot-cosm"].pools[1].id,
        "hold": hold.id,
        "rota": rota.id,
        "shift": shift.id,
        "rotation": rotation.id,
        "override": swap.id,
        "case": case.id,
        "req": case.requests[0].id,
        "phone_case": phone.case_id,
        "phone_req": phone.id,
        "token": links.token_for(attempt.id, now),
        "admin_id": users["admin"].id,
        "coordinator_id": users["coordinator"].id,
        "coordinator_email": users["coordinator"].email,
        "police_email": users["police"].email,
    }


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, tuple):
        return (value[0].replace(b"{coordinator_email}", ids["coordinator_email"].encode()), value[1])
    return value


def _payload(data):
    """Form data for the test client; files as (stream, filename)."""
    out = {}
    for key, value in data.items():
        out[key] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
    return out


def _messages(html, where):
    """The error messages of `where`: a `.field-error` with that data-field, the login error, or a form-level error."""
    if where == "login":
        pattern = r'<p class="error" id="login-error">(.*?)</p>'
    elif where == "form":
        pattern = r'<p class="error"[^>]*>(.*?)</p>'
    else:
        pattern = rf'class="error[^"]*" data-field="{re.escape(where)}"[^>]*>(.*?)</(?:p|div)>'
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(pattern, html, re.S)]


@pytest.mark.parametrize("rule", sorted(r for r in FORMS if FORMS[r]["fields"]))  # the others take no input
def test_bad_input_is_refused_in_dutch_beside_the_field(app, client, login, users, ids, rule):
    spec = FORMS[rule]
    if spec["role"]:
        login(users[spec["role"]])
    url, page = _fill(spec["url"], ids), _fill(spec.get("page", spec["url"]), ids)
    base = {_fill(k, ids): _fill(v, ids) for k, v in spec["base"].items()}
    problems = []
    for raw_name, (kind, required, where) in spec["fields"].items():
        name, where = _fill(raw_name, ids), _fill(where, ids)
        values = _bad_values(kind)
        if required:
            values.insert(0, ("empty", (b"", "leeg.csv") if kind == "file" else ""))
        for label, value in values:
            before = _snapshot(rule)
            shown = client.get(page)
            assert shown.status_code == 200, (rule, shown.status_code)
            data = {**base, name: value, "csrf_token": _csrf(shown.get_data(as_text=True))}
            resp = client.post(url, data=_payload(data), content_type="multipart/form-data")
            html = resp.get_data(as_text=True)
            what = f"{rule} {name}={label}"
            if resp.status_code >= 500:
                problems.append(f"{what}: {resp.status_code}")
                continue
            if resp.status_code in (301, 302, 303):
                problems.append(f"{what}: accepted ({resp.status_code} to {resp.headers.get('Location')})")
            else:
                messages = _messages(html, where)
                if not messages:
                    problems.append(f"{what}: {resp.status_code}, no message at {where!r}")
                elif any(ENGLISH.search(m) for m in messages):
                    problems.append(f"{what}: not Dutch: {messages}")
            for script in SCRIPTS:
                if script in html:
                    problems.append(f"{what}: script unescaped in the page")
            after = _snapshot(rule)
            changed = [t for t in before if before[t] != after[t]]
            if changed:
                problems.append(f"{what}: stored in {changed}")
            db.session.rollback()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("7", 7),
        ("000012", 12),
        ("999999999", 999999999),
        ("1234567890", None),
        ("", None),
        (" 7", None),
        ("-7", None),
        ("7.0", None),
        ("٧", None),
        (None, None),
    ],
)
def test_an_id_from_a_form_is_digits_the_database_can_hold(text, expected):
    from validation import id_text

    assert id_text(text) == expected
