"""A region's escalation ladders on a page and in the API: one check (piket/ladders/rules.py), the
snapshot rule, and the preview of who a request made now would page, from the rotas as they stand."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from extensions import db
from piket import escalation
from piket.ladders import rules, service
from piket.models import EscalationPolicy
from piket.rotas.models import Rota, RotaRotation
from tests.conftest import add_shift, csrf_token, new_request, reload
from tests.piket.rotas.conftest import at

URL = "/api/v1/regions/{}/escalation-policy"
GOOD = {
    "after_hours": [
        {"after": 0, "level": "primary", "channels": ["sms", "voice"]},
        {"after": 15, "level": "backup", "channels": ["voice"]},
        {"after": 40, "level": "exhausted"},
    ],
    "office_hours": [
        {"after": 0, "level": "region", "channels": ["sms"]},
        {"after": 45, "level": "exhausted"},
    ],
    "backup_region": "den-haag",
    "rounds": 2,
    "ack_timeout_minutes": 30,
}


def _audits(action="region.escalation_policy"):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _steps(*steps):
    return [dict(zip(("after", "level", "channels"), s, strict=False)) for s in steps]


# (a change, the field named)
BAD = [
    (
        {"after_hours": _steps((0, "primary", ["sms"]), (0, "backup", ["sms"]), (30, "exhausted"))},
        "after_hours[1].after",
    ),
    (
        {"after_hours": _steps((0, "primary", ["sms"]), (20, "backup", ["sms"]), (10, "exhausted"))},
        "after_hours[2].after",
    ),
    ({"after_hours": _steps((0, "primary", ["sms"]), (5, "chef", ["sms"]), (30, "exhausted"))}, "after_hours[1].level"),
    ({"after_hours": _steps((0, "primary", ["fax"]), (30, "exhausted"))}, "after_hours[0].channels"),
    ({"after_hours": _steps((0, "primary", []), (30, "exhausted"))}, "after_hours[0].channels"),
    ({"after_hours": _steps((0, "primary", ["sms"]), (30, "national", ["sms"]))}, "after_hours[1].level"),
    ({"after_hours": _steps((0, "exhausted"), (30, "primary", ["sms"]))}, "after_hours[0].level"),
    ({"after_hours": _steps((0, "primary", ["sms"]), (30, "exhausted", ["sms"]))}, "after_hours[1].channels"),
    ({"after_hours": _steps((-1, "primary", ["sms"]), (30, "exhausted"))}, "after_hours[0].after"),
    ({"after_hours": _steps((0, "primary", ["sms"]), (721, "exhausted"))}, "after_hours[1].after"),
    ({"after_hours": _steps(("vijf", "primary", ["sms"]), (30, "exhausted"))}, "after_hours[0].after"),
    ({"after_hours": _steps((0, "exhausted"))}, "after_hours"),
    ({"after_hours": [{"after": i, "level": "primary", "channels": ["sms"]} for i in range(9)]}, "after_hours"),
    (
        {
            "after_hours": [
                {"after": 0, "level": "primary", "channels": ["sms"], "wie": 1},
                {"after": 9, "level": "exhausted"},
            ]
        },
        "after_hours[0].wie",
    ),
    ({"office_hours": "altijd"}, "office_hours"),
    (
        {"office_hours": _steps((0, "region", ["sms"]), (10, "backup", ["pager"]), (30, "exhausted"))},
        "office_hours[1].channels",
    ),
    ({"backup_region": "rotterdam"}, "backup_region"),  # not the region itself
    ({"backup_region": "atlantis"}, "backup_region"),
    ({"rounds": 0}, "rounds"),
    ({"rounds": rules.ROUNDS.maximum + 1}, "rounds"),
    ({"ack_timeout_minutes": -1}, "ack_timeout_minutes"),
    ({"ack_timeout_minutes": rules.ACK_TIMEOUT.maximum + 1}, "ack_timeout_minutes"),
    ({"ack_timeout_minutes": True}, "ack_timeout_minutes"),
    ({"kleur": "rood"}, "kleur"),
]


@pytest.mark.parametrize("change,field", BAD, ids=[f for _c, f in BAD])
def test_a_bad_policy_is_refused_with_its_field_and_nothing_is_stored(api, registry, users, change, field):
    resp = api("admin", "PUT", URL.format("rotterdam"), json={**GOOD, **change})
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["field"] == field
    assert db.session.scalar(select(func.count()).select_from(EscalationPolicy)) == 0
    assert _audits() == 0


def test_a_policy_is_stored_audited_and_read_back(api, registry, users):
    before = api("comensha", "GET", URL.format("rotterdam")).json
    assert before["default"] is True and before["after_hours"] == escalation.AFTER_HOURS
    resp = api("admin", "PUT", URL.format("rotterdam"), json=GOOD)
    assert resp.status_code == 200, resp.json
    body = api("comensha", "GET", URL.format("rotterdam")).json
    assert body["default"] is False
    assert body["after_hours"] == GOOD["after_hours"] and body["backup_region"] == "den-haag"
    assert body["rounds"] == 2 and body["ack_timeout_minutes"] == 30
    row = db.session.scalar(select(EscalationPolicy))
    assert row.backup_region_id == registry["regions"]["den-haag"].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "region.escalation_policy"))
    assert entry.before is None and entry.after["rounds"] == 2 and entry.entity_id == str(row.region_id)
    # A second change: only what is sent changes, the audit keeps what it was before.
    assert api("admin", "PUT", URL.format("rotterdam"), json={"rounds": 3}).json["after_hours"] == GOOD["after_hours"]
    second = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "region.escalation_policy")).all()[-1]
    assert second.before["rounds"] == 2 and second.after["rounds"] == 3


def test_a_coordinator_changes_their_own_region_only_and_comensha_reads_only(api, registry, users):
    assert api("coordinator", "PUT", URL.format("rotterdam"), json={"rounds": 2}).status_code == 200
    refused = api("coordinator", "PUT", URL.format("amsterdam"), json={"rounds": 2})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert api("coordinator", "POST", "/api/v1/regions/amsterdam/escalation-preview", json={}).status_code == 403
    assert api("coordinator", "GET", URL.format("amsterdam")).status_code == 200  # reading: every region
    assert api("comensha", "PUT", URL.format("rotterdam"), json={"rounds": 2}).status_code == 403
    assert api("admin", "PUT", URL.format("amsterdam"), json={"rounds": 2}).status_code == 200
    assert api("admin", "GET", URL.format("atlantis")).status_code == 404
    assert _audits() == 2


def test_a_running_request_keeps_its_ladder(api, registry, users, duty, now):
    running = new_request(users, now)
    assert running.escalation["steps"] == escalation.AFTER_HOURS
    assert api("admin", "PUT", URL.format("rotterdam"), json=GOOD).status_code == 200
    assert reload(running).escalation["steps"] == escalation.AFTER_HOURS  # the snapshot rule
    assert reload(running).escalation["rounds"] == 1
    later = new_request(users, now + dt.timedelta(minutes=1))
    assert later.escalation["steps"] == GOOD["after_hours"]
    assert later.escalation["rounds"] == 2 and later.escalation["ack_timeout"] == 30
    assert later.escalation["backup_region_id"] == registry["regions"]["den-haag"].id


# --- the preview ----------------------------------------------------------------------------------


def test_the_preview_names_who_is_on_duty_at_each_step(api, registry, users, duty):
    body = api("comensha", "GET", "/api/v1/regions/rotterdam/escalation-preview").json
    assert body["mode"] == "after_hours" and body["saved"] is True  # NOW is a Sunday night
    names = [[p["name"] for p in s["people"]] for s in body["steps"]]
    assert names == [
        ["Coördinator primary"],
        ["Coördinator primary"],
        ["Coördinator backup"],
        ["Coördinator national"],
        [],
    ]
    assert body["gaps"] == 0
    assert body["text"].startswith(
        "Een aanvraag nu (zo\u00a022\u00a0nov\u00a002:30, buiten kantooruren) in regio Rotterdam piept: "
    )
    assert "minuut 0: Coördinator primary (piket, sms+telefoontje)" in body["text"]
    assert "minuut 10: Coördinator backup (achtervang, sms+telefoontje)" in body["text"]
    assert "minuut 30: niemand nam aan" in body["text"]


def test_the_preview_names_a_gap_and_the_back_up_region(api, registry, users, duty, make_user, now):
    db.session.delete(duty["rotas"]["backup"])
    db.session.commit()
    body = api("admin", "GET", "/api/v1/regions/rotterdam/escalation-preview").json
    backup = body["steps"][2]
    assert backup["gap"] is True and backup["people"] == []
    assert (
        "minuut 10: niemand ingeroosterd (achtervang, sms+telefoontje) · deze stap wordt overgeslagen" in body["text"]
    )
    # Den Haag's primary stands in for the missing back-up, once the policy names Den Haag.
    haag = make_user("coordinator", regions=["den-haag"], email="haag@test.nl")
    haag.name, haag.phone = "Hanna", "+31610000009"
    rota = Rota(
        region_id=registry["regions"]["den-haag"].id, level="primary", name="Piket Den Haag", owner_id=users["admin"].id
    )
    db.session.add(rota)
    db.session.commit()
    add_shift(rota, haag, now - dt.timedelta(hours=1), now + dt.timedelta(hours=5))
    edit = api("admin", "POST", "/api/v1/regions/rotterdam/escalation-preview", json={"backup_region": "den-haag"}).json
    assert edit["saved"] is False
    assert edit["steps"][2]["people"][0]["name"] == "Hanna" and edit["steps"][2]["via"] == "piket van Den Haag"
    assert db.session.scalar(select(func.count()).select_from(EscalationPolicy)) == 0  # a preview stores nothing


def test_the_preview_of_an_unsaved_edit_is_checked_like_a_save(api, registry, users, duty):
    bad = api(
        "admin",
        "POST",
        "/api/v1/regions/rotterdam/escalation-preview",
        json={"after_hours": GOOD["office_hours"][::-1]},
    )
    assert bad.status_code == 422 and bad.json["error"]["field"] == "after_hours[0].level"
    edit = {"after_hours": _steps((0, "national", ["voice"]), (15, "exhausted")), "rounds": 3}
    body = api("coordinator", "POST", "/api/v1/regions/rotterdam/escalation-preview", json=edit).json
    assert [s["level"] for s in body["steps"]] == ["national", "exhausted"]
    assert body["steps"][0]["people"][0]["name"] == "Coördinator national"
    assert "opnieuw vanaf het begin (tot 3 rondes)" in body["text"]
    assert _audits() == 0


def test_the_preview_counts_a_person_without_a_phone_as_a_gap(api, registry, users, duty):
    duty["people"]["primary"].phone = None
    db.session.commit()
    step = api("admin", "GET", "/api/v1/regions/rotterdam/escalation-preview").json["steps"][0]
    assert step["gap"] is True and step["people"][0]["skipped"] == "geen telefoonnummer: wordt overgeslagen"


def _rotation(registry, users, people, start_date, handover):
    rota = Rota(
        region_id=registry["regions"]["rotterdam"].id, level="primary", name="Piket", owner_id=users["admin"].id
    )
    db.session.add(rota)
    db.session.flush()
    db.session.add(
        RotaRotation(
            rota_id=rota.id,
            start_date=start_date,
            handover=handover,
            shift_hours=24,
            days=[1, 2, 3, 4, 5, 6, 7],
            people=[p.id for p in people],
        )
    )
    db.session.commit()


def _two(make_user):
    a = make_user("coordinator", regions=["rotterdam"], email="anna@test.nl")
    b = make_user("coordinator", regions=["rotterdam"], email="bram@test.nl")
    a.name, a.phone, b.name, b.phone = "Anna", "+31611111111", "Bram", "+31622222222"
    db.session.commit()
    return a, b


def test_the_preview_follows_a_handover(app, registry, users, make_user):
    anna, bram = _two(make_user)
    _rotation(registry, users, [anna, bram], dt.date(2026, 11, 23), "08:00")  # Monday: Anna, Tuesday: Bram
    moment = at(2026, 11, 24, 7, 55)  # Tuesday 07:55: Anna hands over to Bram at 08:00
    body = service.preview(moment, registry["regions"]["rotterdam"])
    assert body["mode"] == "after_hours"
    names = [[p["name"] for p in s["people"]] for s in body["steps"][:2]]
    assert names == [["Anna"], ["Bram"]]  # minute 0 before the handover, minute 5 after it


def test_the_preview_across_the_spring_clock_change(app, registry, users, make_user):
    # 2027-03-28 (Easter Sunday): at 02:00 the clock jumps to 03:00. Anna's shift from Saturday 03:00 ends
    # at Sunday 03:00 local time, 23 real hours later; five real minutes after 01:55 it is 03:00 and Bram's.
    anna, bram = _two(make_user)
    _rotation(registry, users, [anna, bram], dt.date(2027, 3, 27), "03:00")
    moment = at(2027, 3, 28, 1, 55)
    body = service.preview(moment, registry["regions"]["rotterdam"])
    assert body["mode"] == "after_hours" and "feestdag" in body["mode_reason"]
    assert body["steps"][0]["people"][0]["name"] == "Anna" and body["steps"][1]["people"][0]["name"] == "Bram"
    assert body["steps"][1]["at"] == "2027-03-28T01:00:00+00:00"  # 03:00 summer time
    assert body["steps"][3]["people"] == [] and "minuut 20: niemand ingeroosterd (landelijk" in body["text"]


def test_the_preview_takes_the_office_hours_ladder_in_office_hours(registry, users, make_user):
    coordinator = users["coordinator"]
    coordinator.name, coordinator.phone = "Rita", "+31610000011"
    db.session.commit()
    body = service.preview(at(2026, 11, 23, 10, 0), registry["regions"]["rotterdam"])  # a Monday morning
    assert body["mode"] == "office" and body["steps"][0]["level"] == "region"
    assert body["steps"][0]["people"][0]["name"] == "Rita"
    assert body["text"].startswith(
        "Een aanvraag nu (ma\u00a023\u00a0nov\u00a010:00, kantooruren) in regio Rotterdam piept: "
    )


# --- the page -----------------------------------------------------------------------------------------


def _form(page_html, **fields):
    return {"csrf_token": csrf_token(page_html), **fields}


def _rows(ladder, *steps):
    out = {}
    for i, (after, level, *channels) in enumerate(steps):
        out[f"{ladder}-{i}-after"], out[f"{ladder}-{i}-level"] = str(after), level
        if channels:
            out[f"{ladder}-{i}-channels"] = channels
    return out


def test_the_page_shows_the_preview_and_saves_an_edit(client, login, registry, users, duty):
    login(users["coordinator"])
    page = client.get("/beheer/regio/rotterdam/ladder")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="saved-preview"' in html and "Coördinator backup" in html
    assert html.count('name="after_hours-7-after"') == 1  # a fixed number of rows, no script
    fields = {
        **_rows("after_hours", (0, "national", "voice"), (25, "exhausted")),
        # a gap between rows: empty rows are ignored
        **{
            k.replace("-1-", "-5-"): v
            for k, v in _rows("office_hours", (0, "region", "sms"), (50, "exhausted")).items()
        },
        "office_hours-0-after": "0",
        "office_hours-0-level": "region",
        "office_hours-0-channels": "sms",
        "rounds": "1",
        "ack_timeout_minutes": "20",
        "backup_region": "",
    }
    preview = client.post("/beheer/regio/rotterdam/ladder", data=_form(html, action="preview", **fields))
    shown = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="edit-preview"' in shown
    assert "minuut 0: Coördinator national (landelijk, telefoontje)" in shown
    assert db.session.scalar(select(func.count()).select_from(EscalationPolicy)) == 0
    saved = client.post("/beheer/regio/rotterdam/ladder", data=_form(html, action="save", **fields))
    assert saved.status_code == 302
    stored = service.policy(registry["regions"]["rotterdam"])
    assert stored["after_hours"] == [
        {"after": 0, "level": "national", "channels": ["voice"]},
        {"after": 25, "level": "exhausted"},
    ]
    assert stored["office_hours"] == [
        {"after": 0, "level": "region", "channels": ["sms"]},
        {"after": 50, "level": "exhausted"},
    ]
    assert _audits() == 1


def test_the_page_names_the_row_of_a_bad_step_and_stores_nothing(client, login, registry, users):
    login(users["admin"])
    html = client.get("/beheer/regio/rotterdam/ladder").get_data(as_text=True)
    fields = {
        **{
            k.replace("-1-", "-3-"): v
            for k, v in _rows("after_hours", (0, "primary", "sms"), (0, "backup", "sms")).items()
        },
        "after_hours-0-after": "0",
        "after_hours-0-level": "primary",
        "after_hours-0-channels": "sms",
        "after_hours-6-after": "30",
        "after_hours-6-level": "exhausted",
        "rounds": "1",
        "ack_timeout_minutes": "20",
    }
    resp = client.post("/beheer/regio/rotterdam/ladder", data=_form(html, action="save", **fields))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field="after_hours-3-after"' in body and "moet later zijn dan de vorige stap (minuut 0)" in body
    assert db.session.scalar(select(func.count()).select_from(EscalationPolicy)) == 0


def test_the_page_refuses_another_regions_coordinator_and_comensha(client, login, registry, users, make_user):
    outsider = make_user("coordinator", regions=["amsterdam"])
    login(outsider)
    html = client.get("/beheer/regio/rotterdam/ladder").get_data(as_text=True)
    assert 'id="ladder-form"' not in html and 'id="saved-preview"' in html  # reads, cannot change
    resp = client.post("/beheer/regio/rotterdam/ladder", data=_form(html, action="save", rounds="2"))
    assert resp.status_code == 403
    login(users["comensha"])
    html = client.get("/beheer/regio").get_data(as_text=True)
    assert "Escalatieladder</a>" in html and "wijzigen" not in html
