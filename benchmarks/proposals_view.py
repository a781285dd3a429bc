"""Proposals of a raid case, off the request path (issue 18; issue 15, finding 7 before it).

    .venv/bin/python benchmarks/proposals_view.py
    GROUPS=150 PER_GROUP=1 .venv/bin/python benchmarks/proposals_view.py   # issue 15's case: 150 single men

The demo registry; a raid case of 120 persons in 60 groups of two (women and men alternating, each
group kept apart from the next), made through the API. The worker's refresh_proposals job runs in a
thread every second, as the worker schedules it. Measured: the time from the case's creation to its
stored proposals (the worker path), the first view after that, and the median of repeated views
(the proposals API through the whole Flask stack). Then a registry change (one pool's availability):
the view's time while stale (the old answer, marked) and the time until the worker has the new one.
Before this change (RUN_BEFORE=1 on the old code) a view solved in the request itself.
"""

import datetime as dt
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))
GROUPS = int(os.environ.get("GROUPS") or 60)
PER_GROUP = int(os.environ.get("PER_GROUP") or 2)
VIEWS = 20


def main():
    from common import fresh_database

    fresh_database("piket-proposals-")
    from flask_migrate import upgrade

    from accounts import service as accounts
    from accounts.roles import Role
    from app import create_app
    from beds import demo as beds_demo
    from extensions import db

    app = create_app({"SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        beds_demo.load(now)
        police = accounts.create_user(now, email="agent@bench.nl", password="bench-password-1", role=Role.POLICE)
        admin = accounts.create_user(now, email="beheer@bench.nl", password="bench-password-1", role=Role.ADMIN)
        db.session.commit()
        police_token, admin_token = accounts.issue_token(now, police), accounts.issue_token(now, admin)
        db.session.commit()
    client = app.test_client()
    woman = {"gender": "female", "age": 28, "residence": "none", "exploitation": "sexual"}
    man = {"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}
    body = {
        "case_reference": "BENCH-RAID",
        "callback_phone": "+31612345678",
        "found": {"region": "rotterdam"},
        "urgency": "immediate",
        "threat": "low",
        "requests": [{"persons": [woman if i % 2 else man] * PER_GROUP} for i in range(GROUPS)],
        "apart": [[i, i + 1] for i in range(GROUPS - 1)],
    }
    admin_headers = {"Authorization": f"Bearer {admin_token}"}

    worker_path = _worker_path_available()
    stop = threading.Event()
    if worker_path:
        threading.Thread(target=_worker, args=(app, stop), daemon=True).start()
    created = time.perf_counter()
    resp = client.post("/api/v1/placement-requests", json=body, headers={"Authorization": f"Bearer {police_token}"})
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    rid = resp.json["requests"][0]["id"]
    url = f"/api/v1/placement-requests/{rid}/proposals"
    print(f"{GROUPS} groups × {PER_GROUP} = {GROUPS * PER_GROUP} persons, apart pairs {GROUPS - 1}")
    if worker_path:
        stored = _wait_stored(app, rid, created)
        print(f"created -> proposals stored by the worker: {stored:.2f} s")
    views = []
    for _ in range(VIEWS):
        start = time.perf_counter()
        resp = client.get(url, headers=admin_headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        views.append(time.perf_counter() - start)
    placed = sum(1 for e in resp.json["requests"].values() if e["proposal"])
    print(
        f"first view {views[0] * 1000:.0f} ms, median of {VIEWS} views {statistics.median(views) * 1000:.0f} ms "
        f"(status {resp.json['status']}, {placed} of {GROUPS} groups with a proposal)"
    )
    if worker_path:
        with app.app_context():
            from beds.models import BedPool

            pool = db.session.scalars(db.select(BedPool).where(BedPool.capacity > BedPool.occupied + 1)).first()
            pool.occupied += 1
            db.session.commit()
        changed = time.perf_counter()
        start = time.perf_counter()
        resp = client.get(url, headers=admin_headers)
        print(
            f"after a registry change: view {(time.perf_counter() - start) * 1000:.0f} ms (stale={resp.json['stale']})"
        )
        while client.get(url, headers=admin_headers).json["stale"]:
            time.sleep(0.05)
        print(f"registry change -> fresh proposals: {time.perf_counter() - changed:.2f} s")
    stop.set()


def _worker_path_available():
    try:
        from piket import jobs

        return hasattr(jobs, "refresh_proposals")
    except ImportError:
        return False


def _worker(app, stop):
    """The worker's refresh_proposals job, every second, as the scheduler runs it."""
    from extensions import db
    from piket import jobs
    from timeutil import utcnow

    while not stop.is_set():
        with app.app_context():
            try:
                jobs.refresh_proposals(utcnow())
            finally:
                db.session.remove()
        stop.wait(1.0)


def _wait_stored(app, rid, created):
    from extensions import db
    from piket.models import CaseProposals, PlacementRequest

    while True:
        with app.app_context():
            case_id = db.session.get(PlacementRequest, rid).case_id
            found = db.session.get(CaseProposals, case_id) is not None
            db.session.remove()
        if found:
            return time.perf_counter() - created
        time.sleep(0.02)


if __name__ == "__main__":
    main()
