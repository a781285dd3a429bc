"""The worker's periodic jobs. Each takes `now`, claims its rows in the database, and is safe to
run twice at once (a second worker finds the rows already handled)."""

from notify import jobs as notify_jobs
from piket import acknowledgement, escalation, placements, proposals, reports, retention
from piket.rotas import jobs as rota_jobs


def escalate(now) -> int:
    """Run every escalation step that is due, and send its pages at once rather than at the
    dispatch job's next tick: seconds count at night. Then keep why a request the ladder
    exhausted found no bed (unmet demand), as the matcher sees it at that moment."""
    done = escalation.tick(now)
    if done:
        notify_jobs.dispatch(now)
    proposals.record_exhausted(now)
    return done


def refresh_proposals(now) -> int:
    """Every case waiting for a place has its proposals computed for its current version (the case's
    requests, the registry, holds), so a view shows them without running the matcher."""
    return proposals.refresh(now)


def expire_holds(now) -> int:
    """Holds nobody confirmed in time give their places back; their requests return to proposals."""
    return placements.expire_due(now)


def remind_holds(now) -> int:
    """Thirty minutes before a hold expires, its shelter and the coordinator who chose it are reminded."""
    return placements.remind_expiring(now)


JOBS = {  # name: (function, every N seconds)
    # How soon a new request is paged: the worker looks for due steps every ESCALATE_EVERY_S (0.2 s).
    "escalate": (escalate, "ESCALATE_EVERY_S"),
    "dispatch_notifications": (notify_jobs.dispatch, 1),
    # A new case's proposals within about 2 s, a registry change's within a tick plus the solve (piket/proposals.py).
    "refresh_proposals": (refresh_proposals, 1),
    "expire_holds": (expire_holds, 30),
    "acknowledgements": (acknowledgement.check, 30),  # accepted with no place held: remind, then page again
    "remind_holds": (remind_holds, 60),  # once per hold (dedupe keys); a late tick still reminds before expiry
    "duty_reminders": (rota_jobs.duty_reminders, 60),  # reminders the evening before, hand-overs at the change
    "report_gaps": (rota_jobs.report_gaps, 3600),  # after-hours gaps in the next 14 days, to the rota's owner
    "report_reminders": (reports.remind_due, 3600),  # open CoMensha reports, once a working day, to their owner
    "retention_purge": (retention.purge_due, 3600),  # closed cases' profiles after RETENTION_DAYS (piket/retention.py)
}
