"""Two of everything and paging without polling: per-worker heartbeats, sending in parallel,
the database's clock, and (PostgreSQL) a NOTIFY that wakes the worker, with polling as fallback."""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from extensions import db
from notify import service as notify
from notify.models import NotificationAttempt
from notify.providers import FakeProvider
from piket import heartbeat
from piket.models import WorkerHeartbeat
from tests.conftest import PRIMARY, new_request, wait_for
from timeutil import database_now

ROOT = Path(__file__).resolve().parents[2]
S = dt.timedelta(seconds=1)


# --- heartbeats, one per worker -----------------------------------------------------------------------


def test_each_worker_beats_in_its_own_row_and_too_few_are_warned(app, client, login, users, now):
    app.config["WORKERS_EXPECTED"] = 2
    runner = app.test_cli_runner()
    heartbeat.beat(now - 5 * S, now - dt.timedelta(hours=1), name="web1:100", jobs={"escalate": {"runs": 7}})
    heartbeat.beat(now - 3 * S, now - dt.timedelta(hours=1), name="web2:200")
    assert db.session.scalar(select(db.func.count()).select_from(WorkerHeartbeat)) == 2
    result = runner.invoke(args=["worker", "status"])
    assert result.exit_code == 0, result.output
    assert "workers: 2 actief (verwacht: 2)" in result.output and "escalate 7×" in result.output

    heartbeat.beat(now - 5 * S, now - dt.timedelta(hours=1), name="web2:200")  # the same row, updated
    heartbeat.beat(now - dt.timedelta(minutes=5), now - dt.timedelta(hours=1), name="web1:100")  # web1 went silent
    result = runner.invoke(args=["worker", "status"])
    assert result.exit_code == 1
    assert "1 van de 2 verwachte workers actief" in result.output and re.search(r"DOOD\s+\S+ pid", result.output)

    login(users["admin"])
    page = client.get("/beheer/worker").get_data(as_text=True)
    assert 'data-running="yes"' in page and 'id="workers-missing"' in page and 'data-expected="2"' in page
    assert page.count('data-alive="no"') == 1 and page.count('data-alive="yes"') == 1
    health = client.get("/healthz").get_json()["worker"]
    assert (health["ok"], health["alive"], health["expected"]) == (True, 1, 2) and "warning" in health
    assert "web1" not in str(health)  # no host names on the public endpoint

    # A day later the dead worker is gone from the list (purged by a live worker's beat).
    later = now + heartbeat.FORGET_AFTER + dt.timedelta(minutes=10)
    heartbeat.beat(later, now, name="web2:200")
    assert [w["name"] for w in heartbeat.workers(later, 60)] == ["web2:200"]
    assert db.session.scalar(select(db.func.count()).select_from(WorkerHeartbeat)) == 1


def test_a_job_run_takes_the_database_clock_and_is_counted_for_the_heartbeat(app, monkeypatch):
    from piket import worker

    skewed = dt.datetime(2031, 5, 1, 12, 0, tzinfo=dt.UTC)  # whatever this host's clock says
    monkeypatch.setattr(worker, "database_now", lambda: skewed)
    seen, ran = [], {}
    worker.run_job(app, "probe", lambda now: seen.append(now), ran)
    worker.run_job(app, "probe", lambda now: seen.append(now), ran)
    assert seen == [skewed, skewed]
    assert ran == {"probe": {"runs": 2, "last_at": skewed.isoformat()}}


@pytest.mark.postgres_only
@pytest.mark.real_clock
def test_every_process_reads_the_database_clock(app):
    """utcnow() is this host's clock corrected by the measured distance to the database's, so hosts
    whose clocks differ agree (CI runs this a year ahead of the database server too)."""
    database = db.session.scalar(text("SELECT clock_timestamp()")).astimezone(dt.UTC)
    db.session.rollback()
    assert abs((database_now() - database).total_seconds()) < 2
    from timeutil import utcnow

    assert abs((utcnow() - database_now()).total_seconds()) < 2
    app.extensions["clock_offset"] = (time.monotonic(), dt.timedelta(hours=3))  # as if this host were 3 h behind
    assert (utcnow() - dt.datetime.now(dt.UTC)) > dt.timedelta(hours=2, minutes=59)


def test_an_unpinned_clock_is_the_databases_and_on_sqlite_the_hosts(app):
    """As under `make run` (SQLite, nothing pinned): utcnow() answers, and it is the host's own clock;
    on PostgreSQL it is the database's (the same host here)."""
    from timeutil import utcnow

    app.config["FROZEN_NOW"] = None
    app.extensions.pop("clock_offset", None)
    assert abs((utcnow() - database_now()).total_seconds()) < 1
    if db.engine.dialect.name != "postgresql":
        assert app.extensions["clock_offset"][1] == dt.timedelta(0)


# --- sending in parallel ------------------------------------------------------------------------------


class HangsOnOneNumber(FakeProvider):
    """A provider whose calls to one number hang until released (a provider having a bad moment)."""

    def __init__(self, number):
        super().__init__()
        self.number, self.release, self.at = number, threading.Event(), {}

    def send_sms(self, to, body, status_callback):
        if to == self.number:
            self.release.wait(30)
        self.at[to] = time.monotonic()
        return super().send_sms(to, body, status_callback)


def test_one_hanging_provider_call_delays_no_other_message(app, now):
    numbers = ["+31610000011", "+31610000012", "+31610000013", "+31610000014"]
    for k, number in enumerate(numbers):
        notify.enqueue(now, to=number, channel="sms", body=f"bericht {k}", purpose="duty_reminder")
    db.session.commit()
    provider = HangsOnOneNumber(numbers[0])  # the oldest message, first in line
    senders = notify.Senders(app, threads=2, clock=lambda: now)
    try:
        started = time.monotonic()
        assert notify.dispatch_due(now, provider, app.config["PUBLIC_BASE_URL"], senders=senders) == 4
        assert wait_for(lambda: set(provider.at) == set(numbers[1:]), 10), provider.at
        assert max(provider.at.values()) - started < 5  # not behind the hanging one
        # Asked again while it hangs: the hanging message is not handed over (nor claimed) twice.
        assert notify.dispatch_due(now, provider, app.config["PUBLIC_BASE_URL"], senders=senders) == 0
        provider.release.set()
        assert wait_for(senders.idle, 10)
    finally:
        provider.release.set()
        senders.shutdown()
    db.session.rollback()
    rows = db.session.scalars(select(NotificationAttempt).order_by(NotificationAttempt.id)).all()
    assert [(a.to_number, a.status, a.tries) for a in rows] == [(n, "sent", 1) for n in numbers]
    assert sorted(m["to"] for m in provider.sent) == sorted(numbers)  # each once


def test_the_claim_lease_is_explicit_and_covers_a_provider_call_and_its_recording(app, now):
    rules = notify.rules_from(app)
    assert rules.claim == notify.CLAIM == 30 * S
    assert app.config["TWILIO_TIMEOUT_S"] + sum(notify.RECORD_RETRY_WAITS) < rules.claim.total_seconds()
    attempt = notify.enqueue(now, to=PRIMARY, channel="sms", body="x", purpose="duty_reminder")
    db.session.commit()
    assert notify._claim(now, attempt.id, rules) is not None
    db.session.expire_all()
    assert db.session.get(NotificationAttempt, attempt.id).claimed_until == now + 30 * S
    # While the lease runs nobody else may send it; after it, another worker does (its sender died).
    assert notify._claim(now + 29 * S, attempt.id, rules) is None
    assert notify._claim(now + 31 * S, attempt.id, rules) is not None


# --- waking up ---------------------------------------------------------------------------------------


def test_the_pager_polls_when_nobody_listens_and_sleeps_until_the_next_due_moment_when_listening(app):
    from piket.worker import Pager

    class Listening:
        listening = True

    polling = Pager(app, lambda now: 0, {}, listener=None)
    assert polling.sleep_s() == app.config["ESCALATE_EVERY_S"] == 0.2
    lost = Listening()
    lost.listening = False
    assert Pager(app, lambda now: 0, {}, listener=lost).sleep_s() == 0.2  # the connection is lost: poll
    listening = Pager(app, lambda now: 0, {}, listener=Listening())
    assert listening.sleep_s() == app.config["WORKER_LISTEN_POLL_S"] == 5  # nothing due: the safety net
    with app.app_context():
        notify.enqueue(database_now() + 2 * S, to=PRIMARY, channel="sms", body="x", purpose="duty_reminder")
        db.session.commit()
    assert 1 < listening.sleep_s() <= 2.1  # until the message falls due


def test_a_new_request_wakes_the_workers_at_commit_on_postgresql(app, duty, users, now):
    statements = []
    from sqlalchemy import event

    listen = event.listens_for(db.engine, "before_cursor_execute")(
        lambda conn, cursor, statement, *args: statements.append(statement)
    )
    try:
        new_request(users, now)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    notified = any("pg_notify" in s for s in statements)
    assert notified == (db.engine.dialect.name == "postgresql")


def _start_worker(app, log_path, **settings):
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        NOTIFY_PROVIDER="console",
        SECRET_KEY="test-secret",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "w"),  # noqa: SIM115 - the worker's output, for the life of the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _escalate_runs():
    db.session.rollback()
    return max(
        [(row.jobs or {}).get("escalate", {}).get("runs", 0) for row in db.session.scalars(select(WorkerHeartbeat))]
        or [0]
    )


def _first_sms_sent(request_id):
    db.session.rollback()
    return db.session.scalar(
        select(NotificationAttempt.id).where(
            NotificationAttempt.request_id == request_id,
            NotificationAttempt.channel == "sms",
            NotificationAttempt.status == "sent",
        )
    )


@pytest.mark.postgres_only
@pytest.mark.real_clock
def test_notify_wakes_the_worker_and_a_lost_connection_falls_back_to_polling(app, duty, users, tmp_path):
    """The worker polls only every 60 s while it listens, so a page within seconds is the NOTIFY's
    doing. Its listening connection is then killed: it polls (every 0.5 s here) and listens again."""
    log = tmp_path / "worker.log"
    worker = _start_worker(app, log, WORKER_LISTEN_POLL_S="60", ESCALATE_EVERY_S="0.5")
    try:
        assert wait_for(lambda: "listening for new requests" in log.read_text(), 60), log.read_text()
        assert wait_for(lambda: _escalate_runs() >= 2, 90), log.read_text()  # its first runs (imports) are over
        request = new_request(users, database_now(), case_reference="WEK-1")
        db.session.commit()
        committed = time.monotonic()
        assert wait_for(lambda: _first_sms_sent(request.id), 20), log.read_text()
        assert time.monotonic() - committed < 10, log.read_text()  # woken, not the 60 s poll

        killed = db.session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": "piket-worker-listen"},
        )
        db.session.commit()
        assert killed == 1
        assert wait_for(lambda: "not listening any more" in log.read_text(), 20), log.read_text()
        request = new_request(users, database_now(), case_reference="WEK-2")
        db.session.commit()
        assert wait_for(lambda: _first_sms_sent(request.id), 20), log.read_text()  # polled or woken again
        assert wait_for(lambda: log.read_text().count("listening for new requests") == 2, 20), log.read_text()
        request = new_request(users, database_now(), case_reference="WEK-3")
        db.session.commit()
        committed = time.monotonic()
        assert wait_for(lambda: _first_sms_sent(request.id), 20), log.read_text()
        assert worker.poll() is None, log.read_text()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()
