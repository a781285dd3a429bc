"""Proposals from the live registry, choosing one (a hold), and the shelter's confirm or refusal."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from beds.models import BedPool
from extensions import db
from piket import placements, proposals
from piket.models import PlacementRequest
from tests.conftest import MAN, MOTHER


def proposals_for(api, rid):
    resp = api("coordinator", "GET", f"/api/v1/placement-requests/{rid}/proposals")
    assert resp.status_code == 200, resp.json
    return resp.json["requests"]


def test_proposals_place_the_mother_with_children_and_the_man_apart(api, new_case, registry):
    mother, man = new_case()["requests"]
    result = proposals_for(api, mother["id"])
    m, h = result[str(mother["id"])], result[str(man["id"])]
    assert m["proposal"]["shelter"] == "COSM Rotterdam" and m["proposal"]["pool_kind"] == "family_room"
    assert h["proposal"]["shelter"] == "Mannenopvang Rotterdam"
    assert m["proposal"]["freshness"] == "fresh" and m["proposal"]["intake_open_now"] is True
    assert m["proposal"]["distance_km"] < 5
    excluded = {e["shelter"]: e["label"] for e in h["excluded"]}
    assert excluded["COSM Rotterdam"] == "geslacht past niet"


def test_unplaced_request_shows_blocking_reasons_and_the_rule_to_waive(api, new_case, registry):
    addicted = {**MOTHER, "needs": ["active_addiction"], "residence": "lawful"}
    body = new_case(requests=[{"persons": [addicted], "children": 2}], apart=[])
    rid = body["requests"][0]["id"]
    entry = proposals_for(api, rid)[str(rid)]
    assert entry["proposal"] is None
    reasons = {r["reason"]: r["shelters"] for r in entry["unplaced_reasons"]}
    assert reasons["contra_indication:active_addiction"] == 2 and reasons["gender"] == 1
    assert "contra_indication:active_addiction" in [w["rule"] for w in entry["waivers"]]
    db.session.expire_all()
    assert db.session.get(PlacementRequest, rid).blocking_reasons is None  # showing proposals only reads


def writes(log) -> list[str]:
    return [s for s in log if s.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]


def unplaced_and_placeable(new_case):
    """A case of an addicted mother (no shelter takes her) and a man (Mannenopvang does)."""
    addicted = {**MOTHER, "needs": ["active_addiction"], "residence": "lawful"}
    return new_case(requests=[{"persons": [addicted], "children": 2}, {"persons": [MAN]}], apart=[])["requests"]


def test_showing_proposals_writes_nothing(api, new_case, registry, sql_log):
    mother, man = unplaced_and_placeable(new_case)
    api("coordinator", "GET", f"/api/v1/placement-requests/{mother['id']}")  # the token's last use is noted once
    sql_log.clear()
    result = proposals_for(api, mother["id"])
    assert result[str(mother["id"])]["unplaced_reasons"] and result[str(man["id"])]["proposal"]
    assert sql_log and writes(sql_log) == [] and "COMMIT" not in sql_log


def test_the_case_page_with_proposals_writes_only_its_access_log_row(client, login, new_case, registry, users, sql_log):
    """A read never writes, with one documented exception: the audit row of the read itself (NEN 7513)."""
    mother, _man = unplaced_and_placeable(new_case)
    case_id = db.session.get(PlacementRequest, mother["id"]).case_id
    login(users["coordinator"])
    sql_log.clear()
    page = client.get(f"/zaak/{case_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Mannenopvang Rotterdam" in html and "actieve verslaving" in html
    assert [w.split(" (", 1)[0] for w in writes(sql_log)] == ["INSERT INTO audit_log"]
    read = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (read.action, read.entity, read.entity_id, read.route) == (
        "case.read",
        "case",
        str(case_id),
        f"GET /zaak/{case_id}",
    )


def test_the_writes_of_the_case_page_are_the_audited_case_and_address(
    client, login, api, new_case, registry, users, sql_log
):
    """A coordinator sees the case and a confidential address of a held placement: both audited, nothing else written."""
    mother, _man = unplaced_and_placeable(new_case)
    man_id = _man["id"]
    pool_id = proposals_for(api, man_id)[str(man_id)]["proposal"]["pool_id"]
    api("coordinator", "POST", f"/api/v1/placement-requests/{man_id}/placements", json={"pool_id": pool_id})
    case_id = db.session.get(PlacementRequest, mother["id"]).case_id
    login(users["coordinator"])
    last = db.session.scalar(select(func.max(AuditEntry.id)))
    sql_log.clear()
    html = client.get(f"/zaak/{case_id}").get_data(as_text=True)
    assert "Mannenweg 3, Rotterdam" in html
    assert {w.split(" (", 1)[0] for w in writes(sql_log)} == {"INSERT INTO audit_log"}
    shown = db.session.scalars(select(AuditEntry).where(AuditEntry.id > last)).all()
    assert [(e.action, e.actor, e.entity_id) for e in shown] == [
        ("case.read", users["coordinator"].email, str(case_id)),
        ("shelter.address_shown", users["coordinator"].email, str(registry["shelters"]["rot-mo"].id)),
    ]


def test_blocking_reasons_are_recorded_when_the_request_is_cancelled_unplaced(api, new_case, registry, now):
    from national import demand

    mother, man = unplaced_and_placeable(new_case)
    for r in (mother, man):
        assert api("police", "POST", f"/api/v1/placement-requests/{r['id']}/cancel").status_code == 200
    db.session.expire_all()
    stored = db.session.get(PlacementRequest, mother["id"]).blocking_reasons
    assert stored["contra_indication:active_addiction"] == 2 and stored["gender"] == 1
    assert db.session.get(PlacementRequest, man["id"]).blocking_reasons == {}  # a bed was free: withdrawn
    reasons = demand.unmet(now, now - dt.timedelta(days=1), now + dt.timedelta(days=1))["unmet_by_reason"]
    by_reason = {row["reason"]: row["requests"] for row in reasons.rows}
    assert by_reason["contra_indication:active_addiction"] == 1 and by_reason["withdrawn"] == 1


def test_blocking_reasons_are_not_recorded_for_a_request_cancelled_with_a_place_held(api, new_case, registry):
    _mother, man = unplaced_and_placeable(new_case)
    pool_id = proposals_for(api, man["id"])[str(man["id"])]["proposal"]["pool_id"]
    api("coordinator", "POST", f"/api/v1/placement-requests/{man['id']}/placements", json={"pool_id": pool_id})
    assert api("police", "POST", f"/api/v1/placement-requests/{man['id']}/cancel").status_code == 200
    db.session.expire_all()
    assert db.session.get(PlacementRequest, man["id"]).blocking_reasons is None


def test_blocking_reasons_are_recorded_by_the_worker_when_the_ladder_is_exhausted(app, new_case, registry, fake, now):
    """Nobody is on duty: the worker's escalation job exhausts the requests at once, then records why."""
    from national import demand
    from piket import jobs

    mother, man = unplaced_and_placeable(new_case)
    jobs.escalate(now)
    db.session.expire_all()
    m, h = db.session.get(PlacementRequest, mother["id"]), db.session.get(PlacementRequest, man["id"])
    assert m.status == h.status == "exhausted"
    assert m.blocking_reasons["contra_indication:active_addiction"] == 2 and h.blocking_reasons == {}
    assert proposals.record_exhausted(now) == 0  # recorded once, however often the job runs
    reasons = demand.unmet(now, now - dt.timedelta(days=1), now + dt.timedelta(days=1))["unmet_by_reason"]
    by_reason = {row["reason"]: row["requests"] for row in reasons.rows}
    assert by_reason["contra_indication:active_addiction"] == 1 and by_reason["no_response"] == 1


def test_choose_confirm_and_the_requester_then_sees_the_address(api, new_case, registry, users):
    mother, man = new_case()["requests"]
    proposal = proposals_for(api, mother["id"])[str(mother["id"])]["proposal"]
    resp = api(
        "coordinator",
        "POST",
        f"/api/v1/placement-requests/{mother['id']}/placements",
        json={"pool_id": proposal["pool_id"]},
    )
    assert resp.status_code == 201, resp.json
    hold_id = resp.json["hold_id"]
    seen = api("police", "GET", f"/api/v1/placement-requests/{mother['id']}").json
    assert seen["status"] == "placing" and "address" not in seen["placements"][0]
    confirm = api("shelter_staff", "POST", f"/api/v1/holds/{hold_id}/confirm")
    assert confirm.status_code == 200 and confirm.json["status"] == "confirmed"
    seen = api("police", "GET", f"/api/v1/placement-requests/{mother['id']}").json
    assert seen["status"] == "placed" and seen["placements"][0]["address"] == "Geheimstraat 1, Rotterdam"
    family = db.session.get(BedPool, proposal["pool_id"])
    assert (family.occupied, family.held) == (1, 0)
    shown = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "shelter.address_shown", AuditEntry.actor == users["police"].email
        )
    ).all()
    assert len(shown) == 1


def test_shelter_refuses_with_a_reason_and_the_request_goes_back_to_proposals(api, new_case, registry):
    mother, _man = new_case()["requests"]
    pool_id = proposals_for(api, mother["id"])[str(mother["id"])]["proposal"]["pool_id"]
    hold_id = api(
        "coordinator", "POST", f"/api/v1/placement-requests/{mother['id']}/placements", json={"pool_id": pool_id}
    ).json["hold_id"]
    no_reason = api("shelter_staff", "POST", f"/api/v1/holds/{hold_id}/release", json={})
    assert no_reason.status_code == 422 and no_reason.json["error"]["field"] == "reason"
    bad_reason = api("shelter_staff", "POST", f"/api/v1/holds/{hold_id}/release", json={"reason": "moody"})
    assert bad_reason.status_code == 422 and bad_reason.json["error"]["field"] == "reason"
    resp = api("shelter_staff", "POST", f"/api/v1/holds/{hold_id}/release", json={"reason": "contra_indication"})
    assert (
        resp.status_code == 200
        and resp.json["status"] == "refused"
        and resp.json["refusal_reason"] == "contra_indication"
    )
    body = api("coordinator", "GET", f"/api/v1/placement-requests/{mother['id']}").json
    assert body["status"] == "accepted" and body["timeline"][-1]["kind"] == "placement_refused"
    assert db.session.get(BedPool, pool_id).held == 0


def test_staff_of_another_shelter_cannot_confirm(api, new_case, registry):
    _mother, man = new_case()["requests"]
    pool_id = proposals_for(api, man["id"])[str(man["id"])]["proposal"]["pool_id"]  # Mannenopvang: not the staff's
    hold_id = api(
        "coordinator", "POST", f"/api/v1/placement-requests/{man['id']}/placements", json={"pool_id": pool_id}
    ).json["hold_id"]
    assert api("shelter_staff", "POST", f"/api/v1/holds/{hold_id}/confirm").status_code == 403


def test_choosing_a_pool_that_does_not_fit_is_refused(api, new_case, registry):
    mother, man = new_case()["requests"]
    cosm_bed = registry["shelters"]["rot-cosm"].pools[0].id
    resp = api("coordinator", "POST", f"/api/v1/placement-requests/{man['id']}/placements", json={"pool_id": cosm_bed})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "pool_id"
    assert "geslacht" in resp.json["error"]["message"]
    assert db.session.get(BedPool, cosm_bed).held == 0


def test_apart_is_enforced_when_choosing(api, new_case, registry):
    both_women = new_case(requests=[{"persons": [MOTHER]}, {"persons": [{**MOTHER, "age": 25}]}], apart=[[0, 1]])
    a, b = both_women["requests"]
    cosm_bed = registry["shelters"]["rot-cosm"].pools[0].id
    assert (
        api(
            "coordinator", "POST", f"/api/v1/placement-requests/{a['id']}/placements", json={"pool_id": cosm_bed}
        ).status_code
        == 201
    )
    resp = api("coordinator", "POST", f"/api/v1/placement-requests/{b['id']}/placements", json={"pool_id": cosm_bed})
    assert resp.status_code == 422 and resp.json["error"]["code"] == "apart"


def test_proposals_after_one_of_two_kept_apart_is_placed(api, new_case, registry):
    """The placed partner is no longer matched: its id must not reach the matcher (it did: a 500 on the case)."""
    mother, man = new_case()["requests"]
    proposal = proposals_for(api, mother["id"])[str(mother["id"])]["proposal"]
    hold_id = api(
        "coordinator",
        "POST",
        f"/api/v1/placement-requests/{mother['id']}/placements",
        json={"pool_id": proposal["pool_id"]},
    ).json["hold_id"]
    assert api("shelter_staff", "POST", f"/api/v1/holds/{hold_id}/confirm").status_code == 200
    left = proposals_for(api, man["id"])
    assert set(left) == {str(man["id"])} and left[str(man["id"])]["proposal"]["shelter"] == "Mannenopvang Rotterdam"


@pytest.mark.parametrize(
    "body,field", [({}, "pool_id"), ({"pool_id": "x"}, "pool_id"), ({"pool_id": 99999}, "pool_id")]
)
def test_bad_choice_names_the_field(api, new_case, registry, body, field):
    rid = new_case()["requests"][1]["id"]
    resp = api("coordinator", "POST", f"/api/v1/placement-requests/{rid}/placements", json=body)
    assert resp.status_code == 422 and resp.json["error"]["field"] == field


def test_police_cannot_choose_or_see_proposals(api, new_case, registry):
    rid = new_case()["requests"][1]["id"]
    assert api("police", "GET", f"/api/v1/placement-requests/{rid}/proposals").status_code == 403
    assert api("police", "POST", f"/api/v1/placement-requests/{rid}/placements", json={"pool_id": 1}).status_code == 403


def test_unconfirmed_holds_expire_and_the_request_goes_back(api, new_case, registry, now):
    _mother, man = new_case()["requests"]
    pool_id = proposals_for(api, man["id"])[str(man["id"])]["proposal"]["pool_id"]
    api("coordinator", "POST", f"/api/v1/placement-requests/{man['id']}/placements", json={"pool_id": pool_id})
    assert placements.expire_due(now + dt.timedelta(minutes=89)) == 0
    assert placements.expire_due(now + dt.timedelta(minutes=91)) == 1
    body = api("coordinator", "GET", f"/api/v1/placement-requests/{man['id']}").json
    assert body["status"] == "accepted" and body["placements"][0]["status"] == "expired"
    assert db.session.get(BedPool, pool_id).held == 0


def test_cancel_releases_the_hold(api, new_case, registry):
    _mother, man = new_case()["requests"]
    pool_id = proposals_for(api, man["id"])[str(man["id"])]["proposal"]["pool_id"]
    api("coordinator", "POST", f"/api/v1/placement-requests/{man['id']}/placements", json={"pool_id": pool_id})
    assert db.session.get(BedPool, pool_id).held == 1
    assert api("police", "POST", f"/api/v1/placement-requests/{man['id']}/cancel").status_code == 200
    db.session.expire_all()
    assert db.session.get(BedPool, pool_id).held == 0


def test_stale_pools_can_be_kept_out_of_proposals(app, registry, now):
    from piket.proposals import build_scenario

    app.config["USE_STALE_AVAILABILITY"] = False
    scenario, _ = build_scenario(now, [], app.config)
    keys = {s["id"] for s in scenario["shelters"]}
    assert str(registry["shelters"]["ams-vo"].id) not in keys  # confirmed 9 hours ago
    assert str(registry["shelters"]["rot-cosm"].id) in keys


@pytest.mark.postgres_only  # on SQLite the first read takes the write lock, so nothing can come between
def test_a_place_taken_after_this_session_read_the_pool_is_not_held_twice(api, new_case, registry):
    # The coordinator's choice reads the pool, then locks it: another coordinator's hold committed
    # in between must be seen at the lock, or the last place would be held twice.
    mother, _ = new_case()["requests"]
    pool_id = proposals_for(api, mother["id"])[str(mother["id"])]["proposal"]["pool_id"]
    pool = db.session.get(BedPool, pool_id)
    assert pool.free > 0  # read in this session's transaction
    table = BedPool.__table__
    with db.engine.begin() as other:
        other.execute(
            table.update()
            .where(table.c.id == pool_id)
            .values(held=table.c.capacity - table.c.out_of_service - table.c.occupied)
        )
    resp = api(
        "coordinator", "POST", f"/api/v1/placement-requests/{mother['id']}/placements", json={"pool_id": pool_id}
    )
    assert resp.status_code == 409 and resp.json["error"]["code"] == "no_capacity"
    db.session.expire_all()
    assert db.session.get(BedPool, pool_id).free == 0
