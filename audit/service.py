"""Recording and reading the audit log. Callers own the transaction: record() only adds."""

from flask import g, has_request_context
from sqlalchemy import select

from audit.models import AuditEntry
from extensions import db


def record(now, action, entity, entity_id=None, before=None, after=None, actor=None, source=None):
    """Add an audit entry to the current transaction (actor and source default to the request's)."""
    if actor is None and has_request_context():
        actor = getattr(g, "user", None)
    if source is None:
        source = getattr(g, "source", "web") if has_request_context() else "system"
    db.session.add(
        AuditEntry(
            at=now,
            actor_id=getattr(actor, "id", None),
            actor=getattr(actor, "email", None) or "system",
            source=source if actor is not None or source != "web" else "system",
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=before,
            after=after,
        )
    )


def entries(limit=200, entity=None, entity_id=None):
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == str(entity_id))
    return db.session.scalars(query).all()
