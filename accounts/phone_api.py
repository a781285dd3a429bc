"""/api/v1/me/phone: one's own phone over the API (the page is accounts/phone_views.py)."""

from flask import Blueprint, g, jsonify, request

import validation as v
from accounts import phones
from accounts.access import require
from accounts.roles import EVERYONE
from extensions import db
from timeutil import utcnow

bp = Blueprint("phone_api", __name__, url_prefix="/api/v1")


def phone_json(user) -> dict:
    return {
        "phone": user.phone,
        "verified": phones.is_verified(user),
        "verified_at": user.phone_verified_at.isoformat() if phones.is_verified(user) else None,
        "last_test": [
            {"at": line["at"].isoformat(), "channel": line["channel"], "status": line["what"]}
            for line in phones.test_timeline(user)
        ],
    }


@bp.get("/me/phone")
@require(*EVERYONE)
def get_phone():
    return jsonify(phone_json(g.user))


@bp.put("/me/phone")
@require(*EVERYONE)
def put_phone():
    data = v.json_body(request)
    raw = v.text(data, "phone", max_length=40, default="")
    phones.change_phone(utcnow(), user=g.user, raw=raw or None, actor=g.user)
    db.session.commit()
    return jsonify(phone_json(g.user))


@bp.post("/me/phone/verify")
@require(*EVERYONE)
def verify_phone():
    """Without a code: text a new code (202). With {"code": "123456"}: verify the phone."""
    data = v.json_body(request)
    code = v.text(data, "code", max_length=12, default="")
    now = utcnow()
    if not code:
        row = phones.send_code(now, g.user)
        return jsonify({"sent": True, "expires_at": row.expires_at.isoformat()}), 202
    phones.verify(now, g.user, code)
    return jsonify(phone_json(g.user))


@bp.post("/me/phone/test")
@require(*EVERYONE)
def test_phone():
    phones.send_test(utcnow(), g.user)
    return jsonify(phone_json(g.user)), 202
