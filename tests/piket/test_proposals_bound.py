"""The proposals view bounds the matcher's work on a web thread (issue 15, finding 7): it solves with
MATCH_VIEW_TIME_LIMIT_S, not MATCH_TIME_LIMIT_S, and solves a scenario once per minute until it changes."""

import pytest

import matching
from beds.models import BedPool
from extensions import db
from piket import proposals


@pytest.fixture
def solves(monkeypatch):
    """The time limits the matcher was called with, in order."""
    getattr(proposals, "_view_cache", {}).clear()
    calls, real = [], matching.solve

    def spy(scenario, time_limit_s=10.0, explain=False):
        calls.append(time_limit_s)
        return real(scenario, time_limit_s=time_limit_s, explain=explain)

    monkeypatch.setattr(matching, "solve", spy)
    return calls


def test_the_view_solves_with_its_own_small_time_limit(app, api, new_case, registry, solves):
    app.config["MATCH_TIME_LIMIT_S"], app.config["MATCH_VIEW_TIME_LIMIT_S"] = 30.0, 2.0
    mother, _man = new_case()["requests"]
    resp = api("coordinator", "GET", f"/api/v1/placement-requests/{mother['id']}/proposals")
    assert resp.status_code == 200
    assert solves == [2.0]


def test_a_second_view_reuses_the_answer_until_the_registry_changes(app, api, new_case, registry, solves):
    mother, man = new_case()["requests"]
    url = f"/api/v1/placement-requests/{mother['id']}/proposals"
    first = api("coordinator", "GET", url).json
    assert api("coordinator", "GET", url).json == first
    assert len(solves) == 1  # the same scenario: solved once

    pool = db.session.get(BedPool, first["requests"][str(man["id"])]["proposal"]["pool_id"])
    pool.occupied += 1  # any change to what the solve reads is a new scenario
    db.session.commit()
    api("coordinator", "GET", url)
    assert len(solves) == 2
