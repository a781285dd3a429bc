"""GET /metrics (ops/metrics.py): Prometheus text, only with METRICS_TOKEN, every listed series there,
and the values follow what happens."""

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from piket import heartbeat
from tests.conftest import hold_a_place, new_request

TOKEN = "scrape-secret-0123456789"
SERIES = {
    "piket_outbox_lag_seconds",
    "piket_outbox_messages",
    "piket_outbox_attempts",
    "piket_escalation_steps_late",
    "piket_escalation_lateness_seconds",
    "piket_placement_requests",
    "piket_placement_requests_exhausted",
    "piket_worker_heartbeat_age_seconds",
    "piket_workers_alive",
    "piket_holds_expiring",
    "piket_holds_expired_today",
}
SEC = dt.timedelta(seconds=1)


@pytest.fixture
def scrape(app, client):
    app.config["METRICS_TOKEN"] = TOKEN

    def get() -> dict:
        resp = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert resp.status_code == 200 and resp.mimetype == "text/plain"
        assert resp.headers["Cache-Control"] == "no-store"
        values = {}
        for family in text_string_to_metric_families(resp.get_data(as_text=True)):
            values[("family", family.name)] = family.type
            for sample in family.samples:
                values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return values

    return get


def value(values, name, **labels):
    return values[(name, tuple(sorted(labels.items())))]


def test_without_a_token_set_it_does_not_exist(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_only_its_own_token_opens_it(app, client, api, login, users):
    app.config["METRICS_TOKEN"] = TOKEN
    for header in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Metrics-Token": TOKEN}):
        assert client.get("/metrics", headers=header).status_code == 404
    assert api("admin", "GET", "/metrics").status_code == 404  # an API token is no key to it
    login(users["admin"])
    assert client.get("/metrics").status_code == 404  # nor is an admin's session


def test_every_series_is_there_on_an_empty_database(scrape):
    values = scrape()
    assert {name for kind, name in values if kind == "family"} == SERIES  # a worker's series: no sample until one beats
    assert value(values, "piket_outbox_lag_seconds") == 0 and value(values, "piket_workers_alive") == 0
    assert value(values, "piket_placement_requests", status="received") == 0


def test_the_values_follow_what_happens(scrape, duty, users, fake, tick, now, registry, app):
    heartbeat.beat(now - 8 * SEC, now - dt.timedelta(hours=1))
    request = new_request(users, now - 30 * SEC)  # its first step due 30 s ago: late
    values = scrape()
    assert value(values, "piket_placement_requests", status="received") == 1
    assert value(values, "piket_escalation_steps_late") == 1
    assert value(values, "piket_escalation_lateness_seconds") == 30
    assert value(values, "piket_workers_alive") == 1
    [(age_key, age)] = [(k, v) for k, v in values.items() if k[0] == "piket_worker_heartbeat_age_seconds"]
    assert age == 8 and dict(age_key[1])["worker"] == heartbeat.worker_name() and dict(age_key[1])["pid"]

    from piket import escalation

    escalation.tick(now)  # the step runs, its pages wait in the outbox since now
    app.config["FROZEN_NOW"] = now + 12 * SEC
    values = scrape()
    assert value(values, "piket_escalation_steps_late") == 0
    assert value(values, "piket_placement_requests", status="paging") == 1
    assert value(values, "piket_outbox_messages", status="pending") >= 2
    assert value(values, "piket_outbox_lag_seconds") == 12
    assert value(values, "piket_workers_alive") == 1

    tick(now + 12 * SEC)
    values = scrape()
    assert value(values, "piket_outbox_lag_seconds") == 0
    assert value(values, "piket_outbox_messages", status="pending") == 0
    assert value(values, "piket_outbox_messages", status="sent") >= 2
    assert value(values, "piket_outbox_attempts", status="sent") >= 2

    hold = hold_a_place(now, request.id, registry["shelters"]["rot-cosm"].pools[0], users["coordinator"])
    app.config["FROZEN_NOW"] = hold.expires_at - dt.timedelta(minutes=5)
    values = scrape()
    assert value(values, "piket_holds_expiring") == 1 and value(values, "piket_holds_expired_today") == 0
    assert value(values, "piket_workers_alive") == 0  # the heartbeat is over an hour old now


def test_an_exhausted_request_is_counted(scrape, users, now, registry):
    from piket import escalation
    from piket.lifecycle import RequestStatus

    request = new_request(users, now)  # nobody on duty: every step is skipped, the last one exhausts
    for minute in range(0, 61, 5):
        escalation.tick(now + dt.timedelta(minutes=minute))
    assert request.status == RequestStatus.EXHAUSTED
    assert value(scrape(), "piket_placement_requests_exhausted") == 1
