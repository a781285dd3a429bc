"""Log in and out (pages)."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from accounts import access, login_guard, mfa, service
from accounts.models import User
from accounts.roles import Role
from errors import NotAuthenticated, NotFound, TooManyRequests, ValidationError
from extensions import db
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
            if mfa.needed(user):
                access.start_second_factor(user, login_guard.safe_next(request.args.get("next")))
                return redirect(url_for("accounts.second_factor" if mfa.enrolled(user) else "accounts.enrol"))
            access.login_session(user)
            return redirect(login_guard.safe_next(request.args.get("next")))
    return render_template("login.html", error=error, email=request.form.get("email", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    access.logout_session()
    g.user = None
    return redirect(url_for("accounts.login"))


# --- the second factor: enrol, a code, a recovery code; an admin's reset ---------------------------


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    user = access.second_factor_user()
    if user is None:
        return redirect(url_for("accounts.login"))
    if not mfa.enrolled(user):
        return redirect(url_for("accounts.enrol"))
    error, status = None, 200
    if request.method == "POST":
        try:
            mfa.verify(utcnow(), user, request.form.get("code"))
        except (NotAuthenticated, TooManyRequests) as err:
            error, status = err, err.status
        else:
            return redirect(access.mfa_done(user))
    return render_template("mfa/code.html", error=error, recovery=False), status


@bp.route("/login/herstelcode", methods=["GET", "POST"])
def recovery_code():
    user = access.second_factor_user()
    if user is None or not mfa.enrolled(user):
        return redirect(url_for("accounts.login"))
    error, status = None, 200
    if request.method == "POST":
        try:
            left = mfa.use_recovery_code(utcnow(), user, request.form.get("recovery_code"))
        except (NotAuthenticated, TooManyRequests) as err:
            error, status = err, err.status
        else:
            next_url = access.mfa_done(user)
            flash(
                f"U hebt nog {left} herstelcode(s). Vraag een beheerder uw tweede factor te resetten als ze op raken."
            )
            return redirect(next_url)
    return render_template("mfa/code.html", error=error, recovery=True), status


@bp.route("/login/instellen", methods=["GET", "POST"])
def enrol():
    """Set up the authenticator app: on the first login of a role that needs it, or when a person chooses to."""
    pending = access.second_factor_user()
    user = pending or g.user
    if user is None:
        return redirect(url_for("accounts.login"))
    if mfa.enrolled(user):
        return redirect(url_for("accounts.second_factor" if pending else "home.index"))
    secret = session.setdefault("mfa_new_secret", mfa.new_secret())
    error, status = None, 200
    if request.method == "POST":
        try:
            codes = mfa.enrol(utcnow(), user, secret, request.form.get("code"))
        except (ValidationError, TooManyRequests) as err:
            error, status = err, err.status
        else:
            session.pop("mfa_new_secret", None)
            next_url = access.mfa_done(user) if pending else url_for("home.index")
            return render_template("mfa/recovery_codes.html", codes=codes, next_url=next_url)
    uri = mfa.provisioning_uri(user, secret)
    return render_template(
        "mfa/enrol.html", qr=mfa.qr_svg(uri), secret=mfa.grouped(secret), error=error, required=mfa.required(user)
    ), status


@bp.route("/beheer/gebruikers")
@access.require(Role.ADMIN)
def user_list():
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("users.html", users=users, tokens={u.id: service.tokens_of(u) for u in users}, now=utcnow())


@bp.route("/beheer/gebruikers/<int:user_id>/tweede-factor-resetten", methods=["POST"])
@access.require(Role.ADMIN)
def reset_second_factor(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Gebruiker bestaat niet.", field="user")
    mfa.reset(utcnow(), user, actor=g.user)
    flash(
        f"De tweede factor van {user.email} is gereset. Bij de volgende keer inloggen stelt hij of zij die opnieuw in."
    )
    return redirect(url_for("accounts.user_list"))
