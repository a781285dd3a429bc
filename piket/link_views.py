"""The accept link from the page SMS (thin). The link itself is the credential, so no login; a GET
only shows the request (link-preview robots fetch links), the buttons POST with a CSRF token."""

from flask import Blueprint, render_template, request

from piket import answers, links
from timeutil import utcnow

bp = Blueprint("accept_link", __name__)


@bp.get("/a/<token>")
def show(token):
    _attempt, req, user = answers.attempt_and_request(links.attempt_id_from(token, utcnow()))
    return render_template("piket/link.html", req=req, user=user, token=token, result=None)


@bp.post("/a/<token>")
def answer(token):
    now = utcnow()
    attempt_id = links.attempt_id_from(token, now)
    choice = request.form.get("choice")
    if choice not in ("accept", "decline"):  # only the two buttons; anything else must not accept
        _attempt, req, user = answers.attempt_and_request(attempt_id)
        return render_template(
            "piket/link.html",
            req=req,
            user=user,
            token=token,
            result=None,
            error="Onbekende keuze; kies Aannemen of Ik kan niet.",
        ), 422
    result = answers.handle_link(now, attempt_id, choice)
    _attempt, req, user = answers.attempt_and_request(attempt_id)
    return render_template("piket/link.html", req=req, user=user, token=token, result=result)
