"""The worker: its heartbeat and status, and a real restart in the middle of an escalation."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from piket import heartbeat
from piket.models import EscalationPolicy, PlacementRequest
from tests.conftest import PRIMARY, new_request, wait_for
from timeutil import database_now

ROOT = Path(__file__).resolve().parents[2]


def test_status_says_when_the_worker_is_down(app, now):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["worker", "status"])
    assert result.exit_code == 1 and "nooit gezien" in result.output and "niemand opgeroepen" in result.output
    heartbeat.beat(now - dt.timedelta(seconds=5), started_at=now - dt.timedelta(hours=1))
    result = runner.invoke(args=["worker", "status"])
    assert result.exit_code == 0 and "actief" in result.output and "5 s geleden" in result.output
    heartbeat.beat(now - dt.timedelta(minutes=5), started_at=now - dt.timedelta(hours=1))
    result = runner.invoke(args=["worker", "status"])
    assert result.exit_code == 1 and "draait niet" in result.output


def test_admin_page_and_banner_warn_when_the_worker_is_down(client, login, users, now):
    login(users["admin"])
    page = client.get("/beheer/worker").get_data(as_text=True)
    assert 'data-running="no"' in page and 'id="worker-down"' in page
    heartbeat.beat(now, started_at=now)
    page = client.get("/beheer/worker").get_data(as_text=True)
    assert 'data-running="yes"' in page and 'id="worker-down"' not in page


def test_a_tick_that_pages_sends_the_pages_in_the_same_job_run(app, duty, users, fake, now, caplog):
    """The escalate job, as the worker's scheduler runs it: step 0 pages the primary, and its SMS and
    call go to the provider in that same run, not at the dispatch job's next tick."""
    from piket import escalation
    from piket.worker import job_table, run_job

    jobs = job_table(app, now)
    assert jobs["escalate"][1] == app.config["ESCALATE_EVERY_S"] == 0.2  # a setting; 0.2 s by default
    new_request(users, now)
    db.session.commit()
    with caplog.at_level("INFO", logger="piket.worker"):
        run_job(app, "escalate", jobs["escalate"][0])
    assert sorted(m["kind"] for m in fake.sent if m["to"] == PRIMARY) == ["call", "sms"]
    assert "escalate: 1" in caplog.text  # the step that paged is counted
    new_request(users, now, case_reference="PL-2")
    assert escalation.tick(now) == 1  # step 0 paged; the next step is minutes away


def _start_worker(app, log_path):
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        NOTIFY_PROVIDER="console",
        SECRET_KEY="test-secret",
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _sent_by_step(request_id):
    from notify.models import NotificationAttempt

    rows = db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.request_id == request_id)).all()
    return {step: sorted(a.status for a in rows if a.step == step) for step in {a.step for a in rows}}


@pytest.mark.real_clock
def test_a_restart_in_the_middle_of_an_escalation_resumes_it_once(app, duty, users, registry, tmp_path):
    # A short ladder (in minutes): SMS to the primary now, SMS to the back-up after 15 s
    # (room for a slow start on a busy machine), exhausted much later.
    ladder = [
        {"after": 0, "level": "primary", "channels": ["sms"]},
        {"after": 0.25, "level": "backup", "channels": ["sms"]},
        {"after": 60, "level": "exhausted"},
    ]
    db.session.add(
        EscalationPolicy(region_id=registry["regions"]["rotterdam"].id, after_hours=ladder, office_hours=ladder)
    )
    db.session.commit()
    real_now = (
        database_now()
    )  # the workers' clock: the database's (a year behind this process's in CI's moved-clock run)
    request = new_request(users, real_now)
    request_id = request.id
    db.session.commit()
    first = _start_worker(app, tmp_path / "first.log")
    try:
        assert wait_for(lambda: _sent_by_step(request_id).get(0) == ["sent"]), (tmp_path / "first.log").read_text()
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # no clean shutdown: the process is simply gone
        first.wait()
    # The back-up's step falls due while no worker runs; nothing is sent meanwhile.
    time.sleep(max(0.0, (real_now + dt.timedelta(seconds=16) - database_now()).total_seconds()))
    assert "sent" not in _sent_by_step(request_id).get(1, [])  # at most queued by the worker that died
    db.session.rollback()
    second = _start_worker(app, tmp_path / "second.log")
    try:
        assert wait_for(lambda: _sent_by_step(request_id).get(1) == ["sent"]), (tmp_path / "second.log").read_text()
        time.sleep(2)  # a few more ticks: nothing is sent twice
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait()
    assert _sent_by_step(request_id) == {0: ["sent"], 1: ["sent"]}
    db.session.expire_all()
    request = db.session.get(PlacementRequest, request_id)
    assert request.status == "paging" and request.escalation_step == 2
