"""GET /healthz for monitoring, GET /healthz/web for the load balancer: no login, no personal data,
never cached.

/healthz: 200 {"status": "ok"} when the database answers and at least one worker's heartbeat is
fresh (with "alive"/"expected" workers, and a "warning" when fewer than WORKERS_EXPECTED beat); 503
otherwise, "down" when the database does not answer, "degraded" when the worker is silent (then
nobody is paged). /healthz/web: whether this web host can serve, the database only; a silent
worker is no reason to take every web host out of the load balancer.
"""

import logging
import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from piket import heartbeat
from timeutil import utcnow

log = logging.getLogger(__name__)
bp = Blueprint("ops_health", __name__)


@bp.get("/healthz")
def healthz():
    database = _database()
    worker = _worker() if database["ok"] else {"ok": False, "reason": "unknown: the database does not answer"}
    status = "ok" if database["ok"] and worker["ok"] else "degraded" if database["ok"] else "down"
    return _answer({"status": status, "database": database, "worker": worker})


@bp.get("/healthz/web")
def healthz_web():
    database = _database()
    return _answer({"status": "ok" if database["ok"] else "down", "database": database})


def _answer(body):
    """200 only for "ok"; never cached, so a check sees now, not a proxy's copy."""
    response = jsonify(body)
    response.status_code = 200 if body["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _database() -> dict:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        db.session.commit()  # SQLite: end the transaction (and its write lock) at once
    except SQLAlchemyError as err:
        db.session.rollback()
        log.warning("healthz: database check failed: %s", err)
        # The class only: the driver's message names hosts and users, not for a public endpoint.
        return {"ok": False, "reason": f"the database does not answer ({type(err).__name__})"}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _worker() -> dict:
    stale = current_app.config["WORKER_STALE_SECONDS"]
    try:
        state = heartbeat.state(utcnow(), stale)
        db.session.commit()
    except SQLAlchemyError as err:
        db.session.rollback()
        log.warning("healthz: heartbeat check failed: %s", err)
        return {"ok": False, "reason": f"the heartbeat cannot be read ({type(err).__name__})"}
    body = {
        "ok": state["running"],
        "last_beat": state["beat_at"].isoformat() if state["beat_at"] else None,
        "age_s": state["age_s"],
        "stale_after_s": stale,
        # Per worker: how many beat, of how many expected (no host names or pids: /healthz is public).
        "alive": state["alive"],
        "expected": state["expected"],
    }
    if state["running"] and not state["enough"]:
        body["warning"] = f"{state['alive']} of {state['expected']} expected workers alive"
    if state["beat_at"] is None:
        body["reason"] = "the worker has never run: nobody is paged"
    elif not state["running"]:
        body["reason"] = f"no heartbeat for {state['age_s']} s (over {stale} s): nobody is paged"
    return body
