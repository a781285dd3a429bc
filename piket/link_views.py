"""The accept link from the page SMS (thin). The link itself is the credential, so no login; a GET
only shows the request (link-preview robots fetch links), the buttons POST with a CSRF token.
The intake link from a shelter's SMS is no credential: it leads to the intake page (login)."""

from flask import Blueprint, redirect, render_template, request, url_for

from errors import NotFound
from piket import answers, links, messages, placements
from timeutil import utcnow

bp = Blueprint("accept_link", __name__)


@bp.get("/a/<token>")
def show(token):
    _attempt, req, user = answers.attempt_and_request(links.attempt_id_from(token, utcnow()))
    if req is not None and not answers.may_answer(user):
        return _inactive()
    return render_template("piket/link.html", req=req, user=user, token=token, result=None)


def _inactive():
    """The link of an account deactivated since the page went out: it says so, and shows nothing of the request."""
    return render_template("piket/link.html", req=None, inactive=messages.account_inactive()), 403


@bp.post("/a/<token>")
def answer(token):
    now = utcnow()
    attempt_id = links.attempt_id_from(token, now)
    _attempt, req, user = answers.attempt_and_request(attempt_id)
    if req is not None and not answers.may_answer(user):
        return _inactive()
    choice = request.form.get("choice")
    if choice not in ("accept", "decline"):  # only the two buttons; anything else must not accept
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


@bp.get("/i/<token>")
def intake(token):
    """The intake link from the shelter's SMS: checked, then on to the shelter's intake page, which asks
    for a login and the shelter's own staff (or a coordinator) as ever; the link itself opens nothing."""
    placement_id, shelter_id = links.intake_from(token, utcnow())
    placement = placements.get_placement(placement_id)
    if placement is None or placement.shelter_id != shelter_id:
        raise NotFound("Deze link is ongeldig.", field="token")
    return redirect(url_for("piket.intakes", shelter_id=shelter_id, _anchor=f"hold-{placement.hold_id}"))
