"""Proposals off the request path (issue 18; issue 15 finding 7 before it).

The worker's refresh_proposals job solves every case that waits for a place, per case version (its
waiting requests, the registry, holds), and stores the answer; a view shows the stored answer without
running the matcher, marks an older version "wordt herberekend", and solves (bounded, once per version,
not written) only for a case the worker has not computed yet."""

import pytest

import matching
from beds.models import BedPool
from extensions import db
from piket import jobs, proposals
from piket.models import CaseProposals


@pytest.fixture
def solves(monkeypatch):
    """The time limits the matcher was called with, in order."""
    proposals._view_cache.clear()
    calls, real = [], matching.solve

    def spy(scenario, time_limit_s=10.0, explain=False):
        calls.append(time_limit_s)
        return real(scenario, time_limit_s=time_limit_s, explain=explain)

    monkeypatch.setattr(matching, "solve", spy)
    return calls


def _url(req):
    return f"/api/v1/placement-requests/{req['id']}/proposals"


def test_before_the_worker_a_view_solves_once_with_its_own_small_limit(app, api, new_case, registry, solves):
    app.config["MATCH_TIME_LIMIT_S"], app.config["MATCH_VIEW_TIME_LIMIT_S"] = 30.0, 2.0
    mother, _man = new_case()["requests"]
    first = api("coordinator", "GET", _url(mother))
    assert first.status_code == 200 and first.json["stale"] is False and first.json["computed_at"]
    assert api("coordinator", "GET", _url(mother)).json == first.json
    assert solves == [2.0]  # once, with the view's limit; a read writes nothing
    assert db.session.query(CaseProposals).count() == 0


def test_the_worker_computes_and_views_never_solve_while_fresh(app, api, new_case, registry, solves, now):
    app.config["MATCH_TIME_LIMIT_S"] = 30.0
    mother, man = new_case()["requests"]
    assert jobs.refresh_proposals(now) == 1
    assert solves == [30.0]  # the worker's own limit
    assert jobs.refresh_proposals(now) == 0  # nothing changed: nothing to do
    for _ in range(3):
        body = api("coordinator", "GET", _url(mother)).json
        assert body["stale"] is False and body["requests"][str(man["id"])]["proposal"]
    assert solves == [30.0]
    row = db.session.get(CaseProposals, db.session.get(proposals.PlacementRequest, mother["id"]).case_id)
    assert row.computed_at == now and body["computed_at"].startswith("2026-11-22T01:30")


def test_a_registry_change_shows_the_old_answer_marked_until_the_worker_recomputes(
    app, api, new_case, registry, solves, now
):
    mother, man = new_case()["requests"]
    jobs.refresh_proposals(now)
    first = api("coordinator", "GET", _url(mother)).json
    pool = db.session.get(BedPool, first["requests"][str(man["id"])]["proposal"]["pool_id"])
    pool.occupied += 1  # an availability update
    db.session.commit()
    stale = api("coordinator", "GET", _url(mother)).json
    assert stale["stale"] is True and stale["requests"] == first["requests"]
    assert len(solves) == 1  # the view did not solve
    assert jobs.refresh_proposals(now) == 1
    again = api("coordinator", "GET", _url(mother)).json
    assert again["stale"] is False and len(solves) == 2


def test_a_hold_and_a_profile_change_are_new_versions(app, api, new_case, registry, solves, now):
    mother, man = new_case()["requests"]
    jobs.refresh_proposals(now)
    pool_id = api("coordinator", "GET", _url(man)).json["requests"][str(man["id"])]["proposal"]["pool_id"]
    resp = api("coordinator", "POST", f"/api/v1/placement-requests/{man['id']}/placements", json={"pool_id": pool_id})
    assert resp.status_code == 201
    assert api("coordinator", "GET", _url(mother)).json["stale"] is True  # the man left the waiting list
    assert jobs.refresh_proposals(now) == 1
    assert str(man["id"]) not in api("coordinator", "GET", _url(mother)).json["requests"]


def test_the_case_page_says_when_the_proposals_were_computed_and_that_they_are_recomputed(
    client, login, users, new_case, registry, now, solves
):
    mother, man = new_case()["requests"]
    jobs.refresh_proposals(now)
    login(users["coordinator"])
    case_id = db.session.get(proposals.PlacementRequest, mother["id"]).case_id
    page = client.get(f"/zaak/{case_id}").get_data(as_text=True)
    assert "Voorstellen berekend om 02:30" in page and "wordt herberekend" not in page  # 01:30 UTC = 02:30 CET
    for pool in db.session.query(BedPool).all():
        pool.occupied = 0
    db.session.commit()
    page = client.get(f"/zaak/{case_id}").get_data(as_text=True)
    assert "Voorstellen berekend om 02:30" in page and "wordt herberekend" in page
    assert len(solves) == 1


def test_a_case_the_matcher_fails_on_does_not_keep_the_others_waiting(app, api, new_case, registry, now, monkeypatch):
    first, second = new_case(), new_case()
    real, failed = proposals._compute, []

    def compute(now, case, waiting, cfg, limit):
        if case.id == db.session.get(proposals.PlacementRequest, first["requests"][0]["id"]).case_id:
            failed.append(case.id)
            raise RuntimeError("matcher failed")
        return real(now, case, waiting, cfg, limit)

    monkeypatch.setattr(proposals, "_compute", compute)
    assert jobs.refresh_proposals(now) == 1  # the second case, despite the first
    stored = db.session.query(CaseProposals).one()
    assert failed and stored.case_id == db.session.get(proposals.PlacementRequest, second["requests"][0]["id"]).case_id
