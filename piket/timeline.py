"""A request's timeline: every step and its outcome, append-only (RequestEvent)."""

from sqlalchemy import select

import formatting
import vocabulary
from accounts.models import User
from accounts.roles import OVERSIGHT
from extensions import db
from notify import service as notify
from piket.models import RequestEvent


def event(now, request, kind, actor=None, **detail):
    db.session.add(
        RequestEvent(
            request_id=request.id, at=now, kind=kind, actor_id=getattr(actor, "id", None), detail=detail or None
        )
    )


# --- reading: the timeline as the request's page shows it ---------------------------------------------


def lines(request, viewer) -> list[dict]:
    """Every event of the request and what became of every message sent for it, oldest first, each as
    one Dutch sentence: {"at", "local", "kind", "text"}. A message stands at its latest outcome.
    Names are shown to coordinators, CoMensha and admins; the requester reads who by duty."""
    events = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    ).all()
    attempts = notify.attempts_for_request(request.id)
    names = {}
    if viewer.role in OVERSIGHT:
        ids = {e.actor_id for e in events} | {a.user_id for a in attempts}
        ids |= {u for e in events for u in (e.detail or {}).get("users", [])}
        ids.discard(None)
        names = {u.id: u.name or u.email for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    words = _Words(request, names)
    rows = [(e.at, 0, e.id, e.kind, words.event(e)) for e in events]
    rows += [(a.updated_at or a.created_at, 1, a.id, f"message_{a.status}", words.attempt(a)) for a in attempts]
    rows.sort(key=lambda row: row[:3])
    return [
        {"at": at.isoformat(), "local": formatting.when(at), "kind": kind, "text": text}
        for at, _o, _i, kind, text in rows
    ]


class _Words:
    """The sentences of one request's timeline."""

    def __init__(self, request, names):
        self.request, self.names = request, names
        self.steps = (request.escalation or {}).get("steps") or []

    def _level(self, step) -> str | None:
        if step is None or not 0 <= step < len(self.steps):
            return None
        return vocabulary.PAGE_LEVELS.get(self.steps[step].get("level"))

    def _who(self, user_id, step=None) -> str:
        """A person by name where the reader may see it, else by the duty they were paged for."""
        level = self._level(step)
        if user_id is not None and user_id == self.request.case.created_by_id:
            return "de aanvrager"
        if user_id in self.names:
            return f"{self.names[user_id]} ({level})" if level else self.names[user_id]
        return level or "een zorgcoördinator"

    def event(self, e) -> str:
        d = e.detail or {}
        label = vocabulary.label(vocabulary.EVENT_KINDS, e.kind)
        by = f" door {self._who(e.actor_id)}" if e.actor_id is not None else ""
        channel = (
            f" {vocabulary.ANSWER_CHANNELS[d['channel']]}" if d.get("channel") in vocabulary.ANSWER_CHANNELS else ""
        )
        level = vocabulary.PAGE_LEVELS.get(d.get("level")) or self._level(d.get("step"))
        if e.kind == "paged":
            people = [self.names[u] for u in d.get("users", []) if u in self.names]
            how = " en ".join(vocabulary.ANSWER_CHANNELS.get(c, "") for c in d.get("channels", []) if c)
            return f"{level or 'de piket'} opgeroepen{' ' + how if how else ''}" + (
                f" ({', '.join(people)})" if people else ""
            )
        if e.kind == "step_skipped":
            why = vocabulary.STEP_SKIPPED_REASONS.get(d.get("reason"), "niemand bereikbaar")
            return f"stap overgeslagen{' bij ' + level if level else ''}: {why}"
        if e.kind == "step_unanswered":
            why = vocabulary.STEP_UNANSWERED_REASONS.get(d.get("reason"), "geen antwoord")
            return f"geen antwoord{' van ' + level if level else ''}: {why}; door naar de volgende stap"
        if e.kind == "exhausted":
            alerted = len(d.get("alerted") or [])
            return (
                "NIEMAND BEREIKT: alarm aan alle coördinatoren van de regio en de beheerders"
                f" ({alerted} {'persoon' if alerted == 1 else 'personen'}) en aan de aanvrager"
            )
        if e.kind == "pages_cancelled":
            count = d.get("count")
            if isinstance(count, int):
                return f"{count} openstaande {'oproep' if count == 1 else 'oproepen'} ingetrokken"
        if e.kind in ("phone_dial", "phone_connected") and level:
            return f"{label}: {level}{by}"
        return f"{label}{by}{channel}"

    def attempt(self, a) -> str:
        purpose = (
            f"{a.purpose}_call"
            if a.channel == "voice" and f"{a.purpose}_call" in vocabulary.MESSAGE_PURPOSES
            else a.purpose
        )
        what = vocabulary.MESSAGE_PURPOSES.get(purpose) or vocabulary.MESSAGE_CHANNELS.get(a.channel, "bericht")
        to = "" if a.purpose == "requester" or a.user_id is None else f" aan {self._who(a.user_id, a.step)}"
        status = a.status
        if a.channel == "voice" and status == "no_answer" and "answered by machine" in (a.last_error or ""):
            status = "voicemail"
        words = (vocabulary.CALL_STATUSES.get(status) if a.channel == "voice" else None) or (
            vocabulary.MESSAGE_STATUSES.get(status, "stand onbekend")
        )
        return f"{what}{to}: {words}"
