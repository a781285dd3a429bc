"""The workers' heartbeats. Paging depends on the workers, so their silence must be visible: the
admin page, `flask --app app worker status` and /healthz read it here.

Each worker process beats in its own row (named by host and pid), with the jobs it ran, so one of
two workers dying shows. A dead worker's row stays listed (as dead) for FORGET_AFTER, then the next
beat of any worker purges it."""

import datetime as dt
import os
import socket

from flask import current_app
from sqlalchemy import delete, select

from extensions import db
from piket.models import WorkerHeartbeat
from transactions import atomic

FORGET_AFTER = dt.timedelta(hours=24)  # a dead worker is listed as dead this long after its last beat


def worker_name(hostname=None, pid=None) -> str:
    """This process's row: "host:pid" (40 characters at most; the host name is cut, never the pid)."""
    pid = os.getpid() if pid is None else pid
    host = (hostname or socket.gethostname())[: 39 - len(str(pid))]
    return f"{host}:{pid}"


def beat(now, started_at, name=None, jobs=None) -> int:
    """Record that this worker process is alive (its own row, updated in place), with the jobs it
    ran ({name: {"runs", "last_at"}}); forget workers silent for FORGET_AFTER."""
    name = name or worker_name()
    with atomic():
        row = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.name == name))
        if row is None:
            row = WorkerHeartbeat(name=name)
            db.session.add(row)
        row.hostname, row.pid, row.started_at, row.beat_at = socket.gethostname()[:120], os.getpid(), started_at, now
        if jobs is not None:
            row.jobs = jobs
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
    return 0  # nothing to log on every beat


def workers(now, stale_seconds) -> list[dict]:
    """Every worker seen within FORGET_AFTER, the most recent beat first:
    {"name", "hostname", "pid", "started_at", "beat_at", "age_s", "alive", "jobs"}."""
    rows = db.session.scalars(
        select(WorkerHeartbeat)
        .where(WorkerHeartbeat.beat_at >= now - FORGET_AFTER)
        .order_by(WorkerHeartbeat.beat_at.desc(), WorkerHeartbeat.id)
    ).all()
    out = []
    for row in rows:
        age = (now - row.beat_at).total_seconds()
        out.append(
            {
                "name": row.name,
                "hostname": row.hostname,
                "pid": row.pid,
                "started_at": row.started_at,
                "beat_at": row.beat_at,
                "age_s": round(age),
                "alive": age <= stale_seconds,
                "jobs": row.jobs or {},
            }
        )
    return out


def state(now, stale_seconds, expected=None) -> dict:
    """{"running": at least one worker alive, "alive": how many, "expected": WORKERS_EXPECTED,
    "enough": alive >= expected, "workers": workers(), and of the most recent beat: "beat_at",
    "age_s", "hostname", "pid", "started_at"}; never seen = not running."""
    if expected is None:
        expected = current_app.config.get("WORKERS_EXPECTED", 1)
    listed = workers(now, stale_seconds)
    alive = sum(1 for w in listed if w["alive"])
    latest = listed[0] if listed else {}
    return {
        "running": alive > 0,
        "alive": alive,
        "expected": expected,
        "enough": alive >= expected,
        "workers": listed,
        **{key: latest.get(key) for key in ("beat_at", "age_s", "hostname", "pid", "started_at")},
    }
