"""The audit log page, for admins."""

from flask import Blueprint, render_template

from accounts.access import require
from accounts.roles import Role
from audit import service

bp = Blueprint("audit", __name__)


@bp.route("/beheer/audit")
@require(Role.ADMIN)
def audit_log():
    return render_template("audit.html", entries=service.entries(300))
