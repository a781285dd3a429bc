"""The audit log over the API, for admins and CoMensha: searched by record and by person."""

from flask import Blueprint, jsonify, request

import validation as v
from accounts.access import require
from accounts.roles import AUDIT_READERS
from audit import service

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")


def entry_json(e):
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "actor_id": e.actor_id,
        "source": e.source,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "route": e.route,
        "before": e.before,
        "after": e.after,
    }


def filters(args) -> dict:
    """?entity=case&entity_id=12 (a record), ?actor=email (a person), ?action=case.read: each optional."""
    text = lambda name, n: v.text(args, name, max_length=n, default=None) or None  # noqa: E731
    return {
        "entity": text("entity", 40),
        "entity_id": text("entity_id", 40),
        "actor": text("actor", 254),
        "action": text("action", 60),
    }


@bp.get("/audit")
@require(*AUDIT_READERS)
def list_audit():
    limit = v.integer(request.args, "limit", minimum=1, maximum=1000, default=200) if request.args.get("limit") else 200
    return jsonify({"entries": [entry_json(e) for e in service.entries(limit, **filters(request.args))]})
