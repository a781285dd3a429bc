"""JSON API of a region's office hours, escalation policy and its preview (thin; piket/ladders/service.py)."""

from flask import Blueprint, g, jsonify, request

import validation as v
from accounts.access import require
from accounts.roles import COORDINATING, OVERSIGHT
from piket.ladders import service
from timeutil import utcnow

bp = Blueprint("ladders_api", __name__, url_prefix="/api/v1/regions")


@bp.get("/<code>/office-hours")
@require(*OVERSIGHT)
def get_office_hours(code):
    return jsonify(service.office_hours_json(utcnow(), service.region_by_code(code)))


@bp.put("/<code>/office-hours")
@require(*COORDINATING)
def put_office_hours(code):
    now, region = utcnow(), service.region_by_code(code)
    service.save_office_hours(now, region, v.json_body(request), g.user)
    return jsonify(service.office_hours_json(now, region))


@bp.get("/<code>/escalation-policy")
@require(*OVERSIGHT)
def get_policy(code):
    return jsonify(service.policy_json(service.region_by_code(code)))


@bp.put("/<code>/escalation-policy")
@require(*COORDINATING)
def put_policy(code):
    region = service.region_by_code(code)
    service.save_policy(utcnow(), region, v.json_body(request), g.user)
    return jsonify(service.policy_json(region))


@bp.get("/<code>/escalation-preview")
@require(*OVERSIGHT)
def get_preview(code):
    return jsonify(service.preview(utcnow(), service.region_by_code(code)))


@bp.post("/<code>/escalation-preview")
@require(*COORDINATING)
def post_preview(code):
    """The preview of an unsaved edit: checked like a save, nothing stored."""
    region = service.region_by_code(code)
    service.must_edit(g.user, region)
    return jsonify(service.preview(utcnow(), region, edit=v.json_body(request)))
