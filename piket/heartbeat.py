"""The worker's heartbeat. Paging depends on the worker, so its silence must be visible: the admin
page, `flask --app app worker status` and /healthz read it here."""

import os
import socket

from sqlalchemy import select

from extensions import db
from piket.models import WorkerHeartbeat
from transactions import atomic

NAME = "worker"


def beat(now, started_at) -> int:
    """Record that this worker process is alive (one row, updated in place)."""
    with atomic():
        row = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.name == NAME))
        if row is None:
            row = WorkerHeartbeat(name=NAME)
            db.session.add(row)
        row.hostname, row.pid, row.started_at, row.beat_at = socket.gethostname()[:120], os.getpid(), started_at, now
    return 0  # nothing to log on every beat


def state(now, stale_seconds) -> dict:
    """{"running": bool, "beat_at", "age_s", "hostname", "pid", "started_at"}; never seen = not running."""
    row = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.name == NAME))
    if row is None:
        return {"running": False, "beat_at": None, "age_s": None, "hostname": None, "pid": None, "started_at": None}
    age = (now - row.beat_at).total_seconds()
    return {
        "running": age <= stale_seconds,
        "beat_at": row.beat_at,
        "age_s": round(age),
        "hostname": row.hostname,
        "pid": row.pid,
        "started_at": row.started_at,
    }
