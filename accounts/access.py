"""Who is asking, and whether their role may: one decorator for pages and API alike.

Pages authenticate with the session cookie, the API with `Authorization: Bearer <token>` only
(so the API needs no CSRF token and a stolen cookie does not open it). The cookie carries the token of
a session held server-side (accounts/sessions.py), which logout, deactivation and the idle time-out end.
"""

import functools

from flask import current_app, g, redirect, request, session, url_for

from accounts import service, sessions
from accounts.models import User
from accounts.roles import EVERYONE
from errors import Forbidden, NotAuthenticated
from extensions import db
from timeutil import utcnow


def load_user():
    """before_request: set g.user and g.source from the bearer token or the session."""
    g.user, g.source = None, "web"
    if request.path.startswith("/api/"):
        g.source = "api"
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            g.user = service.user_for_token(utcnow(), header[len("Bearer ") :].strip())
        return
    token = session.get("sid")
    if token is not None:
        g.user = sessions.current(utcnow(), token)
        if g.user is None:
            session.pop("sid")  # ended: the browser forgets it too


def require(*roles):
    """Only these roles may call the view (accounts.roles: a Role, or a group spread, `*COORDINATING`);
    anonymous callers are sent to log in (pages) or get 401."""
    unknown = [role for role in roles if role not in EVERYONE]
    if unknown or not roles:
        raise ValueError(f"require() needs roles from accounts.roles, got {unknown or 'none'}")

    def decorate(view):
        view.allowed_roles = roles  # read by the role-matrix test

        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None:
                if g.source == "api":
                    raise NotAuthenticated("Log in met een API-token (Authorization: Bearer ...).")
                return redirect(url_for("accounts.login", next=request.full_path))
            if g.user.role not in roles:
                raise Forbidden("Uw rol mag dit niet.")
            return view(*args, **kwargs)

        return wrapped

    return decorate


def login_session(user):
    session.clear()  # a new session on login: no fixation
    session["sid"] = sessions.start(utcnow(), user)
    session.permanent = True


def logout_session():
    """End the session server-side too: the cookie, copied or not, no longer logs anyone in."""
    sessions.end(utcnow(), session.get("sid"))
    session.clear()


def client_key() -> str:
    """The client's address for the login limit. Behind TRUST_PROXY proxies, the address the
    outermost of them appended to X-Forwarded-For; anything left of it the client may have written."""
    hops = current_app.config.get("TRUST_PROXY") or 0
    if hops:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or ""


# --- between the password and the session: the second factor (accounts/mfa.py) ----------------------
# The password was right but the session is not logged in yet: it names only whom the second factor is
# for, so load_user() sees nobody and no page opens until mfa_done() calls login_session().
SECOND_FACTOR_MINUTES = 10


def start_second_factor(user, next_url):
    session.clear()  # a new session, as on login
    session["mfa_user_id"] = user.id
    session["mfa_since"] = utcnow().timestamp()
    session["mfa_next"] = next_url.rstrip("?")  # request.full_path's empty query: a link keeps it, a redirect not


def second_factor_user():
    """The account whose password was given in this session a moment ago, awaiting its second factor."""
    user_id, since = session.get("mfa_user_id"), session.get("mfa_since") or 0
    if user_id is None or utcnow().timestamp() - since > SECOND_FACTOR_MINUTES * 60:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def mfa_done(user) -> str:
    """The second factor was right: log the session in; returns where the login was headed."""
    next_url = session.get("mfa_next") or url_for("home.index")
    login_session(user)
    return next_url
