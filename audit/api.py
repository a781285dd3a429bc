"""The audit log over the API, for admins."""

from flask import Blueprint, jsonify, request

import validation as v
from accounts.access import require
from accounts.roles import Role
from audit import service

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")


def entry_json(e):
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "source": e.source,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
    }


@bp.get("/audit")
@require(Role.ADMIN)
def list_audit():
    limit = v.integer(request.args, "limit", minimum=1, maximum=1000, default=200) if request.args.get("limit") else 200
    entity = v.text(request.args, "entity", max_length=40, default=None) or None
    return jsonify({"entries": [entry_json(e) for e in service.entries(limit, entity)]})
