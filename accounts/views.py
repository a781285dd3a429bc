"""Log in and out, set a password with a one-time link, and manage accounts (pages)."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

import validation
from accounts import access, admin, login_guard, mfa, phones, resets, service
from accounts.models import User
from accounts.roles import ACCOUNT_MANAGERS, Role
from errors import NotAuthenticated, NotFound, PiketError, TooManyRequests, ValidationError
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


# --- accounts: admins, and a region's coordinator lead for their regions (accounts/admin.py) --------------


@bp.route("/beheer/gebruikers")
@access.require(*ACCOUNT_MANAGERS)
def user_list():
    admin.require_manager(g.user)
    try:
        chosen = admin.filters(request.args)
    except ValidationError:
        chosen = {"role": None, "region": None}  # a filter from an old link: show everything
    users = admin.visible_users(g.user, **chosen)
    is_admin = g.user.role == Role.ADMIN
    return render_template(
        "users.html",
        users=users,
        tokens={u.id: service.tokens_of(u) for u in users} if is_admin else {},
        now=utcnow(),
        chosen=chosen,
        is_admin=is_admin,
        **admin.choices_for(g.user),
    )


def _form_data(form, fields) -> dict:
    """A form's fields as admin.read() takes them: the boxes ticked as lists; the lead box only where shown."""
    data = {k: form.get(k, "") for k in fields if k not in ("regions", "shelters", "is_lead")}
    data["regions"], data["shelters"] = form.getlist("regions"), form.getlist("shelters")
    if g.user.role == Role.ADMIN:
        data["is_lead"] = form.get("is_lead", "")
    return data


def _form_page(user=None, errors=None, form=None, status=200):
    if user is not None and form is None:
        form = {
            "name": user.name,
            "role": user.role,
            "phone": user.phone or "",
            "regions": [r.code for r in user.regions],
            "shelters": [str(s.id) for s in user.shelters],
            "is_lead": user.is_lead,
        }
    elif form is not None:
        form = {**form.to_dict(), "regions": form.getlist("regions"), "shelters": form.getlist("shelters")}
    return render_template(
        "users/form.html",
        user=user,
        errors=errors or {},
        form=form or {},
        is_admin=g.user.role == Role.ADMIN,
        verified=phones.is_verified(user) if user is not None else False,
        **admin.choices_for(g.user),
    ), status


def _refused(err, user=None):
    field = err.field if err.field in admin.FIELDS + ("via",) else "form"
    return _form_page(user, {field: err.message}, request.form, err.status)


@bp.route("/beheer/gebruikers/nieuw", methods=["GET", "POST"])
@access.require(*ACCOUNT_MANAGERS)
def user_new():
    admin.require_manager(g.user)
    if request.method == "GET":
        return _form_page()
    try:
        user, token = admin.create(utcnow(), g.user, _form_data(request.form, admin.FIELDS))
    except PiketError as err:
        return _refused(err)
    return _link_page(user, "show", token, created=True)


def _link_page(user, via, token, created=False):
    return render_template(
        "users/link.html",
        user=user,
        via=via,
        link=resets.link(token) if token else None,
        hours=current_app.config["PASSWORD_RESET_HOURS"],
        created=created,
    )


@bp.route("/beheer/gebruikers/<int:user_id>", methods=["GET", "POST"])
@access.require(*ACCOUNT_MANAGERS)
def user_edit(user_id):
    user = admin.managed_user(g.user, user_id)
    if request.method == "GET":
        return _form_page(user)
    fields = tuple(f for f in admin.FIELDS if f != "email")
    try:
        admin.update(utcnow(), g.user, user, _form_data(request.form, fields))
    except PiketError as err:
        return _refused(err, db.session.get(User, user_id))
    flash(f"Account {user.email} opgeslagen.")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/beheer/gebruikers/<int:user_id>/deactiveren", methods=["POST"])
@access.require(*ACCOUNT_MANAGERS)
def user_deactivate(user_id):
    user = admin.managed_user(g.user, user_id)
    try:
        ended = admin.deactivate(utcnow(), g.user, user)
    except PiketError as err:
        return _refused(err, user)
    flash(f"Account {user.email} gedeactiveerd; {ended} open sessie(s) beëindigd.")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/beheer/gebruikers/<int:user_id>/heractiveren", methods=["POST"])
@access.require(*ACCOUNT_MANAGERS)
def user_reactivate(user_id):
    user = admin.managed_user(g.user, user_id)
    admin.reactivate(utcnow(), g.user, user)
    flash(f"Account {user.email} is weer actief.")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/beheer/gebruikers/<int:user_id>/wachtwoord-link", methods=["POST"])
@access.require(*ACCOUNT_MANAGERS)
def user_password_link(user_id):
    user = admin.managed_user(g.user, user_id)
    try:
        via = validation.choice(request.form, "via", admin.VIA, default=None) if request.form.get("via") else None
        via, token = admin.password_link(utcnow(), g.user, user, via)
    except PiketError as err:
        return _refused(err, user)
    return _link_page(user, via, token)


# --- the one-time link: the person sets their own password ------------------------------------------------


@bp.route("/wachtwoord/<token>", methods=["GET", "POST"])
def set_password(token):
    if resets.find(utcnow(), token) is None:
        return render_template("password.html", expired=True, errors={}), 404
    errors, status = {}, 200
    if request.method == "POST":
        try:
            resets.use(utcnow(), token, request.form.get("password"), request.form.get("confirmation"))
        except PiketError as err:
            db.session.rollback()
            errors, status = {err.field or "form": err.message}, err.status
        else:
            access.logout_session()  # whoever was logged in in this browser: the link's owner logs in afresh
            flash("Uw wachtwoord is ingesteld. Log in met uw nieuwe wachtwoord.")
            return redirect(url_for("accounts.login"))
    return render_template("password.html", expired=False, errors=errors), status


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
