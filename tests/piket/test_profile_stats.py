"""A request's anonymous profile aggregates (profile_stats): target groups and needs, kept after the purge."""

import pytest

import vocabulary
from extensions import db
from piket.models import PlacementRequest


def stats_of(request_id):
    db.session.expire_all()
    return db.session.get(PlacementRequest, request_id).profile_stats


def test_created_requests_carry_their_groups_and_needs(new_case):
    body = new_case()  # a mother without residence with 2 children; a man with lawful residence
    first, second = [r["id"] for r in body["requests"]]
    assert stats_of(first) == {"groups": ["families", "no_residence"], "needs": []}
    assert stats_of(second) == {"groups": ["men"], "needs": []}


def test_a_group_with_a_minor_and_needs(new_case):
    persons = [
        {"gender": "male", "age": 25, "residence": "none", "exploitation": "labour", "needs": ["pets", "aggression"]},
        {"gender": "female", "age": 19, "residence": "lawful", "exploitation": "labour", "needs": ["aggression"]},
        {"gender": "male", "age": 16, "residence": "lawful", "exploitation": "labour", "needs": []},
    ]
    body = new_case(requests=[{"persons": persons}], apart=[])
    # two adults: groups; an adult man: men; the 16-year-old: minors (a boy is not counted as "men");
    # needs: the sorted union, each once.
    assert stats_of(body["requests"][0]["id"]) == {
        "groups": ["groups", "men", "minors", "no_residence"],
        "needs": ["aggression", "pets"],
    }


def test_a_phone_request_gets_its_stats_with_its_profile(app, registry, users, api, now):
    from piket import service

    region = registry["regions"]["rotterdam"]
    fields = {
        "case_reference": "TEL-1",
        "callback_phone": "+31612345678",
        "requester_org": "police",
        "region": region,
        "found_lat": region.lat,
        "found_lon": region.lon,
        "apart": [],
        "requests": [{"persons": [], "children": 0, "urgency": "immediate", "threat": "low"}],
    }
    case, _ = service.create_case(now, fields, None, source="phone")
    request_id = case.requests[0].id
    assert stats_of(request_id) is None  # no profile yet: counted as "no_profile" if it ends so
    resp = api(
        "coordinator",
        "PUT",
        f"/api/v1/placement-requests/{request_id}/profile",
        json={
            "persons": [
                {"gender": "female", "age": 15, "residence": "none", "exploitation": "sexual", "needs": ["pregnancy"]}
            ],
            "children": 1,
        },
    )
    assert resp.status_code == 200, resp.json
    assert stats_of(request_id) == {"groups": ["families", "minors", "no_residence"], "needs": ["pregnancy"]}


@pytest.mark.parametrize(
    "persons, children, groups",
    [
        ([{"gender": "male", "age": 18, "residence": "lawful"}], 0, ["men"]),  # 18 is adult
        ([{"gender": "male", "age": 17, "residence": "lawful"}], 0, ["minors"]),
        ([{"gender": "female", "age": 30, "residence": "lawful"}], 0, []),  # the group the shelters are built for
        (
            [{"gender": "x", "age": 30, "residence": "lawful"}, {"gender": "female", "age": 40, "residence": "lawful"}],
            0,
            ["groups"],
        ),
        (
            [
                {"gender": "female", "age": 30, "residence": "lawful"},
                {"gender": "female", "age": 12, "residence": "lawful"},
            ],
            0,
            ["minors"],
        ),  # one adult: not a group
        ([{"gender": "male", "age": None, "residence": None}], 0, ["men"]),  # a search that left age open
        ([], 2, ["families"]),
    ],
)
def test_target_groups(persons, children, groups):
    assert vocabulary.target_groups(persons, children) == groups
