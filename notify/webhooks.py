"""Twilio's status callbacks for our SMS and calls (thin: the logic is notify.service.apply_status)."""

from flask import Blueprint, request

from notify import service
from notify.signature import twilio_signed
from timeutil import utcnow

bp = Blueprint("notify_webhooks", __name__, url_prefix="/webhooks/twilio")


@bp.post("/status/<int:attempt_id>")
@twilio_signed
def status(attempt_id):
    """Always 204, also for an unknown attempt or a status we ignore: an error would only make
    Twilio retry a callback that cannot succeed. Duplicates and late callbacks change nothing."""
    form = request.form
    raw = form.get("MessageStatus") or form.get("SmsStatus") or form.get("CallStatus") or ""
    service.apply_status(
        utcnow(), attempt_id, raw, answered_by=form.get("AnsweredBy"), error_code=form.get("ErrorCode")
    )
    return "", 204
