"""The worker's notification job: send what is due in the outbox."""

from flask import current_app

from notify import service


def dispatch(now) -> int:
    """Send due attempts through the app's provider; safe with two workers (rows are claimed). In
    the worker, each in a sending thread of its own (notify.service.Senders), so this returns at once."""
    return service.dispatch_due(
        now,
        service.provider_for(current_app),
        current_app.config["PUBLIC_BASE_URL"],
        senders=current_app.extensions.get("notify_senders"),  # the worker's sending threads; none: one by one
    )
