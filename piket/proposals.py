"""Proposals: the live registry and a case's open requests as a matching scenario, solved and explained.

For every open request: the proposed pool and up to three alternatives (distance, freshness,
intake hours), every excluded shelter with its reason, and for an unplaced request the blocking
reasons and which single rule, if waived, would give a place.

Showing proposals only reads. The blocking reasons that unmet demand counts (national/demand.py)
are written when a request ends without a bed: by cancel (piket/service.py) and, for a request
the ladder exhausted, by the worker (record_exhausted); both solve the case as the page does.
"""

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict

from flask import current_app
from sqlalchemy import select

import matching
import vocabulary
from beds import service as beds
from beds.models import Shelter
from beds.scenario import shelter_entry
from extensions import db
from piket.lifecycle import WAITING, RequestStatus
from piket.models import PlacementRequest
from timeutil import intake_open
from transactions import atomic, locked

EXHAUSTED_LOOK_BACK = dt.timedelta(hours=1)  # record_exhausted catches up this far after a missed run


def build_scenario(now, requests, cfg) -> tuple[dict, dict]:
    """The scenario and the shelters by id. Stale pools are kept (flagged) or left out, by policy."""
    shelters = db.session.scalars(select(Shelter).where(Shelter.active.is_(True)).order_by(Shelter.id)).all()
    entries = []
    for shelter in shelters:
        pools = shelter.pools
        if not cfg["USE_STALE_AVAILABILITY"]:
            pools = [
                p
                for p in pools
                if beds.freshness(p.confirmed_at, now, cfg["FRESH_HOURS"], cfg["STALE_HOURS"]) != "stale"
            ]
        if pools:
            entries.append(shelter_entry(shelter, pools))
    scenario = {
        "version": 1,
        "now": now.isoformat(),
        "policy": {"high_threat_min_km": cfg["HIGH_THREAT_MIN_KM"]},
        "shelters": entries,
        "requests": [request_entry(r) for r in requests],
    }
    # Only partners that are matched now: one already placed is no request of this scenario (its shelter
    # is kept apart by placements._check_apart when a pool is chosen).
    ids = {entry["id"] for entry in scenario["requests"]}
    for entry in scenario["requests"]:
        entry["apart_from"] = [i for i in entry["apart_from"] if i in ids]
    return scenario, {s.id: s for s in shelters}


def request_entry(request) -> dict:
    case = request.case
    ids = {r.id for r in case.requests}
    return {
        "id": str(request.id),
        "urgency": request.urgency,
        "threat": request.threat,
        "found": {"lat": case.found_lat, "lon": case.found_lon, "region": case.region.code},
        "persons": request.persons,
        "children": request.children,
        "apart_from": [str(i) for i in request.apart_from or [] if i in ids],
    }


def _option(shelters, pool_id, distance_km, now, cfg) -> dict:
    shelter = next(s for s in shelters.values() if any(p.id == int(pool_id) for p in s.pools))
    pool = next(p for p in shelter.pools if p.id == int(pool_id))
    return {
        "shelter_id": shelter.id,
        "shelter": shelter.name,
        "type": shelter.type,
        "region": shelter.region.name,
        "municipality": shelter.municipality,
        "pool_id": pool.id,
        "pool_kind": pool.kind,
        "free": pool.free,
        "distance_km": distance_km,
        "intake": shelter.intake,
        "intake_open_now": intake_open(shelter.intake, now),
        "intake_phone": shelter.intake_phone,
        "freshness": beds.freshness(pool.confirmed_at, now, cfg["FRESH_HOURS"], cfg["STALE_HOURS"]),
    }


# Waiting for a place: an exhausted request too, which a late yes still takes on from its page.
NEEDS_PLACE = WAITING | {RequestStatus.EXHAUSTED}


def _waiting(case, also=None) -> list:
    """The case's requests to solve together (apart_from holds): those waiting for a place, and
    `also`; a request made by phone has no profile until the coordinator fills it in: nothing to match."""
    return [r for r in case.requests if (r.status in NEEDS_PLACE or r is also) and r.persons]


def _solve(now, requests, cfg):
    scenario, shelters = build_scenario(now, requests, cfg)
    return scenario, shelters, matching.solve(scenario, time_limit_s=cfg["MATCH_TIME_LIMIT_S"], explain=True)


# --- the proposals view: a bounded solve, cached per scenario ---------------------------------------
# A case with many groups and a chain of apart_from pairs took the solver's whole MATCH_TIME_LIMIT_S on
# every view (28 s of a web thread). The view solves with MATCH_VIEW_TIME_LIMIT_S (the best answer so
# far, marked `feasible`) and keeps the answer in this process, keyed on everything the solve reads: the
# scenario itself, its `now` to the minute (intake hours are minutes). Any change to a request, pool or
# shelter changes the scenario and so the key. Nothing is written: a read stays a read.
VIEW_CACHE_SIZE = 128
_view_cache: OrderedDict = OrderedDict()
_view_lock = threading.Lock()


def _view_key(scenario, time_limit_s) -> str:
    minute = dt.datetime.fromisoformat(scenario["now"]).replace(second=0, microsecond=0).isoformat()
    body = json.dumps({**scenario, "now": minute, "limit": time_limit_s}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _solve_for_view(now, requests, cfg):
    """(scenario, shelters, result, {request id: waivers}) for the proposals view, bounded and cached."""
    scenario, shelters = build_scenario(now, requests, cfg)
    limit = min(cfg["MATCH_VIEW_TIME_LIMIT_S"], cfg["MATCH_TIME_LIMIT_S"])
    key = _view_key(scenario, limit)
    with _view_lock:
        hit = _view_cache.get(key)
        if hit is not None:
            _view_cache.move_to_end(key)
    if hit is None:
        result = matching.solve(scenario, time_limit_s=limit, explain=True)
        waivers = matching.waivers_of(scenario, [u["request"] for u in result["unplaced"]])
        hit = (result, waivers)
        with _view_lock:
            _view_cache[key] = hit
            while len(_view_cache) > VIEW_CACHE_SIZE:
                _view_cache.popitem(last=False)
    return scenario, shelters, hit[0], hit[1]


def for_case(now, case, cfg) -> dict:
    """Proposals for every waiting request of the case, solved together (apart_from holds). Reads only."""
    waiting = _waiting(case)
    if not waiting:
        return {"status": "none", "requests": {}}
    _scenario, shelters, result, waivers = _solve_for_view(now, waiting, cfg)
    out = {"status": result["status"], "objective": result["objective"], "requests": {}}
    for request in waiting:
        rid = str(request.id)
        excluded = result.get("explanations", {}).get(rid, {})
        entry = {
            "proposal": None,
            "alternatives": [],
            "unplaced_reasons": None,
            "waivers": [],
            "excluded": sorted(
                (
                    {
                        "shelter_id": int(sid),
                        "shelter": shelters[int(sid)].name,
                        "reason": code,
                        "label": vocabulary.reason_label(code),
                    }
                    for sid, code in excluded.items()
                ),
                key=lambda e: (e["reason"], e["shelter"]),
            ),
        }
        chosen = next((a for a in result["assignments"] if a["request"] == rid), None)
        if chosen:
            entry["proposal"] = _option(shelters, chosen["pool"], chosen["distance_km"], now, cfg)
            entry["alternatives"] = [
                _option(shelters, a["pool"], a["distance_km"], now, cfg) for a in result["alternatives"].get(rid, [])
            ]
        else:
            reasons = _reasons(result, rid)
            entry["unplaced_reasons"] = [
                {"reason": code, "label": vocabulary.reason_label(code), "shelters": n}
                for code, n in sorted(reasons.items(), key=lambda kv: -kv[1])
            ]
            entry["waivers"] = [{"rule": code, "label": vocabulary.reason_label(code)} for code in waivers.get(rid, [])]
        out["requests"][request.id] = entry
    return out


def _reasons(result, rid) -> dict:
    return next((u["reasons"] for u in result["unplaced"] if u["request"] == rid), {})


# --- blocking reasons, kept for unmet demand when a request ends without a bed ---------------------


def blocking_reasons(now, request, cfg=None) -> dict | None:
    """Why the matcher finds no bed for this request now, solved with its case's waiting requests as
    the proposals are: {"capacity": 12, "contra_indication:active_addiction": 3, ...}; {} when it
    would get a place; None when it has no profile (nothing to match). Reads only."""
    if not request.persons:
        return None
    cfg = cfg if cfg is not None else current_app.config
    _scenario, _shelters, result = _solve(now, _waiting(request.case, also=request), cfg)
    return _reasons(result, str(request.id))


def record_exhausted(now, cfg=None) -> int:
    """Worker job, after the escalation tick: the blocking reasons of requests the ladder exhausted
    since EXHAUSTED_LOOK_BACK that have none yet. Returns how many were recorded."""
    exhausted = db.session.scalars(
        select(PlacementRequest)
        .where(
            PlacementRequest.status == RequestStatus.EXHAUSTED, PlacementRequest.closed_at >= now - EXHAUSTED_LOOK_BACK
        )
        .order_by(PlacementRequest.id)
    ).all()
    # Filtered here, not in SQL: an unset JSON column can be SQL NULL or JSON null.
    todo = [r for r in exhausted if r.blocking_reasons is None and r.persons]
    recorded = 0
    for request in todo:
        reasons = blocking_reasons(now, request, cfg)
        with atomic():
            row = locked(PlacementRequest, request.id)
            if (
                row.status == RequestStatus.EXHAUSTED and row.blocking_reasons is None
            ):  # a second worker may have been first
                row.blocking_reasons = reasons
                recorded += 1
    db.session.rollback()  # end the read (on SQLite it holds the write lock)
    return recorded
