"""The lists a person works from: the requests of /aanvragen and of the start page, the holds about to
expire, and their own duty. Read-only: what a page shows of a case is audited by the view (access.disclose)."""

import datetime as dt

from sqlalchemy import select

from beds.models import Hold
from extensions import db
from piket import access
from piket.lifecycle import OPEN, PlacementStatus, RequestStatus
from piket.models import Placement, PlacementRequest

EXHAUSTED_LISTED = dt.timedelta(hours=24)
HOLD_WARNING = dt.timedelta(minutes=30)  # a hold that expires sooner is shown on the start page
LIMIT = 200


def requests(now, user, everything=False, oldest_first=False, limit=LIMIT) -> list[PlacementRequest]:
    """The requests this user may see (access.py's scope), newest first unless `oldest_first`.
    Open ones only, unless `everything`; an exhausted request still waits for a late yes, so it is
    listed for a day after it ran out, and the alarm's reader finds it."""
    query = access.visible_requests(user, now)
    if not everything:
        query = query.where(
            PlacementRequest.status.in_(OPEN)
            | (
                (PlacementRequest.status == RequestStatus.EXHAUSTED)
                & (PlacementRequest.closed_at >= now - EXHAUSTED_LISTED)
            )
        )
    if oldest_first:
        query = query.order_by(PlacementRequest.created_at, PlacementRequest.id)
    else:
        query = query.order_by(PlacementRequest.created_at.desc(), PlacementRequest.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def expiring_holds(now, listed, within=HOLD_WARNING) -> list[Placement]:
    """The places held for these requests whose hold runs out within `within` (or already has, and the
    worker has not yet ended it), soonest first: the shelter has not confirmed the intake yet."""
    ids = [r.id for r in listed]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Placement)
            .join(Hold, Hold.id == Placement.hold_id)
            .where(
                Placement.request_id.in_(ids),
                Placement.status == PlacementStatus.HELD,
                Hold.expires_at <= now + within,
            )
            .order_by(Hold.expires_at, Placement.id)
        )
    )


def duty(now, user, days=14) -> dict:
    """{"now": [(rota title, until)], "next": (rota title, start, end) | None} of this person's duties
    in the coming `days` (a duty that runs on past them is shown until their end)."""
    from piket.rotas import schedule
    from piket.rotas import service as rotas

    end = now + dt.timedelta(days=days)
    mine = [
        (rotas.title(rota), d)
        for rota in rotas.rotas_naming(user.id, now, end)
        for d in schedule.duties(rotas.plan(rota, now, end))
        if d.user_id == user.id
    ]
    current = [(title, d.end) for title, d in mine if d.start <= now]
    coming = sorted((d.start, title, d.end) for title, d in mine if d.start > now)
    return {"now": current, "next": (coming[0][1], coming[0][0], coming[0][2]) if coming else None}
