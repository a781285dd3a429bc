"""Demo history for the national page: a year of daily occupancy snapshots and three months of past
requests (placed, unplaced, refused), so the charts, the map and every table show something.

Idempotent: it adds history only when there is none. Deterministic (a fixed seed), so screenshots
and the browser test see the same figures on every machine. Written straight into the tables:
this is what the worker and the flow would have recorded, not a replay of them.
"""

import datetime as dt
import math
import random

from sqlalchemy import func, insert, select

import vocabulary
from accounts.models import User
from accounts.roles import Role
from beds.holds import HoldStatus
from beds.models import BedPool, EmptySearch, Hold, Region, Shelter
from extensions import db
from national.models import OccupancySnapshot
from piket.lifecycle import PlacementStatus, RequestStatus
from piket.models import Case, Placement, PlacementRequest, RequestEvent
from timeutil import AMSTERDAM, local
from transactions import atomic

SEED = 2026
HISTORY_DAYS = 365
PAST_REQUESTS = 90
PERSONS = [  # (gender, age, residence, exploitation, needs)
    ("female", 24, "none", "sexual", []),
    ("female", 31, "lawful", "sexual", ["active_addiction"]),
    ("male", 38, "none", "labour", []),
    ("male", 45, "lawful", "labour", ["psychiatric_crisis"]),
    ("female", 16, "none", "sexual", []),
    ("male", 29, "none", "criminal", ["aggression"]),
    ("female", 27, "lawful", "other", ["pregnancy"]),
    ("male", 52, "lawful", "labour", ["wheelchair"]),
]


def _daily_slot(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(4, 0), tzinfo=AMSTERDAM).astimezone(dt.UTC)


def load(now) -> dict:
    counts = {"snapshots": 0, "past_requests": 0, "empty_searches": 0}
    if db.session.scalar(select(func.count()).select_from(OccupancySnapshot)):
        return counts  # history exists (the demo ran before, or the worker has been writing): leave it
    rng = random.Random(SEED)
    pools = db.session.execute(
        select(BedPool, Shelter).join(Shelter).where(Shelter.active.is_(True)).order_by(BedPool.id)
    ).all()
    with atomic():
        counts["snapshots"] = _snapshots(now, pools, rng)
        requests, searches = _past_requests(now, pools, rng)
        counts["past_requests"], counts["empty_searches"] = requests, searches
    return counts


def _snapshots(now, pools, rng) -> int:
    """Daily rows for a year: occupancy swaying with the seasons around today's figure, per pool."""
    today = local(now).date()
    rows = []
    for pool, shelter in pools:
        phase = rng.random() * 2 * math.pi
        for back in range(HISTORY_DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            usable = pool.capacity - pool.out_of_service
            sway = 0.15 * math.sin(2 * math.pi * back / 120 + phase) + rng.uniform(-0.08, 0.08)
            occupied = max(0, min(usable, round(pool.occupied + sway * usable)))
            rows.append(
                {
                    "kind": "daily",
                    "taken_at": _daily_slot(day),
                    "pool_id": pool.id,
                    "shelter_id": shelter.id,
                    "region_id": shelter.region_id,
                    "shelter_type": shelter.type,
                    "capacity": pool.capacity,
                    "out_of_service": pool.out_of_service,
                    "occupied": occupied,
                    "held": 0,
                    "free": usable - occupied,
                }
            )
    if rows:
        db.session.execute(insert(OccupancySnapshot), rows)
    return len(rows)


def _past_requests(now, pools, rng) -> tuple[int, int]:
    """Closed requests of the last 90 days: most placed, some exhausted or withdrawn without a bed, a few refusals."""
    coordinator = db.session.scalar(select(User).where(User.role == Role.COORDINATOR).order_by(User.id))
    police = db.session.scalar(select(User).where(User.role == Role.POLICE).order_by(User.id))
    staff = db.session.scalar(select(User).where(User.role == Role.SHELTER_STAFF).order_by(User.id))
    regions = db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.id)).all()
    if not (coordinator and police and regions and pools):
        return 0, 0
    made = 0
    for n in range(PAST_REQUESTS):
        created = now - dt.timedelta(days=rng.uniform(1, 89), minutes=rng.uniform(0, 600))
        region = rng.choice(regions)
        gender, age, residence, exploitation, needs = rng.choice(PERSONS)
        children = rng.choice([0, 0, 0, 1, 2])
        person = {"gender": gender, "age": age, "residence": residence, "exploitation": exploitation, "needs": needs}
        case = Case(
            created_at=created,
            created_by_id=police.id,
            case_reference=f"DEMO-{n:04d}",
            callback_phone="+31600000000",
            requester_org=vocabulary.RequesterOrg.POLICE,
            region_id=region.id,
            found_lat=region.lat,
            found_lon=region.lon,
            source="web",
        )
        outcome = rng.choices(
            [RequestStatus.PLACED, RequestStatus.EXHAUSTED, RequestStatus.CANCELLED], weights=[7, 1, 2]
        )[0]
        request = PlacementRequest(  # history, written as it ended (not through piket/lifecycle.py)
            case=case,
            short_code=f"D{n:03d}",
            status=outcome,
            created_at=created,
            urgency="immediate",
            threat="low",
            persons=[person],
            children=children,
            size=1 + children,
            apart_from=[],
            profile_stats={"groups": vocabulary.target_groups([person], children), "needs": needs},
        )
        db.session.add(request)
        db.session.flush()
        events = [("received", created, {})]
        paged_levels = (
            ["primary"] + (["backup"] if rng.random() < 0.3 else []) + (["national"] if rng.random() < 0.1 else [])
        )
        events += [
            ("paged", created + dt.timedelta(minutes=10 * i), {"level": level}) for i, level in enumerate(paged_levels)
        ]
        if outcome == RequestStatus.PLACED:
            accepted = created + dt.timedelta(minutes=rng.uniform(2, 25 if len(paged_levels) == 1 else 40))
            chosen = accepted + dt.timedelta(minutes=rng.uniform(3, 30))
            confirmed = chosen + dt.timedelta(minutes=rng.uniform(10, 120))
            pool, shelter = rng.choice(pools)
            if rng.random() < 0.15:  # first a refusal, then a place elsewhere
                _placement(
                    request,
                    pool,
                    shelter,
                    coordinator,
                    staff,
                    chosen,
                    chosen + dt.timedelta(minutes=20),
                    PlacementStatus.REFUSED,
                    rng.choice(list(vocabulary.REFUSAL_REASONS)),
                )
                pool, shelter = rng.choice(pools)
            _placement(request, pool, shelter, coordinator, staff, chosen, confirmed, PlacementStatus.CONFIRMED)
            request.accepted_by_id, request.accepted_at, request.closed_at = coordinator.id, accepted, confirmed
            case.report_owner_id, case.report_owner_since = coordinator.id, confirmed
            if confirmed < now - dt.timedelta(days=3) and rng.random() < 0.7:
                case.report_made_at = confirmed + dt.timedelta(days=rng.uniform(0.5, 3))
                case.report_made_by_id = coordinator.id
            events += [
                ("accepted", accepted, {}),
                ("placement_chosen", chosen, {}),
                ("intake_confirmed", confirmed, {}),
            ]
        else:
            request.closed_at = created + dt.timedelta(
                minutes=30 if outcome == RequestStatus.EXHAUSTED else rng.uniform(40, 300)
            )
            if outcome == RequestStatus.CANCELLED or rng.random() < 0.5:
                request.blocking_reasons = _reasons(needs, gender, age, residence, rng)
            events.append((outcome, request.closed_at, {}))
        for kind, at, detail in events:
            db.session.add(RequestEvent(request_id=request.id, at=at, kind=kind, detail=detail or None))
        made += 1
    searches = 0
    for n in range(40):
        gender, age, residence, _exploitation, needs = rng.choice(PERSONS)
        region = rng.choice(regions)
        groups = vocabulary.target_groups(
            [{"gender": gender, "age": age, "residence": residence}], rng.choice([0, 0, 2])
        )
        db.session.add(
            EmptySearch(
                at=now - dt.timedelta(days=rng.uniform(0, 89)),
                region_id=region.id,
                role=Role.POLICE,
                target_groups=groups,
                needs=needs,
                dedupe_key=f"demo-{n}",
            )
        )
        searches += 1
    return made, searches


def _reasons(needs, gender, age, residence, rng) -> dict:
    reasons = {"capacity": rng.randint(3, 20)}
    for need in needs:
        reasons[f"contra_indication:{need}"] = rng.randint(5, 40)
    if gender == "male":
        reasons["gender"] = rng.randint(20, 60)
    if age < 18:
        reasons["age"] = rng.randint(20, 60)
    if residence == "none":
        reasons["residence"] = rng.randint(5, 30)
    return reasons


def _placement(request, pool, shelter, coordinator, staff, chosen, decided, status, reason=None):
    hold = Hold(
        pool_id=pool.id,
        places=1,
        status=HoldStatus.CONFIRMED if status == PlacementStatus.CONFIRMED else HoldStatus.RELEASED,
        created_at=chosen,
        expires_at=chosen + dt.timedelta(minutes=90),
        ended_at=decided,
        reason=reason,
    )
    db.session.add(hold)
    db.session.flush()
    db.session.add(
        Placement(
            request_id=request.id,
            shelter_id=shelter.id,
            pool_id=pool.id,
            hold_id=hold.id,
            status=status,
            distance_km=10.0,
            chosen_by_id=coordinator.id,
            chosen_at=chosen,
            decided_by_id=getattr(staff, "id", coordinator.id),
            decided_at=decided,
            refusal_reason=reason,
        )
    )
