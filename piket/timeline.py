"""A request's timeline: every step and its outcome, append-only (RequestEvent)."""

from extensions import db
from piket.models import RequestEvent


def event(now, request, kind, actor=None, **detail):
    db.session.add(
        RequestEvent(
            request_id=request.id, at=now, kind=kind, actor_id=getattr(actor, "id", None), detail=detail or None
        )
    )
