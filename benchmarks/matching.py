"""Matching speed and quality: our solver against a naive CP-SAT model and greedy, same process.

    .venv/bin/python benchmarks/matching.py          # about 2-4 minutes on the 2-core machine

Prints a Markdown table (medians of repeated runs, ratios) and writes benchmarks/matching-results.md.
The shared machines are noisy: compare medians and ratios, not single runs.
"""

import statistics
import sys
import time
from pathlib import Path

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

# This file is named like the package it measures: put the project first, not this folder.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import matching  # noqa: E402
from benchmarks import synthetic  # noqa: E402
from matching.eligibility import Eligibility, need  # noqa: E402
from matching.scenario import validate  # noqa: E402
from matching.solver import _prune  # noqa: E402

RESULTS = Path(__file__).with_name("matching-results.md")


def median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def greedy(scenario):
    """Immediate first, then larger groups, each to its nearest eligible pool with room."""
    parsed = validate(scenario)
    elig = Eligibility(parsed)
    left, where, placed, dist = {}, {}, 0, 0.0
    apart = {r.id: set(r.apart_from) for r in parsed.requests}
    for r in parsed.requests:
        for o in r.apart_from:
            apart.setdefault(o, set()).add(r.id)
    for r in sorted(parsed.requests, key=lambda r: (r.urgency != "immediate", -r.size, r.id)):
        for i, p, d in elig.candidates(r):
            if left.setdefault(p.id, p.free) >= need(p, r) and not any(where.get(o) == i for o in apart[r.id]):
                left[p.id] -= need(p, r)
                where[r.id] = i
                placed += r.size
                dist += r.size * d
                break
    return {"placed": placed, "distance_km": round(dist, 1)}


def naive_cp_sat(scenario, time_limit):
    """One Boolean per (request, bed or room): the model one writes first."""
    parsed = validate(scenario)
    elig = Eligibility(parsed)
    model = cp_model.CpModel()
    sizes = {r.id: r.size for r in parsed.requests}
    objective, per_unit = [], {}
    for r in parsed.requests:
        in_pool = []
        for _i, p, d in elig.candidates(r):
            z = model.new_bool_var("")
            units = [model.new_bool_var("") for _ in range(p.free)]
            for u, var in enumerate(units):
                per_unit.setdefault((p.id, u), []).append(var)
                model.add_implication(var, z)
            model.add(sum(units) == need(p, r) * z)
            in_pool.append(z)
            objective.append((z, r, d))
        model.add_at_most_one(in_pool)
    for vars_ in per_unit.values():
        model.add_at_most_one(vars_)
    w1, w2 = 10**9, 10**6
    model.maximize(
        sum(
            ((w1 if r.urgency == "immediate" else 0) + w2) * sizes[r.id] * z - int(r.size * d * 10) * z
            for z, r, d in objective
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    placed = sum(
        r.size for z, r, _d in objective if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.value(z)
    )
    return {"placed": placed, "status": solver.status_name(status)}


def lp_bound_tier3(scenario, tiers):
    """The LP relaxation's lower bound on person-km over the safe candidate set, with tiers 1-2 held
    at the values found (GLOP). The gap of our tier 3 to it bounds how far from optimal we can be."""
    parsed = validate(scenario)
    elig = Eligibility(parsed)
    cands = _prune(parsed, {r.id: elig.candidates(r) for r in parsed.requests})
    lp = pywraplp.Solver.CreateSolver("GLOP")
    x, pools, imm, placed, dist = {}, {}, [], [], []
    for r in parsed.requests:
        row = []
        for k, (_i, p, d) in enumerate(cands[r.id]):
            v = lp.NumVar(0, 1, "")
            x[(r.id, k)] = v
            row.append(v)
            pools.setdefault(p.id, (p, []))[1].append(need(p, r) * v)
            placed.append(r.size * v)
            dist.append(r.size * d * v)
            if r.urgency == "immediate":
                imm.append(r.size * v)
        if row:
            lp.Add(sum(row) <= 1)
    for p, uses in pools.values():
        lp.Add(sum(uses) <= p.free)
    lp.Add(sum(imm) >= tiers["immediate_placed"])
    lp.Add(sum(placed) >= tiers["placed"])
    lp.Minimize(sum(dist))
    lp.Solve()
    return lp.Objective().Value()


def row(name, scenario, repeats, naive_limit=None, lp=False):
    parsed = validate(scenario)
    ours_t, ours = median_time(lambda: matching.solve(scenario), repeats)
    core_t, _ = median_time(lambda: matching.solve_parsed(parsed), repeats)
    greedy_t, gr = median_time(lambda: greedy(scenario), repeats)
    out = {
        "case": name,
        "ours_ms": ours_t * 1000,
        "core_ms": core_t * 1000,
        "status": ours["status"],
        "placed": ours["objective"]["placed"],
        "greedy_placed": gr["placed"],
        "greedy_ms": greedy_t * 1000,
        "person_km": ours["objective"]["distance_km"],
        "greedy_km": gr["distance_km"],
    }
    if naive_limit:
        naive_t, naive = median_time(lambda: naive_cp_sat(scenario, naive_limit), 1)
        out.update(naive_ms=naive_t * 1000, naive_status=naive["status"], naive_placed=naive["placed"])
    if lp:
        bound = lp_bound_tier3(scenario, ours["objective"])
        out["gap_pct"] = 100 * (ours["objective"]["distance_km"] - bound) / bound if bound else 0.0
    return out


def main():
    cases = [
        ("1 request × 3,000 shelters", synthetic.scenario(1, 3000, seed=11), 15, 20, False),
        ("40 requests × 3,000 shelters, families + apart_from", synthetic.scenario(40, 3000, seed=12), 7, 30, False),
        ("400 requests × 10,000 shelters", synthetic.scenario(400, 10000, seed=13), 3, None, True),
        (
            "scarce beds: 200 requests × 3,000 shelters",
            synthetic.scenario(200, 3000, seed=14, scarce=True),
            3,
            None,
            False,
        ),
    ]
    rows = [row(*case) for case in cases]
    lines = [
        "| case | ours (median) | ours after parsing | status | naive CP-SAT | greedy "
        "| persons placed: ours / greedy | person-km: ours / greedy | tier-3 gap to LP bound |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- | --- | ---: |",
    ]
    for r in rows:
        naive = (
            f"{r['naive_ms']:.0f} ms ({r['naive_status'].lower()}, {r['naive_ms'] / r['ours_ms']:.0f}× ours)"
            if "naive_ms" in r
            else "skipped (too large)"
        )
        gap = f"{r['gap_pct']:.2f} %" if "gap_pct" in r else ("0 (optimal)" if r["status"] == "optimal" else "—")
        lines.append(
            f"| {r['case']} | {r['ours_ms']:.0f} ms | {r['core_ms']:.0f} ms | {r['status']} | {naive} | "
            f"{r['greedy_ms']:.0f} ms | {r['placed']} / {r['greedy_placed']} (+{r['placed'] - r['greedy_placed']}) | "
            f"{r['person_km']:.0f} / {r['greedy_km']:.0f} | {gap} |"
        )
    table = "\n".join(lines)
    print(table)
    RESULTS.write_text(table + "\n")


if __name__ == "__main__":
    main()
