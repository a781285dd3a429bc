"""The worker's notification job: send what is due in the outbox."""

from flask import current_app

from notify import service


def dispatch(now) -> int:
    """Send due attempts through the app's provider; safe with two workers (rows are claimed)."""
    return service.dispatch_due(now, service.provider_for(current_app), current_app.config["PUBLIC_BASE_URL"])
