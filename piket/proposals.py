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
import logging
import threading
import time
from collections import OrderedDict

from flask import current_app
from sqlalchemy import Text, cast, select

import formatting
import matching
import vocabulary
from beds import service as beds
from beds.models import BedPool, Region, Shelter
from beds.scenario import person_entry, shelter_entry
from errors import log_unexpected
from extensions import db
from piket.lifecycle import WAITING, RequestStatus
from piket.models import Case, CaseProposals, PlacementRequest
from timeutil import intake_open
from transactions import atomic, locked

log = logging.getLogger("piket.proposals")
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
        "persons": [person_entry(p) for p in request.persons or []],
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


# --- the proposals view: computed by the worker, cached per case version ---------------------------
# A raid case of many groups chained by apart_from pairs held a web thread for the solver's whole limit
# on every view. Now the worker's `refresh_proposals` job solves every case that waits for a place
# whenever its version changes, and keeps the answer in case_proposals (piket/models.py). A view reads
# that row: fresh (same version) as is, stale marked "wordt herberekend" (the worker is on it). Only
# when a case has no row at all yet does a view solve, once, bounded by MATCH_VIEW_TIME_LIMIT_S, and
# keeps that answer in this process under its version: nothing is written, a read stays a read.
#
# The version (one definition, `version_key`): a hash of the case's waiting requests as the matcher
# reads them (which wait, their profile, urgency, threat, apart_from) and of the registry as the matcher
# sees it now (registry_version: every active shelter's rules and whether its intake is open, every
# pool's free count, kind and freshness), plus the settings the solve reads. An availability update,
# a profile or capacity edit, a hold placed, released or expired (they move the pool's `held`), a pool
# ageing into stale and an intake window opening or closing all change it; nothing has to remember to
# bump a counter, and no write path takes a shared row lock for it.
VIEW_CACHE_SIZE = 128
_view_cache: OrderedDict = OrderedDict()
_view_lock = threading.Lock()


def registry_version(now, cfg) -> str:
    """The registry as the matcher sees it at `now`, hashed: two plain queries, no solve."""
    shelters = db.session.execute(
        select(
            Shelter.id,
            Shelter.lat,
            Shelter.lon,
            Region.code,
            Shelter.intake,
            cast(Shelter.genders, Text),  # as text: nothing to decode for a hash
            Shelter.adults,
            Shelter.minors,
            cast(Shelter.residence, Text),  # as text: nothing to decode for a hash
            cast(Shelter.exploitation, Text),  # as text: nothing to decode for a hash
            cast(Shelter.excludes, Text),  # as text: nothing to decode for a hash
            Shelter.name,
            Shelter.municipality,
            Shelter.intake_phone,
            Shelter.type,
        )
        .join(Region, Region.id == Shelter.region_id)
        .where(Shelter.active.is_(True))
        .order_by(Shelter.id)
    ).all()
    pools = db.session.execute(
        select(
            BedPool.id,
            BedPool.shelter_id,
            BedPool.kind,
            BedPool.room_size,
            BedPool.capacity,
            BedPool.out_of_service,
            BedPool.occupied,
            BedPool.held,
            BedPool.confirmed_at,
        )
        .join(Shelter, Shelter.id == BedPool.shelter_id)
        .where(Shelter.active.is_(True))
        .order_by(BedPool.id)
    ).all()
    fresh, stale = cfg["FRESH_HOURS"], cfg["STALE_HOURS"]
    body = [
        [list(row) + [intake_open(row.intake, now)] for row in shelters],
        [list(row[:8]) + [beds.freshness(row.confirmed_at, now, fresh, stale)] for row in pools],
        [cfg["USE_STALE_AVAILABILITY"], fresh, stale, cfg["HIGH_THREAT_MIN_KM"], cfg["MATCH_TIME_LIMIT_S"]],
    ]
    return hashlib.sha256(json.dumps(body, default=str).encode()).hexdigest()


def version_key(case, waiting, registry) -> str:
    """The case's version: its waiting requests as the matcher reads them, and the registry's version."""
    body = {"case": case.id, "requests": [[r.status, request_entry(r)] for r in waiting], "registry": registry}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _compute(now, case, waiting, cfg, time_limit_s) -> dict:
    """Proposals for every waiting request of the case, solved together (apart_from holds), as stored."""
    _scenario, shelters, result, waivers = _solve_bounded(now, waiting, cfg, time_limit_s)
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
        out["requests"][rid] = entry
    return out


def _solve_bounded(now, requests, cfg, time_limit_s):
    scenario, shelters = build_scenario(now, requests, cfg)
    result = matching.solve(scenario, time_limit_s=time_limit_s, explain=True)
    waivers = matching.waivers_of(scenario, [u["request"] for u in result["unplaced"]])
    return scenario, shelters, result, waivers


def _answer(status, objective, requests_json, computed_at, stale) -> dict:
    return {
        "status": status,
        "objective": objective,
        "requests_json": requests_json,
        "computed_at": computed_at,
        "computed_at_local": formatting.clock(computed_at),
        "stale": stale,
    }


def lookup(now, case, cfg) -> dict:
    """The case's proposals for a view, with the requests' part as JSON text (the API sends it as is):
    status, objective, requests_json, computed_at, stale. Reads only; solves only when the worker has
    not computed this case yet (then once per version in this process, bounded)."""
    waiting = _waiting(case)
    if not waiting:
        return _answer("none", None, "{}", None, False)
    key = version_key(case, waiting, registry_version(now, cfg))
    row = db.session.get(CaseProposals, case.id)
    if row is not None and row.key == key:
        return _answer(row.status, row.objective, row.requests, row.computed_at, False)
    with _view_lock:
        hit = _view_cache.get(key)
        if hit is not None:
            _view_cache.move_to_end(key)
    if hit is not None:
        return _answer(*hit, stale=False)
    if row is not None:  # an older version: shown, marked; the worker's next tick recomputes it
        return _answer(row.status, row.objective, row.requests, row.computed_at, True)
    limit = min(cfg["MATCH_VIEW_TIME_LIMIT_S"], cfg["MATCH_TIME_LIMIT_S"])
    result = _compute(now, case, waiting, cfg, limit)
    hit = (result["status"], result["objective"], json.dumps(result["requests"]), now)
    with _view_lock:
        _view_cache[key] = hit
        while len(_view_cache) > VIEW_CACHE_SIZE:
            _view_cache.popitem(last=False)
    return _answer(*hit, stale=False)


def for_case(now, case, cfg) -> dict:
    """The same with the requests parsed, keyed by request id (the case page)."""
    out = lookup(now, case, cfg)
    out["requests"] = {int(k): v for k, v in json.loads(out.pop("requests_json")).items()}
    return out


def refresh(now, cfg=None) -> int:
    """Worker job: solve every case that waits for a place and whose stored proposals are missing or of
    an older version, and store them. Returns how many cases were computed."""
    cfg = cfg if cfg is not None else current_app.config
    case_ids = db.session.scalars(
        select(PlacementRequest.case_id)
        .where(PlacementRequest.status.in_([s.value for s in NEEDS_PLACE]))
        .distinct()
        .order_by(PlacementRequest.case_id)
    ).all()
    if not case_ids:
        db.session.rollback()
        return 0
    registry = registry_version(now, cfg)
    done = 0
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        waiting = _waiting(case)
        if not waiting:
            continue
        key = version_key(case, waiting, registry)  # before reading the scenario: a change meanwhile recomputes
        stored = db.session.scalar(select(CaseProposals.key).where(CaseProposals.case_id == case_id))
        if stored == key:
            continue
        started = time.perf_counter()
        try:
            result = _compute(now, case, waiting, cfg, cfg["MATCH_TIME_LIMIT_S"])
        except Exception as err:  # one case the matcher cannot solve must not keep the others waiting
            log_unexpected(log, err, "proposals of case %s failed", case_id)
            continue
        fields = {
            "key": key,
            "computed_at": now,
            "took_ms": round((time.perf_counter() - started) * 1000),
            "status": result["status"],
            "objective": result["objective"],
            "requests": json.dumps(result["requests"]),
        }
        with atomic():
            row = db.session.get(CaseProposals, case_id, populate_existing=True)
            if row is None:
                db.session.add(CaseProposals(case_id=case_id, **fields))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
        done += 1
    db.session.rollback()  # end the read (on SQLite it holds the write lock)
    return done


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
