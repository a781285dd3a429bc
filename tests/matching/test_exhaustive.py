"""The solver against brute force on many small random scenarios: every tier equal, every rule kept.

The checker below is written from the contract alone; it shares no code with the solver."""

import datetime as dt
import itertools
import math
import random
from zoneinfo import ZoneInfo

import pytest

import matching

AMS = ZoneInfo("Europe/Amsterdam")
NEEDS = ["active_addiction", "aggression", "pets"]
REGIONS = ["a", "b", "c"]


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def random_scenario(rng):
    now = dt.datetime(2026, 11, rng.randint(16, 22), rng.randint(0, 23), rng.choice([0, 30]), tzinfo=AMS)
    shelters = []
    for s in range(rng.randint(1, 4)):
        pools = []
        for k in range(rng.randint(1, 2)):
            if rng.random() < 0.35:
                pools.append(
                    {
                        "id": f"S{s}/f{k}",
                        "kind": "family_room",
                        "free": rng.randint(0, 2),
                        "room_size": rng.randint(2, 4),
                    }
                )
            else:
                pools.append({"id": f"S{s}/b{k}", "kind": "bed", "free": rng.randint(0, 3)})
        intake = (
            "24/7"
            if rng.random() < 0.6
            else [
                {
                    "days": sorted(rng.sample(range(1, 8), rng.randint(1, 7))),
                    "from": f"{(h := rng.randint(0, 20)):02d}:00",
                    "to": f"{rng.randint(h + 1, 23):02d}:00",
                }
            ]
        )
        shelters.append(
            {
                "id": f"S{s}",
                "lat": round(rng.uniform(51.0, 53.3), 3),
                "lon": round(rng.uniform(3.8, 7.0), 3),
                "region": rng.choice(REGIONS),
                "intake": intake,
                "admits": {
                    "genders": rng.sample(["female", "male", "x"], rng.randint(1, 3)),
                    "adults": (adults := rng.random() < 0.85),
                    "minors": (not adults) or rng.random() < 0.3,
                    "residence": rng.sample(["lawful", "none"], rng.randint(1, 2)),
                    "exploitation": rng.sample(["sexual", "labour", "criminal", "other"], rng.randint(2, 4)),
                },
                "excludes": rng.sample(NEEDS, rng.randint(0, 2)),
                "pools": pools,
            }
        )
    requests = []
    n = rng.randint(1, 4)
    for r in range(n):
        persons = [
            {
                "gender": rng.choice(["female", "male", "x"]),
                "age": rng.choice([15, 24, 35, 50]),
                "residence": rng.choice(["lawful", "none"]),
                "exploitation": rng.choice(["sexual", "labour", "criminal", "other"]),
                "needs": rng.sample(NEEDS, rng.choice([0, 0, 1])),
            }
            for _ in range(rng.choice([1, 1, 1, 2]))
        ]
        requests.append(
            {
                "id": f"R{r}",
                "urgency": rng.choice(["immediate", "tonight", "planned"]),
                "threat": rng.choice(["low", "low", "medium", "high"]),
                "found": {
                    "lat": round(rng.uniform(51.0, 53.3), 3),
                    "lon": round(rng.uniform(3.8, 7.0), 3),
                    "region": rng.choice(REGIONS),
                },
                "persons": persons,
                "children": rng.choice([0, 0, 0, 1, 2]),
                "apart_from": [],
            }
        )
    if n >= 2 and rng.random() < 0.5:
        a, b = rng.sample(range(n), 2)
        requests[a]["apart_from"].append(f"R{b}")
    return {
        "version": 1,
        "now": now.isoformat(),
        "policy": {"high_threat_min_km": 50},
        "shelters": shelters,
        "requests": requests,
    }


def eligible(s, r, now):
    adm = s["admits"]
    for p in r["persons"]:
        if p["gender"] not in adm["genders"] or p["residence"] not in adm["residence"]:
            return False
        if not (adm["minors"] if p["age"] < 18 else adm["adults"]) or p["exploitation"] not in adm["exploitation"]:
            return False
        if set(p["needs"]) & set(s["excludes"]):
            return False
    if r["urgency"] == "immediate" and s["intake"] != "24/7":
        local = dt.datetime.fromisoformat(now).astimezone(AMS)
        hm = local.strftime("%H:%M")
        if not any(local.isoweekday() in w["days"] and w["from"] <= hm < w["to"] for w in s["intake"]):
            return False
    if r["threat"] == "high":
        if s["region"] == r["found"]["region"] or km(s["lat"], s["lon"], r["found"]["lat"], r["found"]["lon"]) < 50:
            return False
    return True


def size(r):
    return len(r["persons"]) + r["children"]


def options(data, r):
    """(shelter, pool) pairs the request may take, judged from the contract alone."""
    out = []
    for s in data["shelters"]:
        if eligible(s, r, data["now"]):
            for p in s["pools"]:
                if (r["children"] == 0 and p["kind"] == "bed") or (
                    r["children"] > 0 and p["kind"] == "family_room" and p["room_size"] >= size(r)
                ):
                    out.append((s, p))
    return out


def feasible(data, plan):
    used = {}
    for r, choice in plan:
        if choice:
            s, p = choice
            used[p["id"]] = used.get(p["id"], 0) + (1 if p["kind"] == "family_room" else size(r))
    pools = {p["id"]: p for s in data["shelters"] for p in s["pools"]}
    if any(n > pools[pid]["free"] for pid, n in used.items()):
        return False
    where = {r["id"]: c[0]["id"] for r, c in plan if c}
    return not any(where.get(r["id"]) and where.get(o) == where[r["id"]] for r, _c in plan for o in r["apart_from"])


def objective(plan):
    imm = sum(size(r) for r, c in plan if c and r["urgency"] == "immediate")
    placed = sum(size(r) for r, c in plan if c)
    dist = sum(size(r) * km(c[0]["lat"], c[0]["lon"], r["found"]["lat"], r["found"]["lon"]) for r, c in plan if c)
    return imm, placed, dist


def brute_force(data):
    choices = [[None] + options(data, r) for r in data["requests"]]
    best = None
    for combo in itertools.product(*choices):
        plan = list(zip(data["requests"], combo, strict=True))
        if feasible(data, plan):
            value = objective(plan)
            if best is None or (value[0], value[1], -value[2]) > (best[0], best[1], -best[2]):
                best = value
    return best


@pytest.mark.parametrize("seed", range(6))
def test_solver_equals_brute_force(seed):
    rng = random.Random(seed)
    for _ in range(60):  # 6 x 60 = 360 scenarios
        data = random_scenario(rng)
        result = matching.solve(data)
        imm, placed, dist = brute_force(data)
        got = result["objective"]
        assert (got["immediate_placed"], got["placed"]) == (imm, placed), data
        assert abs(got["distance_km"] - dist) <= 0.05 + 0.001 * placed, data
        assert result["status"] == "optimal"
        # The answer itself keeps every rule.
        by_id = {r["id"]: r for r in data["requests"]}
        plan = []
        for a in result["assignments"]:
            r = by_id[a["request"]]
            choice = next(((s, p) for s, p in options(data, r) if p["id"] == a["pool"]), None)
            assert choice is not None and choice[0]["id"] == a["shelter"], (a, data)
            plan.append((r, choice))
        assert feasible(data, plan)
        assert {u["request"] for u in result["unplaced"]} == set(by_id) - {a["request"] for a in result["assignments"]}
