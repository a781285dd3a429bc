"""GET /healthz: no login, no personal data, never cached; 200 only when the database answers and the
worker's heartbeat is fresh, otherwise 503 saying why (and never a 500)."""

import datetime as dt
import time

import pytest

from piket import heartbeat


def get(client, path="/healthz"):
    resp = client.get(path)
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.is_json
    return resp


def test_ok_with_a_fresh_heartbeat_and_no_login(client, now):
    heartbeat.beat(now - dt.timedelta(seconds=8), now - dt.timedelta(hours=3))
    resp = get(client)  # anonymous: not redirected to /login
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["database"]["latency_ms"] >= 0
    assert body["worker"] == {
        "ok": True,
        "age_s": 8,
        "stale_after_s": 60,
        "last_beat": "2026-11-22T01:29:52+00:00",
        "alive": 1,
        "expected": 1,
    }
    assert set(body) == {"status", "database", "worker"}  # no host names, pids, users or requests


def test_stale_heartbeat_is_503_and_says_why(client, now):
    heartbeat.beat(now - dt.timedelta(seconds=300), now - dt.timedelta(hours=3))
    resp = get(client)
    assert resp.status_code == 503
    assert resp.json["status"] == "degraded" and resp.json["database"]["ok"] is True
    assert resp.json["worker"]["ok"] is False and resp.json["worker"]["age_s"] == 300
    assert "300 s" in resp.json["worker"]["reason"]


def test_heartbeat_at_the_limit_is_still_ok(app, client, now):
    heartbeat.beat(now - dt.timedelta(seconds=app.config["WORKER_STALE_SECONDS"]), now)
    assert get(client).status_code == 200


def test_worker_that_never_ran_is_503(client):
    resp = get(client)
    assert resp.status_code == 503
    assert resp.json["status"] == "degraded"
    assert resp.json["worker"]["last_beat"] is None and "never" in resp.json["worker"]["reason"]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/piket",  # nothing listens on port 1
        "sqlite:////nonexistent-piket-dir/piket.db",
    ],
)
def test_unreachable_database_is_503_down_quickly(app_for, url):
    client = app_for(url).test_client()
    started = time.monotonic()
    resp = get(client)
    assert time.monotonic() - started < 5
    assert resp.status_code == 503
    body = resp.json
    assert body["status"] == "down" and body["database"]["ok"] is False and body["worker"]["ok"] is False
    assert "does not answer" in body["database"]["reason"]
    assert "127.0.0.1" not in resp.get_data(as_text=True) and "nonexistent" not in resp.get_data(as_text=True)
    web = get(client, "/healthz/web")
    assert web.status_code == 503 and web.json["status"] == "down" and web.json["database"]["ok"] is False


@pytest.mark.parametrize("beat_age_s", [None, 300, 8])
def test_the_load_balancers_check_asks_only_whether_this_host_can_serve(client, now, beat_age_s):
    # A silent worker pages nobody (monitoring must alert on /healthz), but the web hosts still serve.
    if beat_age_s is not None:
        heartbeat.beat(now - dt.timedelta(seconds=beat_age_s), now - dt.timedelta(hours=3))
    resp = get(client, "/healthz/web")
    assert resp.status_code == 200 and resp.json["status"] == "ok" and set(resp.json) == {"status", "database"}
    assert get(client).status_code == (200 if beat_age_s == 8 else 503)
