"""Choosing a proposal (a hold on the pool), and the shelter's confirm or refusal; hold expiry."""

from sqlalchemy import select

import matching
import vocabulary
from accounts.roles import COORDINATING, Role
from audit import service as audit
from beds import holds
from beds import service as beds
from beds.models import BedPool
from beds.scenario import shelter_entry
from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from notify import service as notify
from piket import lifecycle, messages, service
from piket.lifecycle import PLACEMENT_ACTIVE, WAITING, PlacementStatus, RequestStatus
from piket.models import Placement, PlacementRequest
from piket.proposals import request_entry
from piket.timeline import event
from transactions import atomic, locked


def _places(pool, request) -> int:
    return 1 if pool.kind == "family_room" else request.size


def _check_fit(now, request, pool, cfg):
    """The chosen pool must be one the matcher would allow: same rules, one place to check."""
    scenario = {
        "version": 1,
        "now": now.isoformat(),
        "policy": {"high_threat_min_km": cfg["HIGH_THREAT_MIN_KM"]},
        "shelters": [shelter_entry(pool.shelter, [pool])],
        "requests": [{**request_entry(request), "apart_from": []}],
    }
    result = matching.solve(scenario, time_limit_s=2.0)
    if not result["assignments"]:
        reason = next(iter(result["unplaced"][0]["reasons"]), "capacity")
        if reason == "capacity":
            raise Conflict(
                "Deze plaats is net bezet geraakt; kies een ander voorstel.", field="pool_id", code="no_capacity"
            )
        raise ValidationError(f"past niet: {vocabulary.reason_label(reason)}", field="pool_id", code="not_eligible")
    return result["assignments"][0]["distance_km"]


def _check_apart(request, shelter_id):
    apart = set(request.apart_from or [])
    clash = db.session.scalar(
        select(Placement.id).where(
            Placement.request_id.in_(apart), Placement.shelter_id == shelter_id, Placement.status.in_(PLACEMENT_ACTIVE)
        )
    )
    if clash:
        raise ValidationError(
            "in dezelfde opvang als iemand van wie deze persoon gescheiden moet blijven", field="pool_id", code="apart"
        )


def choose(now, request_id, pool_id, user, cfg) -> Placement:
    """Hold the pool for the request; the request goes to `placing`. Accepts it if nobody had."""
    if user.role not in COORDINATING:
        raise Forbidden("Alleen een zorgcoördinator kiest een plaatsing.")
    request = service.get_request(request_id, user)
    pool = db.session.get(BedPool, pool_id)
    if pool is None:
        raise ValidationError("no such pool", field="pool_id")
    with atomic():
        row = locked(PlacementRequest, request.id)
        if row.status not in WAITING:  # an exhausted request is accepted first
            raise Conflict(f"Deze aanvraag is {vocabulary.REQUEST_STATUSES[row.status]}.", field="request_id")
        if row.accepted_by_id is None:
            row.accepted_by_id, row.accepted_at = user.id, now
            event(now, row, "accepted", user)  # taken on without a status of its own: it goes to placing
        distance = _check_fit(now, row, pool, cfg)
        _check_apart(row, pool.shelter_id)
        hold = holds.place(now, pool.id, _places(pool, row), cfg["HOLD_MINUTES"], actor=user)
        placement = Placement(
            request_id=row.id,
            shelter_id=pool.shelter_id,
            pool_id=pool.id,
            hold_id=hold.id,
            status=PlacementStatus.HELD,
            distance_km=distance,
            chosen_by_id=user.id,
            chosen_at=now,
        )
        db.session.add(placement)
        db.session.flush()
        lifecycle.transition(
            now,
            row,
            RequestStatus.PLACING,
            actor=user,
            event_kind="placement_chosen",
            placement=placement.id,
            shelter=pool.shelter_id,
            expires_at=hold.expires_at.isoformat(),
        )
        audit.record(
            now, "placement.choose", "placement", placement.id, actor=user, after={"request": row.id, "pool": pool.id}
        )
    return placement


def disclose_addresses(now, placements, user) -> dict[int, str]:
    """{placement id: shelter address} of the placements whose address this user may see: a
    confidential one for the shelter's staff, coordinators and admins, and for the requester only
    once the shelter confirmed the intake. Each showing of a confidential address is audited
    (beds.disclose_address): call it for what a response or page is about to show, and only then."""
    shown = {}
    for p in placements:
        confirmed_requester = p.request.case.created_by_id == user.id and p.status == PlacementStatus.CONFIRMED
        address = beds.disclose_address(now, p.shelter, user, confirmed_requester)
        if address is not None:
            shown[p.id] = address
    return shown


def _placement_for_hold(hold_id) -> Placement:
    placement = db.session.scalar(select(Placement).where(Placement.hold_id == hold_id))
    if placement is None:
        raise NotFound("Deze reservering bestaat niet.", field="hold_id")
    return placement


def _may_decide(user, placement) -> bool:
    if user.role in COORDINATING:
        return True
    return user.role == Role.SHELTER_STAFF and placement.shelter_id in user.shelter_ids


def confirm(now, hold_id, user) -> Placement:
    """The shelter confirms the intake: held places become occupied, the request is placed."""
    placement = _placement_for_hold(hold_id)
    if not _may_decide(user, placement):
        raise Forbidden("Alleen de opvang zelf of een zorgcoördinator bevestigt een intake.")
    with atomic():
        holds.confirm(now, hold_id, actor=user)
        lifecycle.decide(now, placement, PlacementStatus.CONFIRMED, by=user)
        request = placement.request
        lifecycle.transition(
            now, request, RequestStatus.PLACED, actor=user, event_kind="intake_confirmed", placement=placement.id
        )
        _after_placed(now, request, placement)
    return placement


def _after_placed(now, request, placement):
    """The requester gets the meeting details by SMS (the address itself only on the page, audited);
    the coordinator who placed owns the CoMensha report unless it was handed to someone already."""
    case = request.case
    if case.report_owner_id is None:
        case.report_owner_id, case.report_owner_since = placement.chosen_by_id, now
    notify.enqueue(
        now,
        to=case.callback_phone,
        channel="sms",
        purpose="requester",
        request_id=request.id,
        body=messages.placed_requester_sms(request, placement),
        dedupe_key=f"placed:{placement.id}",
    )
    event(now, request, "requester_informed", channel="sms")


def release(now, hold_id, user, reason=None) -> Placement:
    """Give the place back. From the shelter this is a refusal and needs a reason code."""
    placement = _placement_for_hold(hold_id)
    if not _may_decide(user, placement):
        raise Forbidden("U mag deze reservering niet vrijgeven.")
    refusal = user.role == Role.SHELTER_STAFF
    if reason is not None and reason not in vocabulary.REFUSAL_REASONS:
        raise ValidationError(f"kies uit: {', '.join(vocabulary.REFUSAL_REASONS)}", field="reason")
    if refusal and reason is None:
        raise ValidationError("kies een reden voor de weigering", field="reason")
    with atomic():
        holds.release(now, hold_id, reason, actor=user)
        to = PlacementStatus.REFUSED if refusal else PlacementStatus.RELEASED
        lifecycle.decide(now, placement, to, by=user, reason=reason)
        _back_to_proposals(now, placement.request, to, user, reason=reason)
    return placement


def _back_to_proposals(now, request, why: PlacementStatus, actor=None, **detail):
    """The hold ended without an intake: the request goes back to choosing a place."""
    kind, detail = f"placement_{why}", {k: v for k, v in detail.items() if v is not None}
    if request.status == RequestStatus.PLACING:
        lifecycle.transition(now, request, RequestStatus.ACCEPTED, actor=actor, event_kind=kind, **detail)
    else:
        event(now, request, kind, actor, **detail)


def expire_due(now) -> int:
    """Worker job: expire holds nobody confirmed in time; their requests go back to proposals."""
    expired = 0
    for hold_id in holds.due_for_expiry(now):
        with atomic():
            if holds.expire(now, hold_id) is None:
                continue  # confirmed or expired by someone else meanwhile
            placement = db.session.scalar(select(Placement).where(Placement.hold_id == hold_id))
            if placement is not None:
                lifecycle.decide(now, placement, PlacementStatus.EXPIRED)
                _back_to_proposals(now, placement.request, PlacementStatus.EXPIRED)
            expired += 1
    return expired
