"""Malformed scenarios at every depth: `python -m matching solve` exits 2 with one line naming the field.

Wrong types where codes, objects or numbers belong, numbers too large for the solvers, NaN and Infinity
(Python's json reads them), missing keys, bytes that are not UTF-8 and nesting deeper than the parser goes.
Unknown keys are ignored (the contract lists what is refused; a newer producer may send more).
"""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-22T02:30:00+01:00"

SCENARIO = {
    "version": 1,
    "now": NOW,
    "policy": {"high_threat_min_km": 50},
    "shelters": [
        {
            "id": "S1",
            "lat": 52.0,
            "lon": 5.0,
            "region": "utrecht",
            "intake": [{"days": [1, 2, 3, 4, 5, 6, 7], "from": "00:00", "to": "24:00"}],
            "admits": {
                "genders": ["female", "male"],
                "adults": True,
                "minors": False,
                "residence": ["lawful", "none"],
                "exploitation": ["sexual", "labour"],
            },
            "excludes": ["pets"],
            "pools": [
                {"id": "S1/bed", "kind": "bed", "free": 2},
                {"id": "S1/fam", "kind": "family_room", "free": 1, "room_size": 4},
            ],
        },
        {
            "id": "S2",
            "lat": 51.9,
            "lon": 4.5,
            "region": "rotterdam",
            "intake": "24/7",
            "admits": {"genders": ["female"], "adults": True, "minors": True, "residence": ["none"]},
            "pools": [{"id": "S2/bed", "kind": "bed", "free": 1}],
        },
    ],
    "requests": [
        {
            "id": "R1",
            "urgency": "immediate",
            "threat": "low",
            "found": {"lat": 52.0, "lon": 5.0, "region": "utrecht"},
            "persons": [{"gender": "female", "age": 30, "residence": "none", "exploitation": "sexual", "needs": []}],
            "children": 1,
            "apart_from": ["R2"],
        },
        {
            "id": "R2",
            "urgency": "tonight",
            "threat": "high",
            "found": {"lat": 51.9, "lon": 4.5, "region": "rotterdam"},
            "persons": [{"gender": "male", "age": 40, "residence": "lawful"}],
        },
    ],
}


def _set(path, value):
    def mutate(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = value

    return mutate


def _drop(path):
    def mutate(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        del data[last]

    return mutate


# (what is wrong, how to make it so, the field the one line must start with)
BAD = [
    (
        "a list inside a list of codes (was a TypeError)",
        _set(("shelters", 0, "admits", "genders"), [[]]),
        "shelters[0].admits.genders[0]",
    ),
    (
        "an object among the codes",
        _set(("shelters", 1, "admits", "residence"), [{}]),
        "shelters[1].admits.residence[0]",
    ),
    (
        "a list among the exploitation codes",
        _set(("shelters", 1, "admits", "exploitation"), ["sexual", ["labour"]]),
        "shelters[1].admits.exploitation[1]",
    ),
    ("a number among the excludes", _set(("shelters", 0, "excludes"), ["pets", 3]), "shelters[0].excludes[1]"),
    ("a list as a need", _set(("requests", 0, "persons", 0, "needs"), [[]]), "requests[0].persons[0].needs[0]"),
    ("an object as apart_from id", _set(("requests", 0, "apart_from"), [{"id": "R2"}]), "requests[0].apart_from[0]"),
    ("a list as a gender", _set(("requests", 0, "persons", 0, "gender"), ["female"]), "requests[0].persons[0].gender"),
    ("text as shelters", _set(("shelters",), "S1"), "shelters"),
    ("a string as a pool", _set(("shelters", 0, "pools", 0), "S1/bed"), "shelters[0].pools[0]"),
    ("a number as a window", _set(("shelters", 0, "intake", 0), 7), "shelters[0].intake[0]"),
    ("a list as found", _set(("requests", 1, "found"), [51.9, 4.5]), "requests[1].found"),
    ("a huge free count", _set(("shelters", 0, "pools", 0, "free"), 10**24), "shelters[0].pools[0].free"),
    ("a huge room size", _set(("shelters", 0, "pools", 1, "room_size"), 10**20), "shelters[0].pools[1].room_size"),
    ("a huge age", _set(("requests", 0, "persons", 0, "age"), 10**30), "requests[0].persons[0].age"),
    ("a huge number of children", _set(("requests", 0, "children"), 10**30), "requests[0].children"),
    ("a latitude beyond any float", _set(("shelters", 1, "lat"), 10**400), "shelters[1].lat"),
    ("NaN as a latitude", _set(("requests", 0, "found", "lat"), float("nan")), "requests[0].found.lat"),
    (
        "Infinity as the safety distance",
        _set(("policy", "high_threat_min_km"), float("inf")),
        "policy.high_threat_min_km",
    ),
    ("a fractional free count", _set(("shelters", 1, "pools", 0, "free"), 1.5), "shelters[1].pools[0].free"),
    ("true as an age", _set(("requests", 1, "persons", 0, "age"), True), "requests[1].persons[0].age"),
    ("no persons key", _drop(("requests", 1, "persons")), "requests[1].persons"),
    ("no admits.adults", _drop(("shelters", 0, "admits", "adults")), "shelters[0].admits.adults"),
    ("no found.region", _drop(("requests", 0, "found", "region")), "requests[0].found.region"),
    ("no now", _drop(("now",)), "now"),
    ("a window without to", _drop(("shelters", 0, "intake", 0, "to")), "shelters[0].intake[0].to"),
]


def _run(tmp_path, capsys, payload: bytes):
    path = tmp_path / "scenario.json"
    path.write_bytes(payload)
    status = main(["solve", str(path)])  # an exception here is the traceback the CLI must never show
    out = capsys.readouterr()
    return status, out.out, out.err.strip().splitlines()


@pytest.mark.parametrize("what,mutate,field", BAD, ids=[b[0] for b in BAD])
def test_malformed_scenario_exits_2_naming_the_field(tmp_path, capsys, what, mutate, field):
    data = copy.deepcopy(SCENARIO)
    mutate(data)
    status, out, lines = _run(tmp_path, capsys, json.dumps(data).encode())
    assert status == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith(f"{field}: "), lines


@pytest.mark.parametrize(
    "payload,start",
    [
        (b"[" * 100_000 + b"]" * 100_000, "scenario: nested too deeply"),
        (json.dumps(SCENARIO).replace('"free": 2', '"free": ' + "9" * 5000).encode(), "scenario: unreadable number"),
        (b"\xff\xfe{}", "scenario: not UTF-8"),
        (b'{"version": 1, "now": NaN}', "now: must be a non-empty string"),
    ],
    ids=["deep nesting", "5000-digit number", "not UTF-8", "NaN literal"],
)
def test_unreadable_documents_exit_2_with_one_line(tmp_path, capsys, payload, start):
    status, out, lines = _run(tmp_path, capsys, payload)
    assert status == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith(start), lines


@pytest.mark.parametrize("limit", ["nan", "inf", "0"])
def test_a_time_limit_that_is_not_a_positive_number_exits_2(tmp_path, capsys, limit):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(SCENARIO))
    assert main(["solve", str(path), "--time-limit", limit]) == 2
    assert capsys.readouterr().err.strip() == "--time-limit: must be > 0"


def test_the_valid_base_scenario_solves_and_unknown_keys_are_ignored(tmp_path, capsys):
    data = copy.deepcopy(SCENARIO)
    data["comment"] = "from a newer producer"
    data["shelters"][0]["phone"] = "+31101234567"
    status, out, lines = _run(tmp_path, capsys, json.dumps(data).encode())
    assert status == 0 and lines == []
    assert (
        json.loads(out)["objective"]["placed"] == 2
    )  # R1 and its child; the base is valid, so each failure above is its mutation


def test_the_real_command_prints_no_traceback():
    """End to end, as a user runs it: the original crash (a list among the genders) and a too-deep document."""
    for payload in (
        json.dumps(
            {
                **SCENARIO,
                "shelters": [
                    {**SCENARIO["shelters"][0], "admits": {**SCENARIO["shelters"][0]["admits"], "genders": [[]]}}
                ],
            }
        ),
        "[" * 50_000,
    ):
        out = subprocess.run(
            [sys.executable, "-m", "matching", "solve", "-"], cwd=ROOT, input=payload, capture_output=True, text=True
        )
        assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "where,field",
    [
        (lambda d: d["requests"][0].__setitem__("id", "R\ud800"), "requests[0].id"),
        (lambda d: d["shelters"][0]["pools"][0].__setitem__("id", "\udfff"), "shelters[0].pools[0].id"),
        (lambda d: d["requests"][0]["persons"][0].__setitem__("needs", ["\ud83d"]), "requests[0].persons[0].needs[0]"),
    ],
    ids=["request id", "pool id", "a need"],
)
def test_a_lone_surrogate_exits_2_naming_the_field(tmp_path, capsys, where, field):
    data = copy.deepcopy(SCENARIO)
    where(data)
    payload = json.dumps(data).encode()  # ensure_ascii: written as the escape \ud800, valid JSON
    assert b"\\ud" in payload
    status, out, lines = _run(tmp_path, capsys, payload)
    assert status == 2 and out == ""
    assert lines == [f"{field}: must be valid Unicode text (a lone surrogate escape)"]


def test_a_surrogate_pair_is_one_character_and_solves(tmp_path, capsys):
    data = copy.deepcopy(SCENARIO)
    data["requests"][0]["id"] = "R\U0001f600"
    status, out, lines = _run(tmp_path, capsys, json.dumps(data).encode())
    assert status == 0 and lines == [] and json.loads(out)["assignments"][0]["request"] == "R\U0001f600"


def test_a_lone_surrogate_and_a_closed_stdout_print_no_traceback():
    """The real command: a lone surrogate id, output piped into `head -c 0`, and stdout closed (>&-)."""
    bad = copy.deepcopy(SCENARIO)
    bad["requests"][0]["id"] = "\ud800"
    out = subprocess.run(
        [sys.executable, "-m", "matching", "solve", "-"],
        cwd=ROOT,
        input=json.dumps(bad),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == ["requests[0].id: must be valid Unicode text (a lone surrogate escape)"]

    good = json.dumps(SCENARIO)
    for shell in ("{cmd} | head -c 0; exit ${{PIPESTATUS[0]}}", "{cmd} >&-"):
        cmd = f"{sys.executable} -m matching solve -"
        out = subprocess.run(
            ["bash", "-c", shell.format(cmd=cmd)], cwd=ROOT, input=good, capture_output=True, text=True
        )
        assert out.returncode == 2, (shell, out.stderr)
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert out.stderr.startswith("stdout: closed")
