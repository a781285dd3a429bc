"""JSON API of placement requests, proposals and holds (thin)."""

import json

from flask import Blueprint, current_app, g, jsonify, request

import validation as v
from accounts.access import require
from accounts.roles import CASE_READERS, CASE_VIEWERS, COORDINATING, REQUESTERS, SHELTER_KEEPERS
from errors import ValidationError
from extensions import db
from piket import access, placements, proposals, reports, service
from piket.lifecycle import OPEN
from piket.models import PlacementRequest
from piket.present import placement_json, request_json
from timeutil import utcnow

bp = Blueprint("piket_api", __name__, url_prefix="/api/v1")


def _requests_body(rows, now, timeline=False, read=True) -> list[dict]:
    """The requests as JSON with the shelter addresses this user may see; each showing of a case and of a
    confidential address is audited (read=False: the answer to creating it, written by this user just now)."""
    if read:
        access.disclose(now, rows, g.user)
    shown = placements.disclose_addresses(now, [p for r in rows for p in r.placements], g.user)
    return [request_json(r, shown, timeline=timeline) for r in rows]


def _request_body(r, now, timeline=False) -> dict:
    return _requests_body([r], now, timeline)[0]


def _placement_body(placement, now) -> dict:
    return placement_json(placement, placements.disclose_addresses(now, [placement], g.user))


@bp.post("/placement-requests")
@require(*REQUESTERS)
def create_case():
    now = utcnow()
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= 100):
        from errors import ValidationError

        raise ValidationError("must be 1 to 100 characters", field="Idempotency-Key")
    fields = service.parse_case(v.json_body(request), g.user)
    case, created = service.create_case(now, fields, g.user, key)
    body = {"case_id": case.id, "requests": _requests_body(case.requests, now, read=False)}
    return jsonify(body), 201 if created else 200


@bp.get("/placement-requests")
@require(*CASE_VIEWERS)
def list_requests():
    now = utcnow()
    query = access.visible_requests(g.user, now).order_by(PlacementRequest.id.desc()).limit(200)
    if v.boolean(request.args, "open", default=False) if request.args.get("open") else False:
        query = query.where(PlacementRequest.status.in_(OPEN))
    return jsonify({"requests": _requests_body(db.session.scalars(query).all(), now)})


@bp.get("/placement-requests/<int:request_id>")
@require(*CASE_VIEWERS)
def get_request(request_id):
    now = utcnow()
    return jsonify(_request_body(service.get_request(request_id, g.user, now), now, timeline=True))


@bp.post("/placement-requests/<int:request_id>/accept")
@require(*COORDINATING)
def accept(request_id):
    now = utcnow()
    return jsonify(_request_body(service.accept(now, request_id, g.user), now))


@bp.post("/placement-requests/<int:request_id>/cancel")
@require(*REQUESTERS)
def cancel(request_id):
    now = utcnow()
    return jsonify(_request_body(service.cancel(now, request_id, g.user), now))


@bp.post("/placement-requests/<int:request_id>/decline")
@require(*COORDINATING)
def decline(request_id):
    now = utcnow()
    return jsonify(_request_body(service.decline(now, request_id, g.user, "api"), now))


@bp.put("/placement-requests/<int:request_id>/profile")
@require(*COORDINATING)
def set_profile(request_id):
    now = utcnow()
    return jsonify(_request_body(service.set_profile(now, request_id, v.json_body(request), g.user), now))


@bp.put("/cases/<int:case_id>/report-owner")
@require(*REQUESTERS)
def hand_over_report(case_id):
    data = v.json_body(request)
    case = service.hand_over_report(utcnow(), case_id, g.user, data.get("email"))
    return jsonify(
        {
            "case_id": case.id,
            "report_owner_id": case.report_owner_id,
            "report_owner_since": case.report_owner_since.isoformat(),
        }
    )


@bp.put("/cases/<int:case_id>/report")
@require(*CASE_READERS)
def mark_report(case_id):
    """{"made": true}: the CoMensha report is made (only that, by whom and when)."""
    made = v.json_body(request).get("made")
    if not isinstance(made, bool):
        raise ValidationError("must be true", field="made")
    if not made:
        raise ValidationError("must be true: een gedane melding bij CoMensha wordt niet ongedaan gemaakt", field="made")
    return jsonify(reports.state(reports.mark_made(utcnow(), case_id, g.user)))


@bp.get("/placement-requests/<int:request_id>/proposals")
@require(*COORDINATING)
def get_proposals(request_id):
    now = utcnow()
    r = service.get_request(request_id, g.user, now)
    found = proposals.lookup(now, r.case, current_app.config)
    computed_at = found["computed_at"]
    head = json.dumps(
        {
            "status": found["status"],
            "computed_at": computed_at.isoformat() if computed_at else None,
            "stale": found["stale"],
        }
    )
    # The stored requests' JSON goes out as it is: decoding and encoding it again was most of a view.
    body = head[:-1] + ', "requests": ' + found["requests_json"] + "}"
    return current_app.response_class(body, mimetype="application/json")


@bp.post("/placement-requests/<int:request_id>/placements")
@require(*COORDINATING)
def choose(request_id):
    now = utcnow()
    data = v.json_body(request)
    pool_id = v.integer(data, "pool_id", minimum=1)
    placement = placements.choose(now, request_id, pool_id, g.user, current_app.config)
    return jsonify(_placement_body(placement, now)), 201


@bp.post("/holds/<int:hold_id>/confirm")
@require(*SHELTER_KEEPERS)
def confirm_hold(hold_id):
    now = utcnow()
    return jsonify(_placement_body(placements.confirm(now, hold_id, g.user), now))


@bp.post("/holds/<int:hold_id>/release")
@require(*SHELTER_KEEPERS)
def release_hold(hold_id):
    now = utcnow()
    data = v.json_body(request) if request.get_data() else {}  # the body is optional here
    reason = v.text(data, "reason", max_length=40, default=None)
    return jsonify(_placement_body(placements.release(now, hold_id, g.user, reason), now))
