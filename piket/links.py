"""Signed, single-use accept links sent by SMS. The token names the notification attempt (so the
person and the request) and is signed with the app's secret; its use is recorded so it works once.
A GET only shows the page: link-preview robots fetch links, only a POST accepts."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from errors import NotFound

SALT = "piket-accept-link"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_for(attempt_id: int) -> str:
    return _serializer().dumps(attempt_id)


def url_for_attempt(attempt_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/a/{token_for(attempt_id)}"


def attempt_id_from(token: str) -> int:
    """The attempt a token names; NotFound when it is forged, garbled or older than LINK_HOURS."""
    try:
        return int(_serializer().loads(token, max_age=current_app.config["LINK_HOURS"] * 3600))
    except SignatureExpired:
        raise NotFound("Deze link is verlopen. Open Piket of antwoord op de sms.", field="token") from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound("Deze link is ongeldig.", field="token") from None
