"""The optimisation: lexicographic (immediate persons placed, persons placed, person-km), exact.

Work on pools, not beds. Eligibility is filtered first; each request keeps only its nearest
candidates, as many as can never change the optimum (see _prune). Without side constraints and
with one unit per placement it is a min-cost flow; otherwise CP-SAT, hinted with greedy.
"""

import dataclasses
import itertools

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from matching.eligibility import Eligibility, fitting_pools, need
from matching.scenario import validate

METRES = 1000  # distances enter the objective in whole metres
LARGE_MODEL = 25_000  # candidate pairs above which the model is restricted to the nearest pools
NEAREST = 10
DETERMINISTIC_PER_SECOND = 0.1  # CP-SAT deterministic time per second of the caller's limit (calibrated: README)
WALL_BACKSTOP = 6  # the wall-clock stop, in multiples of the limit: only for a machine far overloaded


def solve(scenario: dict, time_limit_s: float = 10.0, explain: bool = False) -> dict:
    """The assignment for a scenario dict (validated first; ScenarioError names a bad field)."""
    return solve_parsed(validate(scenario), time_limit_s, explain)


def solve_parsed(parsed, time_limit_s: float = 10.0, explain: bool = False) -> dict:
    """The same for an already validated Scenario (callers that keep one between solves)."""
    elig = Eligibility(parsed)
    requests = parsed.requests
    candidates = {r.id: elig.candidates(r) for r in requests}
    model_candidates = _prune(parsed, candidates)
    proven_possible = True
    if sum(map(len, model_candidates.values())) > LARGE_MODEL:
        # National scale: the safe set is too large to prove quickly. Keep each request's nearest
        # few pools (competition is local), solve that exactly, and report `feasible`; the
        # benchmark measures the gap to the LP bound of the safe set.
        model_candidates = {rid: cands[:NEAREST] for rid, cands in model_candidates.items()}
        proven_possible = False
    chosen, optimal = _optimise(parsed, model_candidates, time_limit_s)
    optimal = optimal and proven_possible
    return _result(parsed, elig, candidates, chosen, optimal, explain)


def _partners(requests) -> dict[str, set]:
    """apart_from made symmetric: who may not share a shelter with whom."""
    partners = {r.id: set() for r in requests}
    for r in requests:
        for other in r.apart_from:
            partners[r.id].add(other)
            partners.setdefault(other, set()).add(r.id)
    return partners


# --- pruning --------------------------------------------------------------------------------------


def _prune(parsed, candidates):
    """Keep, per request, the nearest candidates until they hold more of it than all requests
    together could ever take away, even after its apart_from partners block a shelter each.

    Safe: if an optimum put the request farther out, some kept pool would still have room in a
    shelter without a partner, and moving it there keeps tiers 1-2 and shortens tier 3."""
    total_units = sum(r.size for r in parsed.requests) + 1
    partners = _partners(parsed.requests)
    pruned = {}
    for r in parsed.requests:
        blocked = len(partners[r.id])
        per_shelter, kept = {}, []
        for cand in candidates[r.id]:
            kept.append(cand)
            i, pool, _d = cand
            per_shelter[i] = per_shelter.get(i, 0) + pool.free // need(pool, r)
            slots = sorted(per_shelter.values(), reverse=True)
            if sum(slots[blocked:]) >= total_units:
                break
        pruned[r.id] = kept
    return pruned


# --- optimisation ---------------------------------------------------------------------------------


def _weights(parsed, candidates):
    sizes = {r.id: r.size for r in parsed.requests}
    worst = sum(
        sizes[rid] * max((round(d * METRES) for _i, _p, d in cands), default=0) for rid, cands in candidates.items()
    )
    w2 = worst + 1  # one more person placed outweighs any distance
    w1 = w2 * (sum(sizes.values()) + 1)  # one more immediate person outweighs everything else
    return w1, w2


def _arc_value(r, d, w1, w2):
    return (w1 * r.size if r.urgency == "immediate" else 0) + w2 * r.size - r.size * round(d * METRES)


def _optimise(parsed, candidates, time_limit_s):
    """{request id: (shelter index, pool, distance)} and whether it is proven optimal."""
    requests = [r for r in parsed.requests if candidates[r.id]]
    if not requests:
        return {}, True
    w1, w2 = _weights(parsed, candidates)
    unit = all(need(p, r) == 1 for r in requests for _i, p, _d in candidates[r.id])
    if unit and not any(r.apart_from for r in requests):
        return _flow(requests, candidates, w1, w2), True
    return _cp_sat(requests, candidates, w1, w2, time_limit_s)


def _flow(requests, candidates, w1, w2):
    """Min-cost flow: source -> request (1) -> pool (1) -> sink (free); request -> sink unplaced."""
    flow = min_cost_flow.SimpleMinCostFlow()
    pools = sorted({p.id for r in requests for _i, p, _d in candidates[r.id]})
    pool_node = {pid: 1 + len(requests) + k for k, pid in enumerate(pools)}
    source, sink = 0, 1 + len(requests) + len(pools)
    arcs = {}
    free = {}
    for k, r in enumerate(requests):
        node = 1 + k
        flow.add_arc_with_capacity_and_unit_cost(source, node, 1, 0)
        flow.add_arc_with_capacity_and_unit_cost(node, sink, 1, 0)  # not placed
        for i, p, d in candidates[r.id]:
            arc = flow.add_arc_with_capacity_and_unit_cost(node, pool_node[p.id], 1, -_arc_value(r, d, w1, w2))
            arcs[arc] = (r.id, (i, p, d))
            free[p.id] = p.free
    for pid in pools:
        flow.add_arc_with_capacity_and_unit_cost(pool_node[pid], sink, free[pid], 0)
    flow.set_node_supply(source, len(requests))
    flow.set_node_supply(sink, -len(requests))
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed on a feasible network")
    return {rid: cand for arc, (rid, cand) in arcs.items() if flow.flow(arc) > 0}


def _greedy(requests, candidates):
    """Immediate first, larger first, nearest pool with room: the hint, and the fallback."""
    left, chosen = {}, {}
    apart = _partners(requests)
    for r in sorted(requests, key=lambda r: (r.urgency != "immediate", -r.size, r.id)):
        for i, p, d in candidates[r.id]:
            room = left.setdefault(p.id, p.free)
            here = {rid for rid, (si, _p, _d) in chosen.items() if si == i}
            if room >= need(p, r) and not (here & apart[r.id]):
                left[p.id] = room - need(p, r)
                chosen[r.id] = (i, p, d)
                break
    return chosen


def _cp_sat(requests, candidates, w1, w2, time_limit_s):
    model = cp_model.CpModel()
    x = {}
    by_pool, by_shelter = {}, {}
    for r in requests:
        for k, (i, p, _d) in enumerate(candidates[r.id]):
            var = model.new_bool_var(f"x_{r.id}_{k}")
            x[(r.id, k)] = var
            by_pool.setdefault(p.id, (p, []))[1].append((need(p, r), var))
            by_shelter.setdefault((r.id, i), []).append(var)
        model.add_at_most_one(x[(r.id, k)] for k in range(len(candidates[r.id])))
    for p, uses in by_pool.values():
        if sum(n for n, _v in uses) > p.free:
            model.add(sum(n * v for n, v in uses) <= p.free)
    ids = {r.id for r in requests}
    partners = _partners(requests)
    for r in requests:
        for other in sorted(partners[r.id]):
            if other in ids and r.id < other:
                for (rid, i), vars_r in by_shelter.items():
                    if rid == r.id and (other, i) in by_shelter:
                        model.add(sum(vars_r) + sum(by_shelter[(other, i)]) <= 1)
    model.maximize(
        sum(_arc_value(r, d, w1, w2) * x[(r.id, k)] for r in requests for k, (_i, _p, d) in enumerate(candidates[r.id]))
    )
    hint = _greedy(requests, candidates)
    for r in requests:
        for k, cand in enumerate(candidates[r.id]):
            model.add_hint(x[(r.id, k)], hint.get(r.id) is not None and hint[r.id][1].id == cand[1].id)
    solver = cp_model.CpSolver()
    _limit(solver.parameters, time_limit_s)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, False
    chosen = {
        r.id: candidates[r.id][k] for r in requests for k in range(len(candidates[r.id])) if solver.value(x[(r.id, k)])
    }
    return chosen, status == cp_model.OPTIMAL


def _limit(params, time_limit_s):
    """Stop by work done, not by the clock: the same input gives the same answer even when the limit is
    hit, on a busy machine as on an idle one. One worker, a fixed seed, and CP-SAT's deterministic time
    (a count of work in units of roughly a second on a current core) scaled from the caller's seconds.
    The wall clock stays as a backstop far beyond it (WALL_BACKSTOP times the limit), for a machine so
    overloaded that the deterministic budget would hold a worker for minutes."""
    params.num_workers = 1
    params.random_seed = 0
    params.max_deterministic_time = time_limit_s * DETERMINISTIC_PER_SECOND
    params.max_time_in_seconds = time_limit_s * WALL_BACKSTOP


# --- the answer -------------------------------------------------------------------------------------


def _result(parsed, elig, candidates, chosen, optimal, explain):
    shelters = parsed.shelters
    used = {}
    for rid, (_i, p, _d) in chosen.items():
        r = next(x for x in parsed.requests if x.id == rid)
        used[p.id] = used.get(p.id, 0) + need(p, r)
    assignments, unplaced, alternatives, explanations = [], [], {}, {}
    immediate = placed = 0
    distance = 0.0
    for r in parsed.requests:
        if explain:
            codes = elig.reasons[r.id]
            explanations[r.id] = {shelters[k].id: codes[k] for k in np.flatnonzero(codes != "")}
        if r.id in chosen:
            i, p, d = chosen[r.id]
            assignments.append({"request": r.id, "shelter": shelters[i].id, "pool": p.id, "distance_km": round(d, 1)})
            placed += r.size
            immediate += r.size if r.urgency == "immediate" else 0
            distance += r.size * d
            others = (
                c for c in candidates[r.id] if c[1].id != p.id and c[1].free - used.get(c[1].id, 0) >= need(c[1], r)
            )
            alternatives[r.id] = [
                {"shelter": shelters[j].id, "pool": q.id, "distance_km": round(e, 1)}
                for j, q, e in itertools.islice(others, 3)
            ]
        else:
            unplaced.append({"request": r.id, "reasons": elig.reason_counts(r)})
    out = {
        "status": "optimal" if optimal else "feasible",
        "objective": {"immediate_placed": immediate, "placed": placed, "distance_km": round(distance, 1)},
        "assignments": assignments,
        "unplaced": unplaced,
        "alternatives": alternatives,
    }
    if explain:
        out["explanations"] = explanations
    return out


def waivers(scenario: dict, request_id: str) -> list[str]:
    """Rules that, waived for this request alone, would give it a place in a pool with room now."""
    return waivers_of(scenario, [request_id])[request_id]


def waivers_of(scenario: dict, request_ids) -> dict[str, list[str]]:
    """The same for several requests: the scenario is validated once (150 groups: once, not 150 times)."""
    parsed = validate(scenario)
    elig = Eligibility(parsed)
    by_id = {r.id: r for r in parsed.requests}
    # A raid's groups often share one profile: the waivers depend on it, not on the id or apart_from.
    memo = {}
    out = {}
    for rid in request_ids:
        request = by_id[rid]
        profile = dataclasses.replace(request, id="", apart_from=())
        if profile not in memo:
            memo[profile] = _waivers(parsed, elig, request)
        out[rid] = memo[profile]
    return out


def _waivers(parsed, elig, request) -> list[str]:
    found = set()
    for k, shelter in enumerate(parsed.shelters):
        # Room first: it is cheap, and a full shelter's rules do not matter (most are full when beds are scarce).
        if not any(p.free >= need(p, request) for p in fitting_pools(shelter, request)):
            continue
        failed = elig.failures(request, k)
        if len(failed) == 1:
            found.add(failed[0])
    return sorted(found)
