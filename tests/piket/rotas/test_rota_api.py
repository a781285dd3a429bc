"""The rotas' JSON API: the 14-day schedule with gaps, and shifts, rotations and swaps to list, add,
change and remove; bad input names its field and stores nothing; responses match the spec."""

import datetime as dt

import jsonschema
import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from extensions import db
from openapi import spec
from piket.rotas.models import RotaOverride, RotaRotation, RotaShift
from tests.piket.rotas.conftest import at


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def check(resp, path, method="get"):
    doc = spec()
    schema = doc["paths"][path][method]["responses"][str(resp.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(
        resp.json,
        {**schema, "components": doc["components"]},
        cls=jsonschema.Draft202012Validator,
        resolver=jsonschema.RefResolver("", {"components": doc["components"]}),
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_rota_with_its_schedule_and_gaps(api, rota, people, shift, now):
    shift(rota, people["a"], now - dt.timedelta(hours=1), at(2026, 11, 23, 9))
    listed = api("comensha", "GET", "/api/v1/rotas")
    assert listed.status_code == 200 and [r["id"] for r in listed.json["rotas"]] == [rota.id]
    check(listed, "/api/v1/rotas")
    resp = api("coordinator", "GET", f"/api/v1/rotas/{rota.id}")
    check(resp, "/api/v1/rotas/{rota_id}")
    assert resp.json["region"] == "rotterdam" and resp.json["schedule"][0]["user_id"] == people["a"].id
    assert resp.json["schedule"][0]["source"] == "shift"
    assert (
        resp.json["gaps"][0]["start"] == at(2026, 11, 23, 17).isoformat()
    )  # after the shift and Monday's office hours
    assert api("coordinator", "GET", "/api/v1/rotas/999999").status_code == 404


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_shifts_through_the_api(api, rota, people, now):
    base = f"/api/v1/rotas/{rota.id}/shifts"
    bad = api(
        "admin",
        "POST",
        base,
        json={"user": people["nophone"].email, "start": "2026-11-24 17:00", "end": "2026-11-25 09:00"},
    )
    assert bad.status_code == 422 and bad.json["error"]["field"] == "user" and count(RotaShift) == 0
    bad = api(
        "admin", "POST", base, json={"user": people["a"].id, "start": "2027-03-28 02:30", "end": "2027-03-28 09:00"}
    )
    assert bad.status_code == 422 and bad.json["error"]["field"] == "start" and count(RotaShift) == 0
    bad = api("admin", "POST", base, json={"user": people["a"].id, "begin": "2026-11-24 17:00"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "begin"
    made = api(
        "admin", "POST", base, json={"user": people["a"].id, "start": "2026-11-24 17:00", "end": "2026-11-25 09:00"}
    )
    assert made.status_code == 201 and made.json["source"] == "manual"
    check(made, "/api/v1/rotas/{rota_id}/shifts", "post")
    url = f"{base}/{made.json['id']}"
    overlap = api(
        "admin", "POST", base, json={"user": people["b"].id, "start": "2026-11-25 08:00", "end": "2026-11-25 12:00"}
    )
    assert overlap.status_code == 422 and overlap.json["error"]["field"] == "start" and count(RotaShift) == 1
    changed = api("admin", "PATCH", url, json={"end": "2026-11-25 08:00"})
    assert changed.status_code == 200 and changed.json["end"] == at(2026, 11, 25, 8).isoformat()
    check(changed, "/api/v1/rotas/{rota_id}/shifts/{shift_id}", "patch")
    assert api("coordinator", "PATCH", url, json={"end": "2026-11-25 07:00"}).status_code == 403
    listed = api("coordinator", "GET", base)
    assert [s["id"] for s in listed.json["shifts"]] == [made.json["id"]]
    check(listed, "/api/v1/rotas/{rota_id}/shifts")
    assert api("admin", "DELETE", url).status_code == 204 and count(RotaShift) == 0
    assert api("admin", "DELETE", url).status_code == 404
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("rota.shift_%"))).all()
    assert actions == ["rota.shift_add", "rota.shift_edit", "rota.shift_delete"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_running_shift_deleted_through_the_api_is_ended(api, rota, people, shift, now):
    row = shift(rota, people["a"], now - dt.timedelta(hours=2), now + dt.timedelta(hours=2))
    resp = api("admin", "DELETE", f"/api/v1/rotas/{rota.id}/shifts/{row.id}")
    assert resp.status_code == 200 and resp.json["end"] == now.isoformat()
    check(resp, "/api/v1/rotas/{rota_id}/shifts/{shift_id}", "delete")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_rotations_through_the_api(api, rota, people, now):
    base = f"/api/v1/rotas/{rota.id}/rotations"
    body = {"start_date": "2026-11-01", "handover": "09:00", "shift_hours": 24, "days": [1, 2, 3, 4, 5, 6, 7]}
    made = api("admin", "POST", base, json={**body, "people": [people["a"].email]})
    assert made.status_code == 201 and made.json["state"] == "running"
    check(made, "/api/v1/rotas/{rota_id}/rotations", "post")
    assert api("coordinator", "POST", base, json={**body, "people": [people["a"].email]}).status_code == 403
    bad = api("admin", "PATCH", f"{base}/{made.json['id']}", json={"people": [people["a"].email, "niemand@test.nl"]})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "people[1]" and count(RotaRotation) == 1
    new = api("admin", "PATCH", f"{base}/{made.json['id']}", json={"people": [people["b"].email]})
    assert new.status_code == 200 and new.json["id"] != made.json["id"] and new.json["start_date"] == "2026-11-22"
    check(new, "/api/v1/rotas/{rota_id}/rotations/{rotation_id}", "patch")
    listed = api("comensha", "GET", base).json["rotations"]
    assert [(r["state"], r["until_date"]) for r in listed] == [("ended", "2026-11-21"), ("planned", None)]
    assert api("admin", "DELETE", f"{base}/{new.json['id']}").status_code == 204 and count(RotaRotation) == 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_swaps_through_the_api(api, rota, people, shift, now, users):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    base = f"/api/v1/rotas/{rota.id}/overrides"
    made = api(
        "admin", "POST", base, json={"user": people["b"].id, "start": "2026-11-24 20:00", "end": "2026-11-25 01:00"}
    )
    assert made.status_code == 201
    check(made, "/api/v1/rotas/{rota_id}/overrides", "post")
    url = f"{base}/{made.json['id']}"
    bad = api("admin", "PATCH", url, json={"end": "2026-11-24 19:00"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "end"
    assert db.session.get(RotaOverride, made.json["id"]).end == at(2026, 11, 25, 1)
    ok = api("admin", "PATCH", url, json={"reason": "ruil"})
    assert ok.status_code == 200 and ok.json["reason"] == "ruil"
    check(api("coordinator", "GET", base), "/api/v1/rotas/{rota_id}/overrides")
    assert api("coordinator", "DELETE", url).status_code == 403
    assert api("admin", "DELETE", url).status_code == 204 and count(RotaOverride) == 0
