"""Log in and out (pages)."""

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from accounts import access, login_guard, service
from errors import NotAuthenticated, TooManyRequests
from timeutil import utcnow

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        try:
            user = service.login(
                utcnow(),
                request.form.get("email"),
                request.form.get("password"),
                access.client_key(),
                current_app.config["LOGIN_MAX_FAILURES"],
                current_app.config["LOGIN_WINDOW_MINUTES"],
            )
        except (NotAuthenticated, TooManyRequests) as err:
            error, status = err, err.status
        else:
            access.login_session(user)
            return redirect(login_guard.safe_next(request.args.get("next")))
    return render_template("login.html", error=error, email=request.form.get("email", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    access.logout_session()
    g.user = None
    return redirect(url_for("accounts.login"))
