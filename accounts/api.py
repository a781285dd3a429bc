"""Accounts over the API (admins; a region's coordinator lead for their regions: accounts/admin.py)."""

from flask import Blueprint, g, jsonify, request

import validation as v
from accounts import admin, resets
from accounts.access import require
from accounts.roles import ACCOUNT_MANAGERS
from timeutil import utcnow

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


@bp.get("/users")
@require(*ACCOUNT_MANAGERS)
def list_users():
    admin.require_manager(g.user)
    users = admin.visible_users(g.user, **admin.filters(request.args))
    return jsonify({"users": [admin.as_json(u) for u in users]})


@bp.post("/users")
@require(*ACCOUNT_MANAGERS)
def create_user():
    admin.require_manager(g.user)
    now = utcnow()
    user, token = admin.create(now, g.user, v.json_body(request))
    return jsonify({"user": admin.as_json(user), "password_link": resets.link(token)}), 201


@bp.get("/users/<int:user_id>")
@require(*ACCOUNT_MANAGERS)
def get_user(user_id):
    return jsonify(admin.as_json(admin.managed_user(g.user, user_id)))


@bp.patch("/users/<int:user_id>")
@require(*ACCOUNT_MANAGERS)
def update_user(user_id):
    user = admin.managed_user(g.user, user_id)
    return jsonify(admin.as_json(admin.update(utcnow(), g.user, user, v.json_body(request))))


@bp.post("/users/<int:user_id>/deactivate")
@require(*ACCOUNT_MANAGERS)
def deactivate_user(user_id):
    user = admin.managed_user(g.user, user_id)
    ended = admin.deactivate(utcnow(), g.user, user)
    return jsonify({**admin.as_json(user), "sessions_ended": ended})


@bp.post("/users/<int:user_id>/reactivate")
@require(*ACCOUNT_MANAGERS)
def reactivate_user(user_id):
    user = admin.managed_user(g.user, user_id)
    return jsonify(admin.as_json(admin.reactivate(utcnow(), g.user, user)))


@bp.post("/users/<int:user_id>/password-reset")
@require(*ACCOUNT_MANAGERS)
def password_reset(user_id):
    user = admin.managed_user(g.user, user_id)
    body = v.json_body(request) if request.get_data() else {}
    via = v.choice(body, "via", admin.VIA, default=None)
    via, token = admin.password_link(utcnow(), g.user, user, via)
    return jsonify({"via": via, "link": resets.link(token) if token else None})
