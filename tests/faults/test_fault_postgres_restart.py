"""Fault: PostgreSQL restarts while the real worker runs.

A throw-away PostgreSQL cluster of our own (initdb on a free port; the shared server is never
touched), the schema built by the real migrations, the real worker (`flask --app app worker`,
console provider) as a subprocess; requests before, during and after a restart with the database
down for a few seconds. The worker lives on, its heartbeat resumes, and every request is paged
exactly once per step: nothing lost, nothing doubled, nothing skipped."""

import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from extensions import db
from notify.models import NotificationAttempt
from piket.models import EscalationPolicy, PlacementRequest, WorkerHeartbeat
from tests.conftest import BACKUP, PRIMARY, kinds, new_request, wait_for
from timeutil import database_now

pytestmark = [pytest.mark.postgres_only, pytest.mark.real_clock]

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DOWN_SECONDS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster in a temporary directory, run as the `postgres` OS user when we are root."""

    def __init__(self):
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.base = Path(tempfile.mkdtemp(prefix="piket-pg-fault-"))
        if self.as_owner:
            shutil.chown(self.base, "postgres", "postgres")
        self.data, self.log = self.base / "data", self.base / "server.log"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args):
        result = subprocess.run(
            self.as_owner + [str(PG_BIN / args[0]), *args[1:]], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout}\n{result.stderr}"

    def init(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self):
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self):
        if self.running():
            subprocess.run(
                self.as_owner + [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def cluster():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"no PostgreSQL server binaries in {PG_BIN} (set PG_BIN)")
    own = Cluster()
    try:
        own.init()
        own.start()
        yield own
    finally:
        own.remove()  # also when the test failed


@pytest.fixture
def now(cluster):
    """The real time on this cluster's clock (the workers' clock)."""
    from tests.conftest import database_clock

    return database_clock(cluster.url).replace(microsecond=0)


@pytest.fixture
def app(cluster):
    """This module's app: on the throw-away cluster, its schema built by `flask db upgrade`."""
    from app import create_app

    env = dict(os.environ, DATABASE_URL=cluster.url, SECRET_KEY="test-secret")
    built = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": cluster.url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def worker(app, cluster, tmp_path):
    """start() -> the real worker process, its output in tmp_path/worker.log; stopped afterwards."""
    started = []
    log_path = tmp_path / "worker.log"

    def start():
        env = dict(
            os.environ,
            DATABASE_URL=cluster.url,
            NOTIFY_PROVIDER="console",
            # Each page its own SMS and call, so the output can be counted per request and step.
            NOTIFY_CALL_SPACING_S="0",
            NOTIFY_BUNDLE_MAX="1",
            SECRET_KEY="test-secret",
            PYTHONUNBUFFERED="1",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker"],
            cwd=ROOT,
            env=env,
            stdout=open(log_path, "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    start.log = log_path
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _by_step(request_id):
    rows = db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.request_id == request_id)).all()
    return {step: sorted((a.channel, a.status) for a in rows if a.step == step) for step in {a.step for a in rows}}


def _beat_at():
    row = db.session.scalar(select(WorkerHeartbeat))
    return row.beat_at if row else None


FIRST = [("sms", "sent"), ("voice", "sent")]  # step 0: SMS and call to the primary
SECOND = [("sms", "sent")]  # step 1, 6 s later: SMS to the back-up


def test_the_worker_survives_a_database_restart_and_pages_each_step_once(app, cluster, registry, duty, users, worker):
    ladder = [
        {"after": 0, "level": "primary", "channels": ["sms", "voice"]},
        {"after": 0.1, "level": "backup", "channels": ["sms"]},
        {"after": 60, "level": "exhausted"},
    ]
    db.session.add(
        EscalationPolicy(region_id=registry["regions"]["rotterdam"].id, after_hours=ladder, office_hours=ladder)
    )
    db.session.commit()

    def create(n, label):
        ids = []
        for k in range(n):
            request = new_request(users, database_now(), case_reference=f"{label}-{k}")
            ids.append(request.id)
        db.session.commit()
        return ids

    before = create(3, "VOOR")
    process = worker()
    assert wait_for(lambda: all(_by_step(i).get(0) == FIRST for i in before)), worker.log.read_text()
    assert wait_for(lambda: _beat_at() is not None), worker.log.read_text()

    # The restart: our own connections go too; the back-up's step of the first requests falls due meanwhile.
    db.session.rollback()
    db.engine.dispose()
    cluster.stop("fast")
    down_at = time.monotonic()
    time.sleep(DOWN_SECONDS)
    assert process.poll() is None, worker.log.read_text()
    cluster.start()
    up = database_now()
    assert time.monotonic() - down_at >= DOWN_SECONDS

    after = create(3, "NA")
    everyone = before + after
    assert wait_for(lambda: all(_by_step(i) == {0: FIRST, 1: SECOND} for i in everyone), 60), worker.log.read_text()
    assert wait_for(lambda: _beat_at() > up, 30), "no heartbeat after the restart:\n" + worker.log.read_text()
    time.sleep(3)  # a few more ticks: nothing is sent twice
    db.session.rollback()

    output = worker.log.read_text()
    assert process.poll() is None, output  # the worker lived through it
    assert re.search(r"job \w+ failed", output), "the worker never saw the database go away:\n" + output
    for request_id in everyone:
        assert _by_step(request_id) == {0: FIRST, 1: SECOND}
        assert kinds(request_id) == ["received", "paged", "paged"]  # no step skipped, none twice
        request = db.session.get(PlacementRequest, request_id)
        assert (request.status, request.escalation_step) == ("paging", 2)
        code = request.short_code
        # What the console provider printed: each page exactly once.
        assert len(re.findall(rf"^\[sms\] \{PRIMARY}: .*aanvraag {code},", output, re.M)) == 1, output
        assert len(re.findall(rf"^\[sms\] \{BACKUP}: .*aanvraag {code},", output, re.M)) == 1, output
        [call] = [
            a
            for a in db.session.scalars(
                select(NotificationAttempt).where(
                    NotificationAttempt.request_id == request_id, NotificationAttempt.channel == "voice"
                )
            )
        ]
        assert len(re.findall(rf"^\[call\] \{PRIMARY} -> \S+/webhooks/twilio/voice/{call.id}$", output, re.M)) == 1
    # One provider send per message, except pages to one phone queued together: those went as one SMS
    # (notify: NOTIFY_BUNDLE_MAX), its parts marked bundled_into it.
    sends = db.session.scalar(
        select(func.count())
        .select_from(NotificationAttempt)
        .where(NotificationAttempt.request_id.in_(everyone), NotificationAttempt.bundled_into.is_(None))
    )
    assert len(re.findall(r"^\[(sms|call)\]", output, re.M)) == sends and len(everyone) < sends <= 3 * len(everyone)


def test_a_page_sent_just_before_the_database_goes_away_is_recorded_not_sent_again(app, cluster, duty, users, now):
    """The narrow window: the outbox claimed the SMS and the provider took it, then the database
    went down before the result was recorded. The worker waits for the database to come back and
    records the send; the claim never expires into a second SMS."""
    import threading

    from notify import service as notify
    from notify.providers import FakeProvider
    from piket import escalation

    class DatabaseGoesAway(FakeProvider):
        restarted = None

        def send_sms(self, to, body, status_callback):
            sid = super().send_sms(to, body, status_callback)
            if self.restarted is None:  # the first SMS: Twilio has it, and now the database stops
                cluster.stop("fast")
                self.restarted = threading.Timer(DOWN_SECONDS, cluster.start)
                self.restarted.start()
            return sid

    provider = DatabaseGoesAway()
    request = new_request(users, now)
    request_id = request.id
    db.session.commit()
    escalation.tick(now)
    try:
        notify.dispatch_due(now, provider, app.config["PUBLIC_BASE_URL"])
    finally:
        if provider.restarted is not None:
            provider.restarted.join()  # the cluster is up again before the test ends, also on failure
    db.session.rollback()
    assert provider.restarted is not None  # the database did go away mid-dispatch
    rows = db.session.scalars(
        select(NotificationAttempt).where(NotificationAttempt.request_id == request_id).order_by(NotificationAttempt.id)
    ).all()
    assert len(rows) >= 2 and [a.status for a in rows] == ["sent"] * len(rows)  # also the first, sent as the DB went
    later = now + notify.CLAIM + dt.timedelta(minutes=1)  # long after any claim would have expired
    assert notify.dispatch_due(later, provider, app.config["PUBLIC_BASE_URL"]) == 0
    assert [m["status_callback"] for m in provider.sent] == [
        f"{app.config['PUBLIC_BASE_URL']}/webhooks/twilio/status/{a.id}" for a in rows
    ]  # each once, in order
    assert [(a.tries, a.provider_sid, a.claimed_until) for a in rows] == [(1, m["sid"], None) for m in provider.sent]
