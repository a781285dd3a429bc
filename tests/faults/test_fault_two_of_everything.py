"""Fault: two of everything, and one of each killed.

Two gunicorn processes (gunicorn.conf.py) and two workers (`flask --app app worker`, the console
provider: each process prints what it sends, which is how this test sees the pages across
processes) against one PostgreSQL. Requests come in through both web processes' API; a night's
ladder runs: SMS and call to the primary, whose call reaches a voicemail (a signed status callback
says so), then SMS and call to the back-up, who answers JA by SMS through the signed webhook. In
the middle one web process and one worker are killed with SIGKILL. Afterwards: every request was
kept and paged, every page went out exactly once (by either worker), none late beyond a bound, and
every request was taken by the back-up. CI runs it with the clock a year ahead too."""

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from notify.models import NotificationAttempt
from piket import escalation
from piket.models import EscalationPolicy, PlacementRequest, WorkerHeartbeat
from tests.conftest import BACKUP, PRIMARY, case_body, wait_for
from timeutil import database_now

pytestmark = [pytest.mark.postgres_only, pytest.mark.real_clock]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "two-of-everything-twilio-token"
BASE = "https://piket.example.nl"  # what Twilio was given (PUBLIC_BASE_URL); the signatures are over it
# Minutes: SMS and call to the primary now, to the back-up after 18 s, the national piket after 90 s.
LADDER = [
    {"after": 0, "level": "primary", "channels": ["sms", "voice"]},
    {"after": 0.3, "level": "backup", "channels": ["sms", "voice"]},
    {"after": 1.5, "level": "national", "channels": ["sms", "voice"]},
    {"after": 60, "level": "exhausted"},
]
LATE = dt.timedelta(seconds=15)  # a page may leave at most this long after its step is due (a loaded CI machine)
MAN = {"gender": "male", "age": 40, "residence": "lawful", "exploitation": "labour"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The web processes and workers this test starts, each in its own session (killed as a group)."""

    def __init__(self, app, tmp_path):
        self.tmp, self.started = tmp_path, []
        self.env = dict(
            os.environ,
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            SECRET_KEY="test-secret",
            PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
            NOTIFY_PROVIDER="console",
            TWILIO_AUTH_TOKEN=TOKEN,
            PUBLIC_BASE_URL=BASE,
            NOTIFY_BUNDLE_MAX="1",  # each page its own SMS: counted per request
            NOTIFY_CALL_SPACING_S="0",
            WORKERS_EXPECTED="2",
            PYTHONUNBUFFERED="1",
        )

    def _start(self, name, args, **env):
        log = self.tmp / f"{name}.log"
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=open(log, "w"),  # noqa: SIM115 - the process's output, for its life
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        self.started.append(process)
        return process

    def web(self, name):
        port = _free_port()
        process = self._start(
            name,
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"],
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="1",
        )
        process.url = f"http://127.0.0.1:{port}"
        return process

    def worker(self, name):
        return self._start(name, [sys.executable, "-m", "flask", "--app", "app", "worker"])

    def kill(self, process):
        os.killpg(process.pid, signal.SIGKILL)  # no clean shutdown: the process is simply gone
        process.wait()

    def stop_all(self):
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def logs(self):
        return "\n".join(f"--- {p.log.name}\n{p.log.read_text()[-3000:]}" for p in self.started)


def _http(method, url, body=None, headers=None):
    data = body if body is None or isinstance(body, bytes) else body.encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError:
        return None, ""


def _up(web):
    return _http("GET", web.url + "/healthz/web")[0] == 200


def _new_case(web, token, reference):
    body = case_body(case_reference=reference, requests=[{"persons": [MAN]}], apart=[])
    status, text = _http(
        "POST",
        web.url + "/api/v1/placement-requests",
        json.dumps(body),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert status == 201, (status, text)
    return _request_ids(json.loads(text))


def _request_ids(answer):
    found = []

    def walk(value):
        if isinstance(value, dict):
            if "short_code" in value and "id" in value:
                found.append(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(answer)
    return found


def _signed(web, path, params):
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TOKEN).compute_signature(BASE + path, params)
    return _http(
        "POST",
        web.url + path,
        urllib.parse.urlencode(params),
        {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )


def _escalate_runs():
    """The fewest escalate runs of the workers that beat (each worker's heartbeat counts its job runs)."""
    db.session.rollback()
    rows = db.session.scalars(select(WorkerHeartbeat)).all()
    return min([(row.jobs or {}).get("escalate", {}).get("runs", 0) for row in rows] or [0])


def _attempts(request_id):
    db.session.rollback()
    return db.session.scalars(
        select(NotificationAttempt)
        .where(NotificationAttempt.request_id == request_id, NotificationAttempt.purpose.in_(("page", "page_call")))
        .order_by(NotificationAttempt.id)
    ).all()


def _paged(request_id, step, number):
    return sorted(
        a.channel
        for a in _attempts(request_id)
        if a.step == step and a.to_number == number and a.dispatched_at is not None
    )


def test_two_web_processes_and_two_workers_one_of_each_killed(app, duty, users, tokens, registry, tmp_path):
    region = registry["regions"]["rotterdam"]
    db.session.add(EscalationPolicy(region_id=region.id, after_hours=LADDER, office_hours=LADDER))
    db.session.commit()
    token = tokens["police"]
    run = Processes(app, tmp_path)
    try:
        web_a, web_b = run.web("web-a"), run.web("web-b")
        worker_1, worker_2 = run.worker("worker-1"), run.worker("worker-2")
        assert wait_for(lambda: _up(web_a) and _up(web_b), 90), run.logs()
        assert wait_for(
            lambda: all("listening for new requests" in w.log.read_text() for w in (worker_1, worker_2)), 90
        ), run.logs()
        assert wait_for(lambda: "2 actief" in app.test_cli_runner().invoke(args=["worker", "status"]).output, 30)
        assert wait_for(lambda: _escalate_runs() >= 2, 90), run.logs()  # the workers' first runs (imports) are over

        # Requests through both web processes.
        requests = []
        for k in range(4):
            requests += _new_case((web_a, web_b)[k % 2], token, f"TWEE-{k}")
        assert len(requests) == 4
        assert wait_for(lambda: all(_paged(r, 0, PRIMARY) == ["sms", "voice"] for r in requests), 30), run.logs()

        def voicemail(web, ids):
            """The primary's calls reach a voicemail: nobody heard the page (signed status callbacks)."""
            for r in ids:
                [call] = [a for a in _attempts(r) if a.step == 0 and a.channel == "voice"]
                answer = {"CallStatus": "completed", "AnsweredBy": "machine_end_beep", "Sid": call.provider_sid}
                answered = _signed(web, f"/webhooks/twilio/status/{call.id}", answer)
                assert answered[0] == 204, answered

        voicemail(web_a, requests[:2])
        voicemail(web_b, requests[2:])

        # One web process and one worker die, mid-night; more requests come in through the other.
        run.kill(web_a)
        run.kill(worker_1)
        requests += _new_case(web_b, token, "TWEE-NA-1")
        requests += _new_case(web_b, token, "TWEE-NA-2")
        assert len(requests) == 6
        assert wait_for(lambda: all(_paged(r, 0, PRIMARY) == ["sms", "voice"] for r in requests[4:]), 30), run.logs()
        voicemail(web_b, requests[4:])

        # The back-up is paged (step 1, after 18 s) and answers JA by SMS, through the web process that lives.
        assert wait_for(lambda: all(_paged(r, 1, BACKUP) == ["sms", "voice"] for r in requests), 90), run.logs()
        for r in requests:
            code = db.session.get(PlacementRequest, r).short_code
            form = {"From": BACKUP, "To": "+3197010000000", "Body": f"JA {code}", "MessageSid": f"SM{r:032d}"}
            assert _signed(web_b, "/webhooks/twilio/sms", form)[0] == 200, run.logs()

        def taken():
            db.session.rollback()
            rows = db.session.scalars(select(PlacementRequest).where(PlacementRequest.id.in_(requests))).all()
            return len(rows) == 6 and all(row.accepted_by_id == duty["people"]["backup"].id for row in rows)

        assert wait_for(taken, 30), run.logs()
        time.sleep(3)  # a few more ticks of the worker that lives: nothing is sent twice
        assert worker_2.poll() is None and web_b.poll() is None, run.logs()
        output = worker_1.log.read_text() + worker_2.log.read_text()
    finally:
        run.stop_all()

    db.session.rollback()
    for r in requests:
        request = db.session.get(PlacementRequest, r)
        attempts = _attempts(r)
        # Exactly the pages of steps 0 and 1, each sent once; the national piket was never paged.
        assert sorted((a.step, a.to_number, a.channel) for a in attempts) == [
            (0, PRIMARY, "sms"),
            (0, PRIMARY, "voice"),
            (1, BACKUP, "sms"),
            (1, BACKUP, "voice"),
        ], attempts
        for a in attempts:
            assert a.tries == 1 and a.dispatched_at is not None, a
            due = escalation.due_at(request, a.step)
            assert a.dispatched_at - due < LATE, (a, a.dispatched_at - due)
            # What the workers printed: each page exactly once, by one of them.
            if a.channel == "sms":  # a page queued with another to the same phone rides in that one's SMS
                carrier = a if a.bundled_into is None else db.session.get(NotificationAttempt, a.bundled_into)
                assert len(re.findall(rf"^\[sms\] \{carrier.to_number}: ", output, re.M)) >= 1
                assert output.count(a.body) == 1, (a.body, output)
            else:
                assert (
                    len(re.findall(rf"^\[call\] \{a.to_number} -> \S+/webhooks/twilio/voice/{a.id}$", output, re.M))
                    == 1
                )
        assert [a.status for a in attempts if a.step == 0 and a.channel == "voice"] == ["no_answer"]
    assert database_now() - db.session.get(PlacementRequest, requests[0]).created_at < dt.timedelta(minutes=5)
