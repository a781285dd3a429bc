"""Paging latency: from a committed request to the first provider call, with the real worker running.

    .venv/bin/python benchmarks/paging.py                 # SQLite in a temporary folder, about 30 s
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/piket_bench .venv/bin/python benchmarks/paging.py

Builds a fresh database with the migrations, one region with a coordinator on duty, starts
`flask --app app worker` (console provider) as a separate process, then commits 200 requests one
by one at a steady pace and waits until each has its first page sent. Latency per request: the
moment its transaction committed to the moment the worker called the provider for it
(`notification_attempts.dispatched_at`). Prints the median and 95th percentile (target: p95 < 2 s).
"""

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))
REQUESTS = int(os.environ.get("PAGING_REQUESTS", 200))


def utcnow():
    return dt.datetime.now(dt.UTC)


def main():
    from common import fresh_database

    fresh_database("piket-paging-")
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from accounts import service as accounts
    from accounts.roles import Role
    from app import create_app
    from beds.models import Region
    from extensions import db
    from notify.models import NotificationAttempt
    from piket import service
    from piket.rotas.models import Rota, RotaShift

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = utcnow()
        region = Region(code="bench", name="Benchmark", kind="care", lat=52.0, lon=5.0)
        db.session.add(region)
        db.session.commit()
        coordinator = accounts.create_user(
            now,
            email="piket@bench.nl",
            password="bench-password-1",
            role=Role.COORDINATOR,
            phone="+31610000001",
            region_codes=["bench"],
        )
        police = accounts.create_user(now, email="agent@bench.nl", password="bench-password-1", role=Role.POLICE)
        rota = Rota(region_id=region.id, level="primary", name="Benchmark primair", owner_id=coordinator.id)
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

        env = dict(os.environ, NOTIFY_PROVIDER="console", SECRET_KEY="bench")
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(4)  # the worker imports and starts its scheduler
            committed = {}
            body = {
                "case_reference": "BENCH",
                "callback_phone": "+31612345678",
                "found": {"region": "bench"},
                "requests": [
                    {"persons": [{"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}]}
                ],
            }
            fields = service.parse_case(body, police)
            db.session.rollback()
            started = time.perf_counter()
            for _ in range(REQUESTS):
                case, _ = service.create_case(utcnow(), fields, police)
                at = utcnow()  # create_case has committed
                committed[case.requests[0].id] = at
                db.session.rollback()  # SQLite: reading the id began a transaction; do not keep the lock
                time.sleep(random.uniform(0.02, 0.08))  # a steady, uneven trickle across the worker's ticks
            deadline = time.monotonic() + 60
            first = {}
            while time.monotonic() < deadline and len(first) < REQUESTS:
                db.session.rollback()
                first = dict(
                    db.session.execute(
                        select(NotificationAttempt.request_id, func.min(NotificationAttempt.dispatched_at))
                        .where(
                            NotificationAttempt.request_id.in_(committed),
                            NotificationAttempt.dispatched_at.is_not(None),
                        )
                        .group_by(NotificationAttempt.request_id)
                    ).all()
                )
                db.session.rollback()
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait()

    missing = REQUESTS - len(first)
    latencies = sorted((first[r] - committed[r]).total_seconds() for r in first)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    backend = "PostgreSQL" if os.environ["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(
        f"| {backend} | {REQUESTS} | {statistics.median(latencies):.2f} s | {p95:.2f} s | {max(latencies):.2f} s | "
        f"{missing} | {elapsed:.0f} s |"
    )
    if missing:
        sys.exit(f"{missing} requests were never paged")


if __name__ == "__main__":
    print("| database | requests | median | p95 | max | never paged | run |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    main()
