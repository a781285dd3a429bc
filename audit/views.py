"""The audit log page, for admins and CoMensha: who read or changed which record, searched."""

from flask import Blueprint, render_template, request

from accounts.access import require
from accounts.roles import AUDIT_READERS
from audit import service
from audit.api import filters
from errors import ValidationError

bp = Blueprint("audit", __name__)


@bp.route("/beheer/audit")
@require(*AUDIT_READERS)
def audit_log():
    errors = {}
    try:
        wanted = filters(request.args)
    except ValidationError as err:
        wanted, errors = {}, {err.field or "form": err.message}
    return render_template("audit.html", entries=service.entries(300, **wanted), args=request.args, errors=errors)
