"""The acknowledgement time-out (PagerDuty's name): an accepted request with no place held.

A coordinator who accepted and then placed nobody (asleep again, or a voicemail that seemed to
answer) must not strand a victim. When the ladder's `ack_timeout` minutes (the region's policy,
default escalation.ACK_TIMEOUT) have passed since the request was accepted (or came back to
accepted from a released hold) with no place held, the coordinator is reminded once; GRACE minutes
later the request goes back to paging as if nobody had answered, and the ladder starts over.
"""

import datetime as dt

from sqlalchemy import select

from accounts.models import User
from extensions import db
from notify import service as notify
from piket import lifecycle, messages
from piket.lifecycle import RequestStatus
from piket.models import PlacementRequest
from piket.timeline import event
from transactions import atomic, locked

GRACE = dt.timedelta(minutes=10)  # from the reminder to the ladder running again


def deadline(request) -> dt.datetime | None:
    """When the reminder is due; None when the policy asks for none (0) or the request is not accepted."""
    minutes = (request.escalation or {}).get("ack_timeout")
    since = (request.escalation or {}).get("ack_since")
    if not minutes or request.status != RequestStatus.ACCEPTED:
        return None
    start = dt.datetime.fromisoformat(since) if since else request.accepted_at
    return start + dt.timedelta(minutes=minutes) if start else None


def check(now) -> int:
    """Worker job: remind, then re-page, the accepted requests whose time-out passed. Returns how many moved."""
    accepted = db.session.scalars(
        select(PlacementRequest.id).where(PlacementRequest.status == RequestStatus.ACCEPTED)
    ).all()
    db.session.rollback()
    done = 0
    for request_id in accepted:
        with atomic():
            request = locked(PlacementRequest, request_id)
            due = deadline(request) if request is not None else None
            if due is None or now < due:
                continue
            if now >= due + GRACE:
                done += _page_again(now, request)
            else:
                done += _remind(now, request, due)
    return done


def _remind(now, request, due) -> int:
    holder = db.session.get(User, request.accepted_by_id) if request.accepted_by_id else None
    key = f"ack_reminder:{request.case_id}:{request.accepted_by_id}:{request.escalation.get('ack_since', '')}"
    if holder is None or not holder.phone or notify.queued_keys([key]):
        return 0
    notify.enqueue(
        now,
        to=holder.phone,
        channel="sms",
        purpose="ack_reminder",
        user_id=holder.id,
        request_id=request.id,
        body=messages.ack_reminder_sms(request, int(GRACE.total_seconds() // 60)),
        dedupe_key=key,
    )
    event(now, request, "ack_reminder", holder, minutes=request.escalation.get("ack_timeout"))
    return 1


def _page_again(now, request) -> int:
    minutes = request.escalation.get("ack_timeout")
    won = lifecycle.claim(
        now,
        request,
        RequestStatus.PAGING,
        among={RequestStatus.ACCEPTED},
        source="worker",
        event_kind="ack_timeout",
        minutes=minutes,
        was_accepted_by=request.accepted_by_id,
    )
    return 1 if won else 0
