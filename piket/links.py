"""Signed links sent by SMS. The accept link (single use) names the notification attempt (so the
person and the request); its use is recorded so it works once. A GET only shows the page:
link-preview robots fetch links, only a POST accepts. The intake link names a held placement and its
shelter and only leads to the shelter's intake page, which still asks for a login (a forwarded SMS
opens nothing by itself). Both are signed with the app's secret and expire after LINK_HOURS."""

import datetime as dt

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from errors import NotFound

SALT = "piket-accept-link"
INTAKE_SALT = "piket-intake-link"  # another salt: an accept token is never an intake token, nor the reverse


def _serializer(now: dt.datetime, salt=SALT):
    """Signed and checked on the service's clock (`now`), not the process's: the link's age is
    measured like every other time rule, so it is testable at any date."""
    stamp = int(now.timestamp())
    signer = type("ClockSigner", (TimestampSigner,), {"get_timestamp": lambda self: stamp})
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=signer)


def token_for(attempt_id: int, now: dt.datetime) -> str:
    return _serializer(now).dumps(attempt_id)


def url_for_attempt(attempt_id: int, now: dt.datetime) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/a/{token_for(attempt_id, now)}"


def _load(token: str, now: dt.datetime, salt):
    """What a token carries; NotFound when it is forged, garbled or older than LINK_HOURS."""
    try:
        return _serializer(now, salt).loads(token, max_age=current_app.config["LINK_HOURS"] * 3600)
    except SignatureExpired:
        raise NotFound("Deze link is verlopen. Open Piket of antwoord op de sms.", field="token") from None
    except BadSignature:
        raise NotFound("Deze link is ongeldig.", field="token") from None


def attempt_id_from(token: str, now: dt.datetime) -> int:
    """The attempt a token names; NotFound when it is forged, garbled or older than LINK_HOURS."""
    try:
        return int(_load(token, now, SALT))
    except (ValueError, TypeError):
        raise NotFound("Deze link is ongeldig.", field="token") from None


def intake_url(placement_id: int, shelter_id: int, now: dt.datetime) -> str:
    token = _serializer(now, INTAKE_SALT).dumps([placement_id, shelter_id])
    return f"{current_app.config['PUBLIC_BASE_URL']}/i/{token}"


def intake_from(token: str, now: dt.datetime) -> tuple[int, int]:
    """(placement id, shelter id) an intake token names; NotFound when forged, garbled or expired."""
    value = _load(token, now, INTAKE_SALT)
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        raise NotFound("Deze link is ongeldig.", field="token")
    return value[0], value[1]
