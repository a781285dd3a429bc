"""What every page shares: the home page, security headers and template helpers."""

from flask import Blueprint, Response, current_app, g, render_template, request

import vocabulary
from accounts.access import require
from accounts.roles import EVERYONE
from piket import lifecycle
from timeutil import format_local, utcnow

home_bp = Blueprint("home", __name__)


@home_bp.route("/")
@require(*EVERYONE)
def index():
    return render_template("home.html")


def download(body: str, mimetype: str, filename: str) -> Response:
    """A file to save (CSV or JSON exports), not to show."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def no_store(response):
    """after_request: no browser or proxy keeps an answer, so case data is not left in a shared computer's
    cache or history. Static files keep their own headers, and so does a public answer that says it may be
    cached (the iCal feed); an answer to someone logged in, and every API answer, is no-store regardless."""
    if request.endpoint == "static":
        return response
    if g.get("user") is not None or request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def worker_down() -> bool:
    """For the banner on coordinators' pages: nobody is paged while the worker is down."""
    from piket import heartbeat

    return not heartbeat.state(utcnow(), current_app.config["WORKER_STALE_SECONDS"])["running"]


def template_helpers():
    return {
        "v": vocabulary,
        "label": vocabulary.label,
        "lifecycle": lifecycle,  # the status groups: `r.status in lifecycle.OPEN`
        "when": format_local,
        "current_user": g.get("user"),
        "worker_down": worker_down,
    }
