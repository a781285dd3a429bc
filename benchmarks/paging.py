"""Paging latency, measured at the provider call, with the real worker running.

    .venv/bin/python benchmarks/paging.py                 # SQLite in a temporary folder, about 2 minutes
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/piket_bench .venv/bin/python benchmarks/paging.py

Builds a fresh database with the migrations, a region with a coordinator on duty (the after-hours
ladder: SMS and a call at once), and starts the worker (`flask --app app worker`, one process, as in
production) with its provider wrapped so that every send and call is timestamped at the moment the
worker calls the provider. Then:

1. Latency: commits PAGING_REQUESTS (200) requests one by one, PAGING_PACE_S apart; per request, from
   the moment its transaction committed to the workers' first provider call for it. With one and
   with two workers (PAGING_WORKERS, "1,2"), PAGING_RUNS (3) runs each, started afresh and measured
   once they run steadily; prints the medians of the runs' p50 and p95 (target: p95 under 0.5 s).
   On PostgreSQL the workers are woken by LISTEN/NOTIFY; on SQLite they poll (ESCALATE_EVERY_S).
2. One case of 15 groups (a raid) in a second region: how many SMS and calls each paged person got
   for it (target: one SMS and one call per person).
"""

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))
REQUESTS = int(os.environ.get("PAGING_REQUESTS", 200))
# Seconds between two requests, drawn uniformly from this range: about 2.5 requests a second by
# default, far above a real night, yet each page is measured rather than a queue behind a full worker.
# "0.02,0.08" (about 16 a second) measures the worker's throughput instead.
PACE = tuple(float(x) for x in os.environ.get("PAGING_PACE_S", "0.2,0.6").split(","))
GROUPS = 15
WORKERS = tuple(int(x) for x in os.environ.get("PAGING_WORKERS", "1,2").split(","))  # worker processes per series
RUNS = int(os.environ.get("PAGING_RUNS", 3))  # runs per series; the table shows their medians
MAN = {"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}
PHONES = {"bench": "+31610000001", "raid": "+31610000002"}  # the coordinator on duty in each region


def utcnow():
    return dt.datetime.now(dt.UTC)


# --- the worker, in its own process ------------------------------------------------------------------


class TimedProvider:
    """The worker's provider, wrapped: each send and call is written to `path` (attempt id, kind, to,
    wall-clock time) just before the real provider is called."""

    def __init__(self, inner, path):
        self.inner, self.lock = inner, threading.Lock()
        self.out = open(path, "a", buffering=1)  # noqa: SIM115 - open for the worker's life

    def _stamp(self, kind, to, status_callback):
        at = time.time()
        with self.lock:  # the scheduler runs jobs in threads
            self.out.write(f"{status_callback.rsplit('/', 1)[-1]} {kind} {to} {at:.6f}\n")

    def send_sms(self, to, body, status_callback):
        self._stamp("sms", to, status_callback)
        return self.inner.send_sms(to, body, status_callback)

    def call(self, to, url, status_callback):
        self._stamp("call", to, status_callback)
        return self.inner.call(to, url, status_callback)


def run_worker(log_path):
    """`flask --app app worker`, with the app's provider wrapped (runs until terminated)."""
    from app import create_app
    from notify.service import provider_for
    from piket.worker import worker_command

    app = create_app()
    app.extensions["notify_provider"] = TimedProvider(provider_for(app), log_path)
    with app.app_context():
        worker_command.main(args=[], standalone_mode=False)


def read_log(path):
    """[(attempt_id, kind, to, time)] in the order the worker called the provider."""
    rows = []
    for line in Path(path).read_text().splitlines():
        attempt_id, kind, to, at = line.split()
        rows.append((int(attempt_id), kind, to, float(at)))
    return rows


# --- the run ------------------------------------------------------------------------------------------


def setup(now):
    """Two regions (the latency run's and the raid's), each with a coordinator on duty and the
    after-hours ladder at any hour, and a police account. Returns the police user."""
    from accounts import service as accounts
    from accounts.roles import Role
    from beds.models import Region
    from extensions import db
    from piket import escalation
    from piket.models import EscalationPolicy
    from piket.rotas.models import Rota, RotaShift

    police = accounts.create_user(now, email="agent@bench.nl", password="bench-password-1", role=Role.POLICE)
    for code, phone in PHONES.items():
        region = Region(code=code, name=code.title(), kind="care", lat=52.0, lon=5.0)
        db.session.add(region)
        db.session.flush()
        db.session.add(
            EscalationPolicy(
                region_id=region.id, after_hours=escalation.AFTER_HOURS, office_hours=escalation.AFTER_HOURS
            )
        )
        db.session.commit()
        coordinator = accounts.create_user(
            now,
            email=f"piket-{code}@bench.nl",
            password="bench-password-1",
            role=Role.COORDINATOR,
            phone=phone,
            region_codes=[code],
        )
        rota = Rota(region_id=region.id, level="primary", name=f"{code} primair", owner_id=coordinator.id)
        db.session.add(rota)
        db.session.commit()
        db.session.add(
            RotaShift(
                rota_id=rota.id,
                user_id=coordinator.id,
                start=now - dt.timedelta(hours=1),
                end=now + dt.timedelta(hours=2),
                source="manual",
                created_at=now,
            )
        )
        db.session.commit()
    police = db.session.get(type(police), police.id)
    db.session.rollback()
    return police


def requests_of_attempt():
    """{attempt id: the requests its provider call was about}: its own, and those of the pages that
    rode in its SMS (pages to one phone queued together go as one SMS: notify's bundled_into)."""
    from sqlalchemy import select

    from extensions import db
    from notify.models import NotificationAttempt

    carried = {}
    for attempt_id, request_id, carrier in db.session.execute(
        select(NotificationAttempt.id, NotificationAttempt.request_id, NotificationAttempt.bundled_into)
    ):
        carried.setdefault(carrier or attempt_id, []).append(request_id)
    db.session.rollback()
    return carried


def wait_until(predicate, seconds):
    from extensions import db

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = predicate()
        db.session.rollback()  # SQLite: hold no read transaction while the worker writes
        if done:
            return True
        time.sleep(0.2)
    return False


def latency_run(police, log_path):
    """{request id: seconds from commit to its first provider call}, and the number never paged."""
    from extensions import db
    from piket import service

    fields = service.parse_case(
        {"case_reference": "BENCH", "callback_phone": "+31612345678", "found": {"region": "bench"},
         "requests": [{"persons": [MAN]}]},
        police,
    )  # fmt: skip
    db.session.rollback()
    committed = {}
    for _ in range(REQUESTS):
        case, _ = service.create_case(utcnow(), fields, police)
        at = time.time()  # create_case has committed
        committed[case.requests[0].id] = at
        db.session.rollback()  # SQLite: reading the id began a transaction; do not keep the lock
        time.sleep(random.uniform(*PACE))  # a steady, uneven trickle across the worker's ticks

    def first_calls():
        carried = requests_of_attempt()
        first = {}
        for attempt_id, _kind, _to, at in read_log(log_path):
            for request_id in carried.get(attempt_id, []):
                if request_id in committed and request_id not in first:
                    first[request_id] = at
        return first

    wait_until(lambda: len(first_calls()) == REQUESTS, 60)
    first, ticks = first_calls(), tick_starts(committed)
    latencies = {r: first[r] - committed[r] for r in first}
    # Where the time goes: waiting for the escalate job to start, then its run up to the provider call.
    waits = {r: ticks[r] - committed[r] for r in first if r in ticks}
    return latencies, waits, REQUESTS - len(first)


def tick_starts(committed):
    """{request id: when the escalate job that paged it started} (its attempts' created_at is the job's now)."""
    from sqlalchemy import func, select

    from extensions import db
    from notify.models import NotificationAttempt

    rows = db.session.execute(
        select(NotificationAttempt.request_id, func.min(NotificationAttempt.created_at))
        .where(NotificationAttempt.request_id.in_(committed))
        .group_by(NotificationAttempt.request_id)
    ).all()
    db.session.rollback()
    return {r: (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp() for r, at in rows}


def raid_run(police, log_path):
    """One case of GROUPS groups in the raid region: {person's phone: Counter(sms=…, call=…)}."""
    from sqlalchemy import func, select

    from extensions import db
    from notify.models import NotificationAttempt
    from piket import service

    body = {
        "case_reference": "BENCH-RAID",
        "callback_phone": "+31612345678",
        "found": {"region": "raid"},
        "requests": [{"persons": [MAN]} for _ in range(GROUPS)],
    }
    fields = service.parse_case(body, police)
    db.session.rollback()
    case, _ = service.create_case(utcnow(), fields, police)
    request_ids = [r.id for r in case.requests]
    db.session.rollback()

    def settled():
        from piket.models import PlacementRequest

        stepped = db.session.scalar(
            select(func.count())
            .select_from(PlacementRequest)
            .where(PlacementRequest.id.in_(request_ids), PlacementRequest.escalation_step >= 1)
        )
        pending = db.session.scalar(
            select(func.count())
            .select_from(NotificationAttempt)
            .where(NotificationAttempt.request_id.in_(request_ids), NotificationAttempt.status == "pending")
        )
        return stepped == GROUPS and pending == 0

    wait_until(settled, 30)
    time.sleep(2)  # pages bundled into one message may leave a moment later
    carried, counts = requests_of_attempt(), {}
    for attempt_id, kind, to, _at in read_log(log_path):
        if set(carried.get(attempt_id, [])) & set(request_ids):  # its pages, not hand-over or gap messages
            counts.setdefault(to, Counter())[kind] += 1
    return counts


def percentile(sorted_values, p):
    """Nearest rank."""
    return sorted_values[max(0, -(-len(sorted_values) * p // 100) - 1)]


def start_workers(count, log_path, instance):
    """`count` worker processes; returns them once each has beaten and run its escalate job a few
    times (imports and the first run of every job are over: the steady state is measured)."""
    from sqlalchemy import select

    from extensions import db
    from piket.models import WorkerHeartbeat

    before = set(db.session.scalars(select(WorkerHeartbeat.name)))
    db.session.rollback()
    env = dict(os.environ, NOTIFY_PROVIDER="console", SECRET_KEY="bench")
    workers = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(log_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(instance / f"worker-{time.time():.0f}-{k}.log", "w"),  # noqa: SIM115 - for the worker's life
        )
        for k in range(count)
    ]

    def ready():
        rows = [r for r in db.session.scalars(select(WorkerHeartbeat)) if r.name not in before and r.pid in pids]
        return len(rows) == count and all((r.jobs or {}).get("escalate", {}).get("runs", 0) >= 3 for r in rows)

    pids = {w.pid for w in workers}
    if not wait_until(ready, 60):
        stop_workers(workers)
        sys.exit("the workers did not start")
    time.sleep(1)
    return workers


def stop_workers(workers):
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait()


def main():
    from common import fresh_database

    instance = fresh_database("piket-paging-")
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SECRET_KEY": "bench"})
    log_path = instance / "provider-calls.log"
    log_path.touch()
    results = {}  # workers: [(p50, p95, max, missing, elapsed, wait p50, wait p95)] per run
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        police = setup(utcnow())
        for count in WORKERS:
            for _ in range(RUNS):
                workers = start_workers(count, log_path, instance)
                try:
                    started = time.perf_counter()
                    latencies, waits, missing = latency_run(police, log_path)
                    elapsed = time.perf_counter() - started
                finally:
                    stop_workers(workers)
                values, wait_values = sorted(latencies.values()), sorted(waits.values())
                results.setdefault(count, []).append(
                    (
                        statistics.median(values),
                        percentile(values, 95),
                        values[-1],
                        missing,
                        elapsed,
                        statistics.median(wait_values),
                        percentile(wait_values, 95),
                    )
                )
                print(f"{count} worker(s): p50 {values[len(values) // 2]:.3f} s, p95 {percentile(values, 95):.3f} s")
        workers = start_workers(1, log_path, instance)
        try:
            raid = raid_run(police, log_path)
        finally:
            stop_workers(workers)
        listening = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres")

    backend = "PostgreSQL" if os.environ["DATABASE_URL"].startswith("postgres") else "SQLite"
    how = "woken by LISTEN/NOTIFY" if listening else f"polling every {app.config['ESCALATE_EVERY_S']} s"
    print(f"\nRequest committed → first provider call ({how}; medians of {RUNS} runs):")
    print(
        "| database | workers | requests, seconds apart | p50 | p95 | max | never paged | of which waiting to start (p50/p95) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    missing_total = 0
    for count, runs in results.items():
        med = [statistics.median(column) for column in zip(*runs, strict=True)]
        missing_total += sum(run[3] for run in runs)
        print(
            f"| {backend} | {count} | {REQUESTS}, {PACE[0]}–{PACE[1]} s | {med[0]:.2f} s | {med[1]:.2f} s | "
            f"{med[2]:.2f} s | {sum(run[3] for run in runs)} | {med[5]:.2f} s / {med[6]:.2f} s |"
        )
    print(f"\nOne case of {GROUPS} groups → what each paged person got (target: 1 SMS and 1 call):")
    print("| database | persons paged | SMS per person | calls per person |")
    print("| --- | --- | --- | --- |")
    sms = sorted({c["sms"] for c in raid.values()}) or [0]
    calls = sorted({c["call"] for c in raid.values()}) or [0]
    print(f"| {backend} | {len(raid)} | {'/'.join(map(str, sms))} | {'/'.join(map(str, calls))} |")
    if missing_total:
        sys.exit(f"{missing_total} requests were never paged")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        run_worker(sys.argv[2])
    else:
        main()
