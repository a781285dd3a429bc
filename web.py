"""What every page shares: the home page, security headers and template helpers."""

from flask import Blueprint, Response, current_app, g, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

import formatting
import vocabulary
from accounts.access import require
from accounts.roles import EVERYONE
from piket import lifecycle
from timeutil import format_age, utcnow

home_bp = Blueprint("home", __name__)


@home_bp.route("/")
@require(*EVERYONE)
def index():
    """The start page: for who asks for beds or places them, the open requests they may see (newest
    first) and, for coordinators, their duty and the holds about to expire; for everyone, their menu."""
    from accounts.roles import CASE_VIEWERS, COORDINATING
    from piket import access, worklist

    now, user = utcnow(), g.user
    listed, holds, duty = [], [], None
    if user.role in CASE_VIEWERS:
        listed = worklist.requests(now, user)
        access.disclose(now, listed, user)  # the case references are shown: one audit row per case
    if user.role in COORDINATING:
        holds = worklist.expiring_holds(now, listed)
        duty = worklist.duty(now, user)
    return render_template("home.html", now=now, requests=listed, holds=holds, duty=duty)


@home_bp.route("/toegankelijkheid")
def accessibility_statement():
    """The accessibility statement (toegankelijkheidsverklaring) Dutch public-sector sites must publish:
    public, so anyone can read it before logging in."""
    return render_template("accessibility.html")


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
        "when": formatting.when,  # also a filter: formatting.register
        "age": format_age,
        "current_user": g.get("user"),
        "worker_down": worker_down,
    }


def large_body(view):
    """Mark a view that takes an upload: its body may be MAX_UPLOAD_BYTES instead of MAX_CONTENT_LENGTH."""
    view.large_body = True
    return view


def body_limit():
    """before_request, ahead of CSRF and the webhooks' signature check: the size a body may have here,
    refused (413) on its Content-Length before a byte is read. A chunked body (no length) is read up to
    one byte past the limit: Werkzeug would stop at the limit and go on with the body cut short."""
    config = current_app.config
    limit = config["MAX_CONTENT_LENGTH"]
    if request.path.startswith("/webhooks/"):
        limit = config["MAX_WEBHOOK_BYTES"]
    elif getattr(current_app.view_functions.get(request.endpoint), "large_body", False):
        limit = config["MAX_UPLOAD_BYTES"]
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        request.max_content_length = limit + 1
        if len(request.get_data(cache=True)) > limit:
            raise RequestEntityTooLarge()
