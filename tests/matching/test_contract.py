"""The matcher against the shared scenarios, the CLI, reasons, alternatives, determinism, bad input."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import matching

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-22T02:30:00+01:00"  # Sunday night


def shelter(
    sid,
    lat=52.0,
    lon=5.0,
    region="utrecht",
    intake="24/7",
    genders=("female", "male", "x"),
    adults=True,
    minors=False,
    residence=("lawful", "none"),
    excludes=(),
    pools=None,
    exploitation=None,
):
    admits = {"genders": list(genders), "adults": adults, "minors": minors, "residence": list(residence)}
    if exploitation is not None:
        admits["exploitation"] = list(exploitation)
    return {
        "id": sid,
        "lat": lat,
        "lon": lon,
        "region": region,
        "intake": intake,
        "admits": admits,
        "excludes": list(excludes),
        "pools": pools or [{"id": f"{sid}/bed", "kind": "bed", "free": 1}],
    }


def person(gender="female", age=30, residence="none", exploitation="sexual", needs=()):
    return {"gender": gender, "age": age, "residence": residence, "exploitation": exploitation, "needs": list(needs)}


def request(
    rid, persons=None, children=0, urgency="immediate", threat="low", lat=52.0, lon=5.0, region="utrecht", apart=()
):
    return {
        "id": rid,
        "urgency": urgency,
        "threat": threat,
        "found": {"lat": lat, "lon": lon, "region": region},
        "persons": persons or [person()],
        "children": children,
        "apart_from": list(apart),
    }


def scenario(shelters, requests, now=NOW, **policy):
    return {"version": 1, "now": now, "policy": policy, "shelters": shelters, "requests": requests}


@pytest.mark.parametrize("name", ["night-sunday.json", "raid-saturday-night.json", "busy-tuesday.json"])
def test_shared_scenarios_reach_the_expected_objective(scenarios_dir, name):
    expected = json.loads((scenarios_dir / "expected.json").read_text())[name]
    result = matching.solve(json.loads((scenarios_dir / name).read_text()))
    got = result["objective"]
    assert result["status"] == "optimal"
    assert (got["immediate_placed"], got["placed"]) == (expected["immediate_placed"], expected["placed"])
    assert abs(got["distance_km"] - expected["distance_km"]) <= 0.5


def test_cli_solves_a_file_and_standard_input(scenarios_dir):
    path = scenarios_dir / "night-sunday.json"
    out = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["objective"]["placed"] == 9
    piped = subprocess.run(
        [sys.executable, "-m", "matching", "solve", "-"],
        cwd=ROOT,
        input=path.read_text(),
        capture_output=True,
        text=True,
    )
    assert json.loads(piped.stdout) == json.loads(out.stdout)


@pytest.mark.parametrize(
    "mutate,line",
    [
        (
            lambda s: s["requests"][0]["persons"][0].update(age=-1),
            "requests[0].persons[0].age: must be an integer >= 0",
        ),
        (lambda s: s["requests"][0].update(urgency="asap"), "requests[0].urgency: must be one of"),
        (lambda s: s["requests"].append(dict(s["requests"][0])), "requests[1].id: request id 'R1' is used twice"),
        (lambda s: s["requests"][0].update(apart_from=["R9"]), "requests[0].apart_from[0]: names unknown request 'R9'"),
        (lambda s: s["shelters"][0].pop("admits"), "shelters[0].admits: is required"),
        (lambda s: s["shelters"][0]["pools"][0].update(kind="bunk"), "shelters[0].pools[0].kind: must be one of"),
        (lambda s: s["shelters"][0]["pools"][0].update(free="2"), "shelters[0].pools[0].free: must be an integer >= 0"),
        (
            lambda s: s["shelters"][0].update(intake=[{"days": [8], "from": "09:00", "to": "17:00"}]),
            "shelters[0].intake[0].days",
        ),
        (
            lambda s: s["shelters"][0].update(intake=[{"days": [1], "from": "17:00", "to": "09:00"}]),
            "shelters[0].intake[0].to",
        ),
        (lambda s: s.update(now="yesterday"), "now: must be an ISO 8601"),
        (lambda s: s.update(version=2), "version: must be 1"),
        (
            lambda s: s["shelters"][0]["pools"].append({"id": "S1/fam", "kind": "family_room", "free": 1}),
            "shelters[0].pools[1].room_size",
        ),
    ],
)
def test_cli_bad_input_exits_2_with_one_line_naming_the_field(mutate, line):
    data = scenario([shelter("S1")], [request("R1")])
    mutate(data)
    out = subprocess.run(
        [sys.executable, "-m", "matching", "solve", "-"],
        cwd=ROOT,
        input=json.dumps(data),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), lines


def test_cli_not_json_and_missing_file():
    out = subprocess.run(
        [sys.executable, "-m", "matching", "solve", "-"], cwd=ROOT, input="{oops", capture_output=True, text=True
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "not JSON" in out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "matching", "solve", "/nonexistent.json"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_unplaced_reasons_follow_the_contract_order():
    shelters = [
        shelter("MEN", genders=["male"]),  # gender
        shelter("KIDS", adults=False, minors=True),  # age
        shelter("LAWFUL", residence=["lawful"]),  # residence
        shelter("LABOUR", exploitation=["labour"]),  # exploitation
        shelter("NOADD", excludes=["active_addiction"]),  # contra-indication
        shelter("OFFICE", intake=[{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}]),  # closed on Sunday night
        shelter("NEAR", region="utrecht"),  # same region, high threat
        shelter("NOFAM", region="groningen", lat=53.2, lon=6.6),  # no family room
        shelter(
            "FULL",
            region="groningen",
            lat=53.2,
            lon=6.6,
            pools=[{"id": "FULL/fam", "kind": "family_room", "free": 0, "room_size": 4}],
        ),  # capacity
    ]
    r = request("R1", persons=[person(needs=["active_addiction"])], children=1, threat="high")
    result = matching.solve(scenario(shelters, [r]))
    assert result["assignments"] == []
    assert result["unplaced"] == [
        {
            "request": "R1",
            "reasons": {
                "age": 1,
                "capacity": 1,
                "contra_indication:active_addiction": 1,
                "exploitation": 1,
                "gender": 1,
                "intake_closed": 1,
                "pool_fit": 1,
                "residence": 1,
                "safety_distance": 1,
            },
        }
    ]


def test_alternatives_are_other_eligible_pools_with_room_nearest_first():
    shelters = [shelter(f"S{k}", lat=52.0 + k * 0.1, region=f"r{k}") for k in range(6)]
    shelters[2]["pools"][0]["free"] = 0
    result = matching.solve(scenario(shelters, [request("R1")]))
    assert result["assignments"][0]["pool"] == "S0/bed"
    assert [a["pool"] for a in result["alternatives"]["R1"]] == ["S1/bed", "S3/bed", "S4/bed"]
    d = [a["distance_km"] for a in result["alternatives"]["R1"]]
    assert d == sorted(d)


def test_high_threat_is_placed_far_away_and_outside_the_region():
    shelters = [
        shelter("NEAR", lat=52.05, region="other"),
        shelter("SAME", lat=52.6, region="utrecht"),
        shelter("FAR", lat=52.6, region="zwolle"),
    ]
    result = matching.solve(scenario(shelters, [request("R1", threat="high")]))
    assert result["assignments"][0]["shelter"] == "FAR" and result["assignments"][0]["distance_km"] >= 50


def test_family_takes_one_room_and_apart_from_is_respected():
    fam = {"id": "A/fam", "kind": "family_room", "free": 1, "room_size": 3}
    shelters = [shelter("A", pools=[fam, {"id": "A/bed", "kind": "bed", "free": 2}]), shelter("B", lat=52.3)]
    reqs = [request("MOM", children=2), request("MAN", persons=[person("male")], apart=["MOM"])]
    result = matching.solve(scenario(shelters, reqs))
    where = {a["request"]: a["shelter"] for a in result["assignments"]}
    assert where == {"MOM": "A", "MAN": "B"}
    assert next(a for a in result["assignments"] if a["request"] == "MOM")["pool"] == "A/fam"


def test_immediate_persons_come_first():
    shelters = [shelter("ONLY", pools=[{"id": "ONLY/bed", "kind": "bed", "free": 2}])]
    reqs = [request("PLANNED", persons=[person(), person()], urgency="planned"), request("NOW", urgency="immediate")]
    result = matching.solve(scenario(shelters, reqs))
    assert [a["request"] for a in result["assignments"]] == ["NOW"]
    assert result["objective"] == {"immediate_placed": 1, "placed": 1, "distance_km": 0.0}


def test_intake_hours_are_read_in_amsterdam_time_across_daylight_saving():
    office = shelter("OFFICE", intake=[{"days": [7], "from": "02:00", "to": "04:00"}])
    # 28 March 2027: clocks go from 02:00 to 03:00. 00:30 UTC is 01:30 CET (closed); 01:30 UTC is 03:30 CEST (open).
    before = matching.solve(scenario([office], [request("R1")], now="2027-03-28T00:30:00+00:00"))
    after = matching.solve(scenario([office], [request("R1")], now="2027-03-28T01:30:00+00:00"))
    assert before["assignments"] == [] and before["unplaced"][0]["reasons"] == {"intake_closed": 1}
    assert after["assignments"][0]["shelter"] == "OFFICE"


def test_deterministic_and_order_independent(scenarios_dir):
    data = json.loads((scenarios_dir / "raid-saturday-night.json").read_text())
    first, second = matching.solve(data), matching.solve(json.loads(json.dumps(data)))
    assert first == second
    random.Random(7).shuffle(data["shelters"])
    assert matching.solve(data)["objective"] == first["objective"]


def test_explanations_and_waivers():
    shelters = [shelter("NOADD", excludes=["active_addiction"]), shelter("MEN", genders=["male"])]
    data = scenario(shelters, [request("R1", persons=[person(needs=["active_addiction"])])])
    result = matching.solve(data, explain=True)
    assert result["explanations"]["R1"] == {"NOADD": "contra_indication:active_addiction", "MEN": "gender"}
    assert "explanations" not in matching.solve(data)
    assert matching.waivers(data, "R1") == ["contra_indication:active_addiction", "gender"]
