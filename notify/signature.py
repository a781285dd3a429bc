"""Only Twilio may call our webhooks: every request carries X-Twilio-Signature, an HMAC of the URL
Twilio called and the form fields, keyed with our auth token.

The URL is rebuilt from PUBLIC_BASE_URL (the address Twilio was given), not from the request, so
validation also works behind a proxy that terminates TLS or rewrites the host.
"""

import functools
import logging

from flask import current_app, request
from twilio.request_validator import RequestValidator

from errors import Forbidden

log = logging.getLogger(__name__)


def signed_url() -> str:
    """The URL Twilio signed: the public base URL, this path and the query string, if any."""
    query = request.query_string.decode("utf-8", "replace")
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path + (f"?{query}" if query else "")


def twilio_signed(view):
    """Refuse (403, the view does not run) a request without a valid Twilio signature, and any
    request at all when no TWILIO_AUTH_TOKEN is configured."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not (token and signature and RequestValidator(token).validate(signed_url(), request.form, signature)):
            # No body and no numbers in the log: they may be personal data.
            log.warning(
                "refused Twilio webhook %s from %s: %s",
                request.path,
                request.remote_addr,
                "no auth token configured" if not token else "bad or missing signature",
            )
            raise Forbidden("Ongeldige of ontbrekende Twilio-handtekening.")
        return view(*args, **kwargs)

    return checked
