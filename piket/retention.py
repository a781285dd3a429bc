"""The retention purge: a closed case's profile and identifying data go after RETENTION_DAYS.

DESIGN.md: "A closed request's profile is purged after a configurable period (default 30 days);
anonymous aggregates stay for the statistics." A case is purged whole, and only once every one of
its requests is closed (placed, cancelled, exhausted) and has been closed for `days` days: a family
whose man still waits keeps the mother's profile, because the matcher still needs both.

What goes: each request's `persons` (ages, genders, residence, exploitation, needs); the case's own
reference, callback phone, idempotency key and the spot where the victim was found (moved to the
region's centre, which the region already says); the callback phone in the outbox rows sent to it.
What stays: region, times, status, `size`, `children`, `profile_stats`, `blocking_reasons`,
placements, the timeline, so the national figures read the same before and after.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import or_, select

from audit import service as audit
from errors import ValidationError
from extensions import db
from notify import service as notify
from piket.lifecycle import CLOSED
from piket.models import Case, PlacementRequest
from piket.service import profile_stats
from transactions import atomic

PURGED = "verwijderd"  # what a purged case shows for its reference; the phone is left empty


def purge_closed(now, days) -> int:
    """Purge every case whose requests were all closed at least `days` days ago. Returns how many
    requests were purged (0 when nothing was due: running it again changes nothing). One audit entry per run."""
    cutoff = now - dt.timedelta(days=days)
    r = PlacementRequest
    # Not yet purged, or closed again after a purge (an exhausted request taken late and given a new profile).
    pending = select(r.id).where(r.case_id == Case.id, or_(r.purged_at.is_(None), r.closed_at > r.purged_at))
    still_needed = select(r.id).where(
        r.case_id == Case.id, or_(r.status.not_in(CLOSED), r.closed_at.is_(None), r.closed_at > cutoff)
    )
    purged_requests, purged_cases = [], []
    with atomic():
        # Two workers by mistake: the second skips the cases the first has locked (SQLite: one writer anyway).
        cases = (
            db.session.scalars(
                select(Case)
                .where(pending.exists(), ~still_needed.exists())
                .order_by(Case.id)
                .with_for_update(of=Case, skip_locked=True)
            )
            .unique()
            .all()
        )
        for case in cases:
            for request in case.requests:
                if request.profile_stats is None:  # from before profile_stats existed: keep the aggregate now
                    request.profile_stats = profile_stats(request.persons, request.children)
                request.persons, request.purged_at = None, now
                purged_requests.append(request.id)
            _forget_callback_phone(case, [request.id for request in case.requests])
            case.case_reference, case.callback_phone, case.idempotency_key = PURGED, "", None
            case.found_lat, case.found_lon = case.region.lat, case.region.lon
            purged_cases.append(case.id)
        if purged_requests:
            audit.record(
                now,
                "retention.purge",
                "placement_request",
                None,
                source="system",
                after={"days": days, "cases": purged_cases, "requests": purged_requests},
            )
    return len(purged_requests)


def _forget_callback_phone(case, request_ids):
    """The outbox keeps what was sent to whom; for a purged case the requester's number goes (the body has no personal data)."""
    numbers = {case.callback_phone}
    try:
        numbers.add(notify.normalise_number(case.callback_phone))
    except ValidationError:  # not a phone number: only the raw text can be in the outbox
        pass
    notify.forget_numbers(request_ids=request_ids, numbers=numbers, purpose="requester")


def purge_due(now) -> int:
    """The worker's job: purge with the configured period (RETENTION_DAYS)."""
    return purge_closed(now, current_app.config["RETENTION_DAYS"])
