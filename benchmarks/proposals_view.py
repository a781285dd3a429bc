"""The proposals view for a case of 150 groups chained by apart_from pairs (issue 15, finding 7).

    .venv/bin/python benchmarks/proposals_view.py
    MATCH_VIEW_TIME_LIMIT_S=10 .venv/bin/python benchmarks/proposals_view.py   # as before: the full limit

The demo registry; a case of 150 single men, each kept apart from the next. The coordinator's
proposals (API, whole Flask stack) are asked for three times: the first solves, the others find
the same scenario in the view cache (unless the minute turned). Prints the seconds of each.
"""

import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))
GROUPS = 150


def main():
    from common import fresh_database

    fresh_database("piket-proposals-")
    from flask_migrate import upgrade

    from accounts import service as accounts
    from accounts.roles import Role
    from app import create_app
    from beds import demo as beds_demo
    from extensions import db

    overrides = {"SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    if os.environ.get("MATCH_VIEW_TIME_LIMIT_S"):
        overrides["MATCH_VIEW_TIME_LIMIT_S"] = float(os.environ["MATCH_VIEW_TIME_LIMIT_S"])
    app = create_app(overrides)
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
    man = {"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}
    body = {
        "case_reference": "BENCH-1",
        "callback_phone": "+31612345678",
        "found": {"region": "rotterdam"},
        "urgency": "immediate",
        "threat": "low",
        "requests": [{"persons": [man]} for _ in range(GROUPS)],
        "apart": [[i, i + 1] for i in range(GROUPS - 1)],
    }
    resp = client.post("/api/v1/placement-requests", json=body, headers={"Authorization": f"Bearer {police_token}"})
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    rid = resp.json["requests"][0]["id"]
    print(
        f"view limit {app.config.get('MATCH_VIEW_TIME_LIMIT_S', '-')} s, solver limit {app.config['MATCH_TIME_LIMIT_S']} s"
    )
    for run in range(3):
        start = time.perf_counter()
        resp = client.get(
            f"/api/v1/placement-requests/{rid}/proposals", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        print(f"view {run + 1}: {time.perf_counter() - start:.2f} s (status {resp.json.get('status')})")


if __name__ == "__main__":
    main()
