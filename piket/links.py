"""Signed, single-use accept links sent by SMS. The token names the notification attempt (so the
person and the request) and is signed with the app's secret; its use is recorded so it works once.
A GET only shows the page: link-preview robots fetch links, only a POST accepts."""

import datetime as dt

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from errors import NotFound

SALT = "piket-accept-link"


def _serializer(now: dt.datetime):
    """Signed and checked on the service's clock (`now`), not the process's: the link's age is
    measured like every other time rule, so it is testable at any date."""
    stamp = int(now.timestamp())
    signer = type("ClockSigner", (TimestampSigner,), {"get_timestamp": lambda self: stamp})
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=signer)


def token_for(attempt_id: int, now: dt.datetime) -> str:
    return _serializer(now).dumps(attempt_id)


def url_for_attempt(attempt_id: int, now: dt.datetime) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/a/{token_for(attempt_id, now)}"


def attempt_id_from(token: str, now: dt.datetime) -> int:
    """The attempt a token names; NotFound when it is forged, garbled or older than LINK_HOURS."""
    try:
        return int(_serializer(now).loads(token, max_age=current_app.config["LINK_HOURS"] * 3600))
    except SignatureExpired:
        raise NotFound("Deze link is verlopen. Open Piket of antwoord op de sms.", field="token") from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound("Deze link is ongeldig.", field="token") from None
