"""GET /metrics: Prometheus text format (prometheus-client), for the monitoring system only.

Not public: it answers only `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN set, or
with another (or no) token, it is 404, so it tells a stranger nothing, not even that it exists. A
login session is no key to it. No personal data: counts, ages and the workers' host names and pids.

Every series is computed at scrape time from the database, so any web host answers the same and a
dead worker cannot freeze its own figures. Each is one cheap query on an indexed column
(statuses, due times), a handful of rows at most per scrape.
"""

import datetime as dt
import hmac

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from beds.holds import HoldStatus
from beds.models import Hold
from extensions import db
from notify.models import RANK, NotificationAttempt
from piket.lifecycle import ESCALATING, RequestStatus
from piket.models import PlacementRequest, WorkerHeartbeat
from timeutil import local, utcnow

bp = Blueprint("ops_metrics", __name__)

LATE_AFTER_S = 5  # an escalation step still unrun this long after its minute is late (the worker ticks each 0.2 s)
HOLD_SOON_MINUTES = 15  # holds that expire within this many minutes


@bp.get("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN") or ""
    offered = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        abort(404)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Snapshot(utcnow(), current_app.config["WORKER_STALE_SECONDS"]))
    body = generate_latest(registry)
    db.session.commit()  # end the read transaction (SQLite: at once)
    response = Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


class Snapshot:
    """A prometheus-client collector that reads the database once per scrape."""

    def __init__(self, now, stale_seconds):
        self.now, self.stale_seconds = now, stale_seconds

    def collect(self):
        yield from outbox(self.now)
        yield from escalation(self.now)
        yield from requests_by_status()
        yield from workers(self.now, self.stale_seconds)
        yield from holds(self.now)


def _midnight(now) -> dt.datetime:
    """Today's local midnight, in UTC."""
    here = local(now)
    return here.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def _age(now, then) -> float:
    return max((now - then).total_seconds(), 0.0) if then is not None else 0.0


def outbox(now):
    oldest = db.session.scalar(
        select(func.min(NotificationAttempt.next_try_at)).where(
            NotificationAttempt.status == "pending", NotificationAttempt.next_try_at <= now
        )
    )
    lag = GaugeMetricFamily(
        "piket_outbox_lag_seconds", "Age of the oldest outbox message that is due and not sent (0: none waits)."
    )
    lag.add_metric([], _age(now, oldest))
    yield lag
    counts = dict(
        db.session.execute(select(NotificationAttempt.status, func.count()).group_by(NotificationAttempt.status)).all()
    )
    by_status = GaugeMetricFamily(
        "piket_outbox_messages", "Outbox messages (one per person, channel and page) by status.", labels=["status"]
    )
    for status in sorted(set(RANK) | set(counts)):
        by_status.add_metric([status], counts.get(status, 0))
    yield by_status
    tries = GaugeMetricFamily(
        "piket_outbox_attempts",
        "Provider tries made for the outbox's messages, by the message's status.",
        labels=["status"],
    )
    sums = dict(
        db.session.execute(
            select(NotificationAttempt.status, func.coalesce(func.sum(NotificationAttempt.tries), 0)).group_by(
                NotificationAttempt.status
            )
        ).all()
    )
    for status in sorted(set(RANK) | set(sums)):
        tries.add_metric([status], sums.get(status, 0))
    yield tries


def escalation(now):
    late_since = now - dt.timedelta(seconds=LATE_AFTER_S)
    count, oldest = db.session.execute(
        select(func.count(), func.min(PlacementRequest.next_action_at)).where(
            PlacementRequest.status.in_(ESCALATING), PlacementRequest.next_action_at <= late_since
        )
    ).one()
    late = GaugeMetricFamily(
        "piket_escalation_steps_late", f"Escalation steps due more than {LATE_AFTER_S} s ago and not run yet."
    )
    late.add_metric([], count)
    yield late
    lateness = GaugeMetricFamily(
        "piket_escalation_lateness_seconds", "How long the most overdue escalation step has been due (0: none late)."
    )
    lateness.add_metric([], _age(now, oldest) if count else 0.0)
    yield lateness


def requests_by_status():
    counts = dict(
        db.session.execute(select(PlacementRequest.status, func.count()).group_by(PlacementRequest.status)).all()
    )
    family = GaugeMetricFamily("piket_placement_requests", "Placement requests by status.", labels=["status"])
    for status in RequestStatus:
        family.add_metric([status.value], counts.get(status.value, 0))
    yield family
    exhausted = GaugeMetricFamily(
        "piket_placement_requests_exhausted", "Requests whose every escalation step went unanswered (alert on > 0)."
    )
    exhausted.add_metric([], counts.get(RequestStatus.EXHAUSTED.value, 0))
    yield exhausted


def workers(now, stale_seconds):
    rows = db.session.execute(
        select(WorkerHeartbeat.name, WorkerHeartbeat.hostname, WorkerHeartbeat.pid, WorkerHeartbeat.beat_at)
    ).all()
    age = GaugeMetricFamily(
        "piket_worker_heartbeat_age_seconds",
        "Seconds since each worker's last heartbeat.",
        labels=["worker", "host", "pid"],
    )
    alive = 0
    for name, host, pid, beat_at in rows:
        seconds = _age(now, beat_at)
        alive += seconds <= stale_seconds
        age.add_metric([name, host or "", str(pid or "")], seconds)
    yield age
    running = GaugeMetricFamily(
        "piket_workers_alive", f"Workers whose last heartbeat is at most WORKER_STALE_SECONDS ({stale_seconds} s) old."
    )
    running.add_metric([], alive)
    yield running


def holds(now):
    soon = db.session.scalar(
        select(func.count()).where(
            Hold.status == HoldStatus.HELD.value,
            Hold.expires_at <= now + dt.timedelta(minutes=HOLD_SOON_MINUTES),
        )
    )
    family = GaugeMetricFamily(
        "piket_holds_expiring", f"Held places whose hold ends within {HOLD_SOON_MINUTES} minutes (or is overdue)."
    )
    family.add_metric([], soon)
    yield family
    today = db.session.scalar(
        select(func.count()).where(Hold.status == HoldStatus.EXPIRED.value, Hold.ended_at >= _midnight(now))
    )
    expired = GaugeMetricFamily(
        "piket_holds_expired_today", "Holds that expired unconfirmed since midnight (Europe/Amsterdam)."
    )
    expired.add_metric([], today)
    yield expired
