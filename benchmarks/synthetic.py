"""Seeded synthetic national scenarios in the matching contract's format (for benchmarks)."""

import random

NEEDS = [
    "active_addiction",
    "psychiatric_crisis",
    "suicide_risk",
    "aggression",
    "intellectual_disability",
    "wheelchair",
    "pregnancy",
    "pets",
    "medical_care",
]
EXPLOITATION = ["sexual", "labour", "criminal", "other"]


def scenario(n_requests, n_shelters, seed=1, families=True, apart=True, scarce=False, now="2026-11-22T02:30:00+01:00"):
    rng = random.Random(seed)
    regions = [f"r{k}" for k in range(30)]
    shelters = []
    for s in range(n_shelters):
        kind = rng.random()
        genders = ["female", "x"] if kind < 0.55 else ["male"] if kind < 0.7 else ["female", "male", "x"]
        pools = [
            {
                "id": f"S{s}/bed",
                "kind": "bed",
                "free": rng.choice([0, 0, 0, 1, 1, 2, 3]) if not scarce else rng.choice([0] * 9 + [1]),
            }
        ]
        if rng.random() < 0.3:
            pools.append(
                {
                    "id": f"S{s}/fam",
                    "kind": "family_room",
                    "free": rng.choice([0, 0, 1]) if not scarce else rng.choice([0] * 6 + [1]),
                    "room_size": rng.choice([3, 4, 5]),
                }
            )
        shelters.append(
            {
                "id": f"S{s}",
                "lat": round(rng.uniform(50.8, 53.4), 3),
                "lon": round(rng.uniform(3.6, 7.1), 3),
                "region": rng.choice(regions),
                "intake": "24/7" if rng.random() < 0.7 else [{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}],
                "admits": {
                    "genders": genders,
                    "adults": rng.random() < 0.92,
                    "minors": rng.random() < 0.15,
                    "residence": ["lawful", "none"] if rng.random() < 0.5 else ["lawful"],
                    "exploitation": EXPLOITATION if rng.random() < 0.85 else ["labour"],
                },
                "excludes": rng.sample(NEEDS, rng.choice([0, 0, 1, 2, 3])),
                "pools": pools,
            }
        )
        if not shelters[-1]["admits"]["adults"]:
            shelters[-1]["admits"]["minors"] = True
    requests = []
    for r in range(n_requests):
        size = rng.choice([1, 1, 1, 1, 2, 3])
        persons = [
            {
                "gender": rng.choice(["female", "female", "male", "x"]),
                "age": rng.choice([16, 19, 24, 31, 45]),
                "residence": rng.choice(["lawful", "none"]),
                "exploitation": rng.choice(EXPLOITATION),
                "needs": rng.sample(NEEDS, rng.choice([0, 0, 0, 1])),
            }
            for _ in range(size)
        ]
        requests.append(
            {
                "id": f"R{r}",
                "urgency": rng.choice(["immediate", "immediate", "tonight", "planned"]),
                "threat": rng.choice(["low", "low", "medium", "high"]),
                "found": {
                    "lat": round(rng.uniform(50.8, 53.4), 3),
                    "lon": round(rng.uniform(3.6, 7.1), 3),
                    "region": rng.choice(regions),
                },
                "persons": persons,
                "children": rng.choice([0, 0, 0, 1, 2]) if families else 0,
                "apart_from": [],
            }
        )
    if apart:
        for _ in range(n_requests // 8):
            a, b = rng.sample(range(n_requests), 2)
            requests[a]["apart_from"].append(f"R{b}")
    return {"version": 1, "now": now, "policy": {"high_threat_min_km": 50}, "shelters": shelters, "requests": requests}
