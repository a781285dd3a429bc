"""Recording and reading the audit log. Callers own the transaction: record() only inserts."""

from flask import g, has_request_context, request
from sqlalchemy import func, insert, select

from audit.models import AuditEntry
from extensions import db


def _who(actor, source, route) -> dict:
    """Actor, source and route, defaulting to the request's."""
    if actor is None and has_request_context():
        actor = getattr(g, "user", None)
    if route is None and has_request_context():
        route = f"{request.method} {request.path}"[:200]
    if source is None:
        source = getattr(g, "source", "web") if has_request_context() else "system"
    return {
        "actor_id": getattr(actor, "id", None),
        "actor": getattr(actor, "email", None) or "system",
        "source": source if actor is not None or source != "web" else "system",
        "route": route,
    }


# Written as a plain INSERT on the transaction's connection: nearly every change records an entry, and as a
# mapped object (or an INSERT through the session, which flushes first) each cost more than the INSERT itself.
_INSERT = insert(AuditEntry.__table__)


def _row(now, action, entity, entity_id, before, after, who) -> dict:
    return {
        "at": now,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": before,
        "after": after,
    } | who


def record(now, action, entity, entity_id=None, before=None, after=None, actor=None, source=None, route=None):
    """Add an audit entry to the current transaction (actor, source and route default to the request's:
    the route, e.g. "GET /zaak/12", is why a record was read or changed)."""
    db.session.connection().execute(
        _INSERT, _row(now, action, entity, entity_id, before, after, _who(actor, source, route))
    )


def record_many(now, action, entity, entries: list[tuple], actor=None, source=None, route=None):
    """One entry per (entity_id, after), as `record` writes them, in one multi-row INSERT: a list of
    hundreds of cases read at once costs one statement, not hundreds of mapped objects."""
    if entries:
        who = _who(actor, source, route)
        rows = [_row(now, action, entity, entity_id, None, after, who) for entity_id, after in entries]
        db.session.connection().execute(_INSERT, rows)


def entries(limit=200, entity=None, entity_id=None, actor=None, action=None):
    """The newest entries, searched by record (entity, entity_id), by person (actor: e-mail, case-blind) and action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == str(entity_id))
    if actor:
        query = query.where(func.lower(AuditEntry.actor) == actor.strip().lower())
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()
