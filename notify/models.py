"""The outbox: one NotificationAttempt per person × channel × try, recorded before the provider is
called; and the numbers that replied STOP.

Statuses only move forward (RANK): provider callbacks may come twice or out of order, and a late
"sent" must never undo "delivered". No personal data in `body` (DESIGN.md, privacy).
"""

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from columns import UTCDateTime
from extensions import db

FAILED = {"failed", "undelivered", "no_answer", "busy", "opted_out"}
FINAL = {"delivered", "answered"} | FAILED
# responded: the person answered (so it needs no sending); withdrawn: withdrawn before it was sent,
# because what it asked about no longer waits for an answer (the request was taken, cancelled, placed).
RANK = {"pending": 0, "sent": 1, **{status: 2 for status in FINAL}, "responded": 3, "withdrawn": 3}
CHANNELS = ("sms", "voice")


def moves_forward(old: str, new: str) -> bool:
    """Whether `new` may replace `old`: only a higher rank does."""
    return RANK[new] > RANK.get(old, 0)


class NotificationAttempt(db.Model):
    __tablename__ = "notification_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime)
    # page, page_call, queue, exhausted, taken, accepted, requester, cancel_notice, ack_reminder, duty_reminder,
    # handover, rota_gap, reply
    purpose: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(5))  # sms, voice
    to_number: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: notify does not depend on piket
    step: Mapped[int | None] = mapped_column(Integer)  # the escalation step that sent it
    body: Mapped[str] = mapped_column(db.Text, default="")  # the SMS; for a call a short description
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at = mapped_column(UTCDateTime, nullable=True, index=True)
    claimed_until = mapped_column(UTCDateTime, nullable=True)  # a dispatcher is sending it until then
    dispatched_at = mapped_column(UTCDateTime, nullable=True)  # first time the provider took it
    last_error_code: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(String(300))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # Sent inside another attempt's SMS (pages to one phone queued together go as one SMS): that
    # attempt's provider callbacks are this one's too.
    bundled_into: Mapped[int | None] = mapped_column(Integer, index=True)
    # The X-Request-Id of the web request that queued it (or created the request it pages for): the
    # worker logs it when it sends, so one request can be followed from the web to the provider call.
    web_request_id: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self):
        return f"<NotificationAttempt {self.id} {self.channel} {self.purpose} {self.status}>"


class SmsOptOut(db.Model):
    """A number that replied STOP: no SMS to it until it replies START (calls still go out)."""

    __tablename__ = "sms_opt_outs"
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    at = mapped_column(UTCDateTime)
