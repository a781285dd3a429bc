"""Escalation: who is paged for a request, through which channel, at which minute, until someone says yes.

A region's ladder is snapshotted onto the request when it is created, so editing a policy later
never changes a running request. Each step is due at `created_at + after` minutes; the worker's
tick claims a due step with a conditional update (the step number moves on only once), writes the
notification attempts into the outbox in the same transaction, and the outbox sends them. A step
with nobody to page (a gap in the rota, everyone declined, every message failed) moves on at once:
a request never waits on nobody. The last step is `exhausted`, which is loud.
"""

import copy
import datetime as dt

from flask import current_app
from sqlalchemy import select, update

from accounts import phones
from accounts.models import User
from accounts.roles import Role
from errors import ValidationError
from extensions import db
from notify import service as notify
from ops import logs
from piket import lifecycle, messages
from piket.lifecycle import ACCEPTABLE, ESCALATING, RequestStatus
from piket.models import EscalationPolicy, PlacementRequest, RequestEvent
from piket.rotas import service as rotas
from piket.timeline import event
from transactions import atomic

# An attempt that can never be answered. A call not picked up (no_answer, busy) is not dead: the
# person may still answer the SMS, and the ladder calls again at its minute.
DEAD = ("failed", "undelivered", "opted_out")

# A step's level: primary, backup or national (the rotas), region (the region's coordinators:
# the office-hours queue) or exhausted; its channels: sms and/or voice.
AFTER_HOURS = [
    {"after": 0, "level": "primary", "channels": ["sms", "voice"]},
    {"after": 5, "level": "primary", "channels": ["voice"]},
    {"after": 10, "level": "backup", "channels": ["sms", "voice"]},
    {"after": 20, "level": "national", "channels": ["sms", "voice"]},
    {"after": 30, "level": "exhausted"},
]
OFFICE_HOURS = [
    {"after": 0, "level": "region", "channels": ["sms"]},
    {"after": 30, "level": "national", "channels": ["sms", "voice"]},
    {"after": 60, "level": "exhausted"},
]
ROUNDS = 1  # how often the ladder runs before it is exhausted (a policy may ask for more)
ACK_TIMEOUT = 20  # minutes an accepted request may go without a held place (piket/acknowledgement.py); 0: never


# --- the snapshot -------------------------------------------------------------------------------


def policy_for(region_id) -> EscalationPolicy | None:
    return db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.region_id == region_id))


def snapshot(now, region_id) -> dict:
    """The ladder that applies to a request created now in this region (office hours or after)."""
    policy = policy_for(region_id)
    office = rotas.in_office_hours(region_id, now)
    steps = (policy.office_hours if office else policy.after_hours) if policy else None
    return {
        "mode": "office" if office else "after_hours",
        "steps": steps or (OFFICE_HOURS if office else AFTER_HOURS),
        "region_id": region_id,
        "backup_region_id": policy.backup_region_id if policy else None,
        "rounds": (policy.rounds if policy and policy.rounds else None) or ROUNDS,
        "ack_timeout": policy.ack_timeout_minutes if policy and policy.ack_timeout_minutes is not None else ACK_TIMEOUT,
    }


def start(now, request, delay_minutes=0, ladder=None):
    """Called in the transaction that creates the request: the first step is due at once. `ladder`:
    the snapshot already taken for the case's region at `now` (a case's groups share it)."""
    # the case may not be flushed yet
    request.escalation = copy.deepcopy(ladder) if ladder is not None else snapshot(now, request.case.region.id)
    if logs.request_id():  # the web request that created it: its pages carry its id (ops/logs.py)
        request.escalation["request_id"] = logs.request_id()
    request.escalation_step = 0
    request.next_action_at = now + dt.timedelta(minutes=delay_minutes)
    if not delay_minutes:
        notify.wake_workers()  # PostgreSQL: the workers run the first step as this transaction commits


def due_at(request, index):
    # A ladder started over (back to paging, piket/lifecycle.py) counts its minutes from then.
    since = request.escalation.get("since")
    start = dt.datetime.fromisoformat(since) if since else request.created_at
    return start + dt.timedelta(minutes=request.escalation["steps"][index]["after"])


# --- the tick -------------------------------------------------------------------------------------


def next_due():
    """When the next escalation step falls due (or None): how long the worker may sleep."""
    return db.session.scalar(
        select(db.func.min(PlacementRequest.next_action_at)).where(PlacementRequest.status.in_(ESCALATING))
    )


def tick(now) -> int:
    """Worker job: run every step that is due; bring a step forward when the current one is dead.
    Returns how many steps paged someone (the worker sends their pages at once when it is not 0)."""
    _bring_forward_dead_steps(now)
    done = 0
    due = db.session.scalars(
        select(PlacementRequest.id)
        .where(PlacementRequest.status.in_(ESCALATING), PlacementRequest.next_action_at <= now)
        .order_by(PlacementRequest.next_action_at)
        .limit(200)
    ).all()
    db.session.rollback()  # end the read so each claim below is its own short transaction
    for request_id in due:
        more = True
        while more:
            paged, more = _run_next_step(now, request_id)
            done += paged
    return done


def _run_next_step(now, request_id) -> tuple[bool, bool]:
    """Claim and run the request's next step if it is due. Returns (whether it paged anyone,
    whether another step may be due)."""
    with atomic():
        request = db.session.get(PlacementRequest, request_id)
        if (
            request is None
            or request.status not in ESCALATING
            or request.next_action_at is None
            or request.next_action_at > now
        ):
            return False, False
        index = request.escalation_step
        steps = request.escalation["steps"]
        following = index + 1 < len(steps)
        # The claim: only one worker moves the step number from index to index + 1.
        claimed = (
            db.session.execute(
                update(PlacementRequest)
                .where(
                    PlacementRequest.id == request_id,
                    PlacementRequest.escalation_step == index,
                    PlacementRequest.status.in_(ESCALATING),
                )
                .values(escalation_step=index + 1, next_action_at=due_at(request, index + 1) if following else None)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
        if not claimed:
            return False, False
        db.session.refresh(request)
        with logs.working_for(request.escalation.get("request_id")):
            paged = _run_step(now, request, index, steps[index])
        if not paged and following:
            request.next_action_at = now  # nobody to page at this step: go on to the next at once
        return paged, request.next_action_at is not None and request.next_action_at <= now


def _run_step(now, request, index, step) -> bool:
    """Page the step's people. Returns whether anyone was paged."""
    if step["level"] == "exhausted":
        if request.escalation.get("round", 1) < request.escalation.get("rounds", 1):
            _next_round(now, request, index)
        else:
            _exhaust(now, request, index)
        return True
    targets, why = _targets(now, request, step["level"])
    dead = unreachable(request.id)
    plan = [(user, channel) for user in targets for channel in step["channels"] if (user.id, channel) not in dead]
    if targets and not plan:
        why = "unreachable"  # every channel to these people failed for good earlier in this request
    if not plan:
        event(now, request, "step_skipped", step=index, level=step["level"], reason=why)
        return False
    for user, channel in plan:
        attempt = notify.enqueue(
            now,
            to=user.phone,
            channel=channel,
            purpose="page" if channel == "sms" else "page_call",
            body=messages.page_call_summary(request),
            user_id=user.id,
            request_id=request.id,
            step=index,
            dedupe_key=_per_case(request, "page", user, channel, index),
        )
        if attempt.request_id != request.id:
            continue  # one page per case and person: a group of the same case sent it at this step
        if channel == "sms":
            db.session.flush()
            attempt.body = messages.page_sms(request, attempt, now)  # its accept link names this attempt
    paged = {
        "step": index,
        "level": step["level"],
        "channels": step["channels"],
        "users": sorted({u.id for u, _c in plan}),
    }
    if request.status == RequestStatus.RECEIVED and step["level"] != "region":
        # The first page to someone on duty (the region's queue in office hours is not paging yet).
        lifecycle.transition(now, request, RequestStatus.PAGING, source="worker", event_kind="paged", **paged)
    else:
        event(now, request, "paged", **paged)
    return True


def _per_case(request, purpose, user, channel, step) -> str:
    """The dedupe key of a message about a whole case: the groups of a case share their ladder (the
    same snapshot, minute and round), so the first group to reach a step pages for all of them."""
    since = (request.escalation or {}).get("since") or ""
    return f"{purpose}:{request.case_id}:{getattr(user, 'id', '-')}:{channel}:{step}:{since}"


def _next_round(now, request, index):
    """The ladder ran out and the policy asks for another round: start over from its first step now."""
    round_ = request.escalation.get("round", 1) + 1
    request.escalation = {**request.escalation, "since": now.isoformat(), "round": round_}
    request.escalation_step, request.next_action_at = 0, now
    event(now, request, "ladder_repeated", step=index, round=round_, rounds=request.escalation.get("rounds", 1))


def unreachable(request_id) -> set[tuple[int, str]]:
    """(user, channel) pairs that failed for good in this request: not tried again by a later step."""
    return notify.recipients_with_status(request_id=request_id, statuses=DEAD)


def _targets(now, request, level) -> tuple[list[User], str | None]:
    declined = declined_by(request.id)
    if level == "region":
        people = region_coordinators(request.case.region_id)
    else:
        person = rotas.on_duty(now, request.case.region_id, level)
        if person is None and level == "backup" and request.escalation.get("backup_region_id"):
            person = rotas.on_duty(now, request.escalation["backup_region_id"], "primary")
        people = [person] if person else []
    if not people:
        return [], "nobody_on_duty"
    reachable = [p for p in people if p.id not in declined and p.active and p.phone]
    if not reachable:
        return [], "declined" if any(p.id in declined for p in people) else "no_phone"
    return reachable, None


def region_coordinators(region_id) -> list[User]:
    from accounts.models import user_regions

    return db.session.scalars(
        select(User)
        .join(user_regions, user_regions.c.user_id == User.id)
        .where(user_regions.c.region_id == region_id, User.role == Role.COORDINATOR, User.active.is_(True))
        .order_by(User.id)
    ).all()


def _exhaust(now, request, index):
    """Nobody said yes: loud. Every coordinator of the region and the admins, and the requester."""
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))).all()
    everyone = {u.id: u for u in region_coordinators(request.case.region_id) + list(admins)}
    alerted = {i: u for i, u in everyone.items() if phones.is_verified(u)}
    unverified = sorted(i for i, u in everyone.items() if u.phone and i not in alerted)
    if unverified:  # an unverified number may not be theirs, or not take SMS: not alarmed, and said so
        event(now, request, "alarm_unverified", users=unverified)
    for user in alerted.values():
        for channel in ("sms", "voice"):  # loud: a text can sleep through the night, a call rings
            notify.enqueue(
                now,
                to=user.phone,
                channel=channel,
                purpose="exhausted",
                body=messages.exhausted_sms(request) if channel == "sms" else messages.page_call_summary(request),
                user_id=user.id,
                request_id=request.id,
                step=index,
                dedupe_key=_per_case(request, "exhausted", user, channel, index),
            )
    if not _textable(request.case.callback_phone):
        event(now, request, "requester_not_told", reason="no_callback_number")  # a caller who withheld their number
    else:
        _tell_requester(now, request, index)
    lifecycle.transition(now, request, RequestStatus.EXHAUSTED, source="worker", step=index, alerted=sorted(alerted))
    current_app.logger.error("request %s exhausted: nobody accepted", request.id)


def _textable(number) -> bool:
    try:
        notify.normalise_number(number)
    except ValidationError:
        return False
    return True


def _tell_requester(now, request, index):
    notify.enqueue(
        now,
        to=request.case.callback_phone,
        channel="sms",
        purpose="requester",
        body=messages.exhausted_requester_sms(request),
        request_id=request.id,
        step=index,
        dedupe_key=_per_case(request, "requester", None, "sms", index),
    )


def _bring_forward_dead_steps(now):
    """A step whose every message failed for good, or whose every person declined, will get no
    answer: run the next step now instead of waiting for its minute. Three queries, however many are open."""
    r = PlacementRequest
    waiting = db.session.execute(
        select(r.id, r.escalation_step).where(
            r.status.in_(ESCALATING),
            r.next_action_at > now,
            r.escalation_step > 0,
        )
    ).all()
    steps = dict(waiting)
    sent = notify.step_outcomes({request_id: step - 1 for request_id, step in steps.items()})
    declined = _declined_by(sent)
    dead = [
        (request_id, steps[request_id])
        for request_id, attempts in sent.items()
        if not any(
            status not in DEAD and (user_id is None or user_id not in declined[request_id])
            for user_id, status in attempts
        )
    ]
    for request_id, step in dead:
        with atomic():
            won = (
                db.session.execute(
                    update(r)
                    .where(r.id == request_id, r.escalation_step == step, r.next_action_at > now)
                    .values(next_action_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )
            if won:
                request = db.session.get(r, request_id)
                reasons = {status for _user, status in notify.step_outcomes({request_id: step - 1}).get(request_id, [])}
                event(
                    now,
                    request,
                    "step_unanswered",
                    step=step - 1,
                    reason="failed" if reasons & set(DEAD) else "declined",
                )
    db.session.rollback()


def _declined_by(request_ids) -> dict[int, set[int]]:
    """{request id: who declined it}, for each of these requests: one query."""
    out = {request_id: set() for request_id in request_ids}
    if out:
        for request_id, actor_id in db.session.execute(
            select(RequestEvent.request_id, RequestEvent.actor_id).where(
                RequestEvent.request_id.in_(list(out)), RequestEvent.kind == "declined"
            )
        ):
            out[request_id].add(actor_id)
    return out


def declined_by(request_id) -> set[int]:
    return set(
        db.session.scalars(
            select(RequestEvent.actor_id).where(RequestEvent.request_id == request_id, RequestEvent.kind == "declined")
        ).all()
    )


# --- the outbox asks ------------------------------------------------------------------------------


def still_wanted(attempt) -> bool:
    """Whether a queued message still matters, asked by the outbox when it claims it (in the same
    transaction): a page only while a group of its case waits for a yes, an alarm only while nobody
    has it, a reminder only while its reader still holds the request without a place."""
    if attempt.request_id is None:
        return True
    request = db.session.get(PlacementRequest, attempt.request_id)
    if request is None:
        return attempt.purpose not in WITHDRAWABLE
    if attempt.purpose in notify.PAGE_PURPOSES:
        return any(r.status in ACCEPTABLE for r in request.case.requests)
    if attempt.purpose == "exhausted":
        return any(r.status == RequestStatus.EXHAUSTED for r in request.case.requests)
    if attempt.purpose == "ack_reminder":
        return request.status == RequestStatus.ACCEPTED and request.accepted_by_id == attempt.user_id
    return True


WITHDRAWABLE = (*notify.PAGE_PURPOSES, "exhausted", "ack_reminder")


# --- answers ------------------------------------------------------------------------------------------


def paged_open_requests(user) -> list[PlacementRequest]:
    """The open requests this person was paged for, newest first (an SMS 'JA' must know which)."""
    open_ = db.session.scalars(
        select(PlacementRequest).where(PlacementRequest.status.in_(ESCALATING)).order_by(PlacementRequest.id.desc())
    ).all()
    paged = notify.paged_among(user_id=user.id, request_ids=[r.id for r in open_])
    return [r for r in open_ if r.id in paged]


def decline(now, request, user, channel):
    """'Not me', in the caller's transaction: recorded; when everyone of the current step said no,
    the next step runs at the next tick instead of at its minute."""
    event(now, request, "declined", user, channel=channel)
    _mark_responded(now, request, user)


def after_accept(now, request, user, channel):
    """In the accepting transaction: the ladder stops, the winner's attempts are answered, everyone
    else paged for it hears it is taken, and a winner who answered by phone or SMS gets the link.
    (The move to accepted stopped the ladder: piket/lifecycle.py.)"""
    paged = set()
    for group in request.case.requests:  # one page served the whole case: it may carry any group's id
        _mark_responded(now, group, user)
        paged |= notify.paged_users(request_id=group.id, besides=user.id)
    for other in db.session.scalars(select(User).where(User.id.in_(paged)).order_by(User.id)):
        if other.phone:
            notify.enqueue(
                now,
                to=other.phone,
                channel="sms",
                purpose="taken",
                user_id=other.id,
                request_id=request.id,
                body=messages.taken_sms(request, paged_level(request, user)),
                dedupe_key=f"taken:{request.id}:{other.id}",
            )
    if user.phone and channel in ("sms", "voice", "link", "phone"):
        notify.enqueue(
            now,
            to=user.phone,
            channel="sms",
            purpose="accepted",
            user_id=user.id,
            request_id=request.id,
            body=messages.accepted_sms(request),
            dedupe_key=f"accepted:{request.id}",
        )


def tell_cancelled(now, request, holder_id):
    """In the cancelling transaction: the coordinator who had the request hears it was withdrawn."""
    holder = db.session.get(User, holder_id)
    if holder is None or not holder.phone:
        return
    notify.enqueue(
        now,
        to=holder.phone,
        channel="sms",
        purpose="cancel_notice",
        user_id=holder.id,
        request_id=request.id,
        body=messages.cancelled_sms(request),
        dedupe_key=f"cancel_notice:{request.id}",
    )
    event(now, request, "cancel_notice", holder)


def paged_level(request, user) -> str | None:
    """The ladder level (primary, backup, national, region) at which this person was last paged for
    the request; None when they were not paged (e.g. took it on the website)."""
    steps_paged = [notify.last_paged_step(request_id=group.id, user_id=user.id) for group in request.case.requests]
    step = max((s for s in steps_paged if s is not None), default=None)  # one page served the whole case
    steps = (request.escalation or {}).get("steps") or []
    return steps[step].get("level") if step is not None and step < len(steps) else None


def _mark_responded(now, request, user):
    notify.mark_pages_responded(now, request_id=request.id, user_id=user.id)
