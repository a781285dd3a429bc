"""A placement request's life as one state machine: its statuses, the moves allowed between them,
the named groups of statuses everyone else uses, and the one way to move (DESIGN.md, Flows).

    received → paging → accepted → placing → placed, cancelled from any state before placed,
    exhausted when the escalation ran out (loud, and still open to a late yes).

After its creation as `received`, transition() and claim() are the only writers of
PlacementRequest.status. Each move also sets closed_at, starts or stops the escalation
(next_action_at), and writes the timeline event and the audit entry, so no caller has to
remember them. The placements chosen for a request have their own small machine below
(held → confirmed | refused | released | expired).
"""

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import update

import vocabulary
from audit import service as audit
from errors import Conflict
from extensions import db
from notify import service as notify
from piket.models import Placement, PlacementRequest
from piket.timeline import event


class RequestStatus(StrEnum):
    RECEIVED = "received"  # created; the first escalation step is due (or the region's queue has it)
    PAGING = "paging"  # someone on duty is being paged
    ACCEPTED = "accepted"  # a coordinator has it and looks for a place
    PLACING = "placing"  # a place is held; the shelter has not answered yet
    PLACED = "placed"  # the shelter confirmed the intake
    CANCELLED = "cancelled"  # withdrawn by the requester or a coordinator
    EXHAUSTED = "exhausted"  # every escalation step went unanswered


S = RequestStatus

# from → the statuses it may move to. Some moves are written by no code yet but are allowed:
# received → placing (a coordinator places without paging), accepted → paging (nobody held a place
# within the acknowledgement time-out), exhausted → paging | placing (a late re-page or placement).
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.RECEIVED: frozenset({S.PAGING, S.ACCEPTED, S.PLACING, S.EXHAUSTED, S.CANCELLED}),
    S.PAGING: frozenset({S.ACCEPTED, S.PLACING, S.EXHAUSTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.PLACING, S.PAGING, S.CANCELLED}),
    S.PLACING: frozenset({S.PLACED, S.ACCEPTED, S.CANCELLED}),  # → accepted: the hold released, refused, expired
    S.EXHAUSTED: frozenset({S.ACCEPTED, S.PAGING, S.PLACING}),
    S.PLACED: frozenset(),
    S.CANCELLED: frozenset(),
}

# The named groups, defined here only (tests/piket/test_lifecycle.py checks them against the table).
CLOSED = frozenset({S.PLACED, S.CANCELLED, S.EXHAUSTED})  # closed_at is set
OPEN = frozenset(S) - CLOSED  # may still be withdrawn
CLOSED_UNPLACED = CLOSED - {S.PLACED}  # ended without a bed: unmet demand
ESCALATING = frozenset({S.RECEIVED, S.PAGING})  # the ladder runs: next_action_at is when its next step is due
ACCEPTABLE = ESCALATING | {S.EXHAUSTED}  # nobody has it yet: the first yes wins
WAITING = frozenset({S.RECEIVED, S.PAGING, S.ACCEPTED})  # open without a placement under way: proposals


def sources(to: RequestStatus) -> frozenset[RequestStatus]:
    """The statuses from which the table allows a move to `to`."""
    return frozenset(s for s, targets in TRANSITIONS.items() if to in targets)


def transition(
    now, request: PlacementRequest, to: RequestStatus, *, actor=None, source=None, event_kind=None, **details
):
    """Move the request (a row the caller has locked or owns in its transaction) to `to`, with every
    side effect. A move the table does not allow is refused with a Conflict and changes nothing.
    `event_kind`: the timeline's word for it (default the status itself); `details` go into the event."""
    was = RequestStatus(request.status)
    if to not in TRANSITIONS[was]:
        raise Conflict(
            f"Deze aanvraag staat op ‘{_label(was)}’ en kan niet naar ‘{_label(to)}’.",
            field="request_id",
            code="invalid_transition",
        )
    request.status = to
    _arrived(now, request, {was}, to, actor, source, event_kind, details)


def claim(
    now,
    request: PlacementRequest,
    to: RequestStatus,
    *,
    among: Iterable[RequestStatus] | None = None,
    values: dict | None = None,
    actor=None,
    source=None,
    event_kind=None,
    **details,
) -> bool:
    """First writer wins: one conditional UPDATE moves the request to `to` (and sets `values`) only
    if its status is still one of `among` (by default every status the table allows it from), so of
    two racing callers exactly one wins. Returns whether this caller won; only the winner's move has
    side effects (as transition()). The loser's request is refreshed to what the winner wrote."""
    among = sources(to) if among is None else frozenset(among)
    if not among <= sources(to):
        raise ValueError(f"the table does not allow {sorted(among - sources(to))} → {to}")
    won = (
        db.session.execute(
            update(PlacementRequest)
            .where(PlacementRequest.id == request.id, PlacementRequest.status.in_(among))
            .values(status=to, **(values or {}))
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    db.session.refresh(request)
    if won:
        _arrived(now, request, among, to, actor, source, event_kind, details)
    return won


def _arrived(now, request, came_from: set, to, actor, source, event_kind, details):
    """The side effects of arriving in `to` from one of `came_from` (a claim knows no more than that)."""
    request.closed_at = now if to in CLOSED else None  # a late yes reopens an exhausted request
    if to not in ESCALATING:
        request.next_action_at = None  # nothing more is due: no page goes out for it any more
        _withdraw_messages(now, request, to)
    elif not came_from & ESCALATING:
        _page_again(now, request)
    if to == S.ACCEPTED and request.escalation:
        # The acknowledgement time-out counts from here (piket/acknowledgement.py), also after a released hold.
        request.escalation = {**request.escalation, "ack_since": now.isoformat()}
    kind = event_kind or str(to)
    event(now, request, kind, actor, **details)
    was = next(iter(came_from)) if len(came_from) == 1 else None  # a claim from several: which one is not known
    audit.record(
        now,
        f"request.{kind}",
        "placement_request",
        request.id,
        before=None if was is None else {"status": str(was)},
        after={"status": str(to)},
        actor=actor,
        source=source,
    )


def _withdraw_messages(now, request, to):
    """Messages still queued that nobody waits for once the request arrives in `to`, withdrawn for
    everyone: pages once no group of its case waits for a yes (one page serves the whole case),
    alarms while none is exhausted, acknowledgement reminders while none is accepted."""
    others = [r for r in request.case.requests if r.id != request.id]
    purposes = []
    if to not in ACCEPTABLE and not any(r.status in ACCEPTABLE for r in others):
        purposes += notify.PAGE_PURPOSES  # (a page still queued when the ladder ran out may yet be answered)
    if to != S.EXHAUSTED and not any(r.status == S.EXHAUSTED for r in others):
        purposes.append("exhausted")
    if to != S.ACCEPTED and not any(r.status == S.ACCEPTED for r in others):
        purposes.append("ack_reminder")
    withdrawn = notify.cancel_pending(now, request_ids=[request.id, *(r.id for r in others)], purposes=purposes)
    if withdrawn:
        event(now, request, "pages_cancelled", count=withdrawn)


def _page_again(now, request):
    """Back to paging: nobody has it any more, and the ladder starts over from its first step now.
    Its later steps count their minutes from now (escalation.due_at reads `since`)."""
    request.accepted_by_id = request.accepted_at = None
    if request.escalation:
        request.escalation = {**request.escalation, "since": now.isoformat()}
        request.escalation_step, request.next_action_at = 0, now
        notify.wake_workers()


def _label(status) -> str:
    return vocabulary.label(vocabulary.REQUEST_STATUSES, status)


# --- the placements chosen for a request --------------------------------------------------------------------


class PlacementStatus(StrEnum):
    HELD = "held"  # a place is held on the pool; the shelter has not answered yet
    CONFIRMED = "confirmed"  # the shelter confirmed the intake
    REFUSED = "refused"  # the shelter said no (with a reason)
    RELEASED = "released"  # given back by a coordinator, or because the request was withdrawn
    EXPIRED = "expired"  # nobody confirmed in time


P = PlacementStatus
PLACEMENT_TRANSITIONS: dict[PlacementStatus, frozenset[PlacementStatus]] = {
    P.HELD: frozenset({P.CONFIRMED, P.REFUSED, P.RELEASED, P.EXPIRED}),
    **{p: frozenset() for p in (P.CONFIRMED, P.REFUSED, P.RELEASED, P.EXPIRED)},  # decided once
}
PLACEMENT_ACTIVE = frozenset({P.HELD, P.CONFIRMED})  # takes a place in the shelter: keeps `apart` requests apart


def decide(now, placement: Placement, to: PlacementStatus, *, by=None, reason=None):
    """The placement's one decision (the shelter's answer, a release, the hold's expiry)."""
    if to not in PLACEMENT_TRANSITIONS[PlacementStatus(placement.status)]:
        label = vocabulary.label(vocabulary.PLACEMENT_STATUSES, placement.status)
        raise Conflict(f"Deze plaatsing is al {label}.", field="hold_id", code="placement_decided")
    placement.status, placement.decided_at = to, now
    if by is not None:
        placement.decided_by_id = by.id
    if reason is not None:
        placement.refusal_reason = reason
