"""Logs (ops/logs.py): one JSON object a line with time, level, logger, message and the request id;
the request id per web request, answered, carried into the outbox and logged when the worker sends;
no personal data in a night's log output."""

import datetime as dt
import io
import json
import logging
import re

import pytest
from sqlalchemy import select

from extensions import db
from notify.models import NotificationAttempt
from ops import logs
from tests.conftest import BACKUP, NATIONAL, PRIMARY, REQUESTER, case_body

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def captured():
    """What the app's log handler writes, in JSON, at DEBUG (more than production shows)."""
    stream = io.StringIO()
    out = logs.handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(out)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(out)
        root.setLevel(level)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_json_line_has_time_level_logger_message_and_the_request_id(app, client, captured):
    @app.get("/_log_probe")  # own route: see the marker below
    def probe():
        logging.getLogger("piket.probe").warning("probe %s", 7)
        return "ok"

    resp = client.get("/_log_probe")
    rid = resp.headers["X-Request-Id"]
    [line] = [entry for entry in lines(captured) if entry["logger"] == "piket.probe"]
    assert line["message"] == "probe 7" and line["level"] == "WARNING" and line["request_id"] == rid
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    logging.getLogger("piket.probe").info("outside a request")
    assert "request_id" not in lines(captured)[-1]


test_a_json_line_has_time_level_logger_message_and_the_request_id = pytest.mark.own_app(
    test_a_json_line_has_time_level_logger_message_and_the_request_id
)


def test_the_text_format_is_one_readable_line():
    stream = io.StringIO()
    log = logging.getLogger("piket.text_probe")
    log.addHandler(logs.handler("text", stream))
    log.propagate = False
    try:
        with logs.working_for("abc12345"):
            log.info("sent %s", 3)
    finally:
        log.propagate = True
        log.handlers.clear()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO piket\.text_probe sent 3 request_id=abc12345\n", stream.getvalue()
    )


def test_a_wrong_log_format_stops_the_start():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter("xml")


def test_every_answer_has_a_new_request_id_and_an_offered_one_is_ignored_without_a_proxy(client):
    first, second = client.get("/healthz/web"), client.get("/healthz/web", headers={"X-Request-Id": "mine-12345"})
    ids = {first.headers["X-Request-Id"], second.headers["X-Request-Id"]}
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_behind_a_trusted_proxy_a_sane_offered_id_is_kept(app, client):
    app.config["TRUST_PROXY"] = 1
    assert client.get("/healthz/web", headers={"X-Request-Id": "nginx-7f3a.22_x"}).headers["X-Request-Id"] == (
        "nginx-7f3a.22_x"
    )
    for insane in ("short", "x" * 65, "a b c d e f g h", "<script>alert(1)</script>"):
        got = client.get("/healthz/web", headers={"X-Request-Id": insane}).headers["X-Request-Id"]
        assert got != insane and re.fullmatch(r"[0-9a-f]{32}", got)


def test_the_request_id_goes_from_the_web_request_to_the_pages_and_the_worker_logs_it(
    duty, api, fake, tick, now, captured
):
    resp = api("police", "POST", "/api/v1/placement-requests", json=case_body())
    rid = resp.headers["X-Request-Id"]
    assert resp.status_code == 201
    tick(now)
    pages = db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.purpose.like("page%"))).all()
    assert pages and {p.web_request_id for p in pages} == {rid}
    sent = [e for e in lines(captured) if e["logger"] == "notify.service" and e["message"].endswith(" sent")]
    assert sent and {e["request_id"] for e in sent} == {rid}
    assert {int(e["message"].split()[1]) for e in sent} >= {p.id for p in pages if p.bundled_into is None}


def test_gunicorns_access_line_has_the_path_without_its_query_and_the_request_id():
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, logs.ACCESS_FORMAT, None, None)
    record.args = {
        "m": "GET",
        "U": "/api/v1/availability",
        "q": "gender=female&age=17&needs=pregnancy",
        "s": "200",
        "B": "512",
        "M": "12",
        "{x-request-id}o": "abcdef0123456789",
    }
    entry = json.loads(logs.formatter("json").format(record))
    assert entry["path"] == "/api/v1/availability" and entry["request_id"] == "abcdef0123456789"
    assert (entry["status"], entry["bytes"], entry["duration_ms"]) == (200, 512, 12)
    assert "pregnancy" not in json.dumps(entry) and "age=" not in json.dumps(entry)


def test_a_nights_log_holds_no_phone_number_case_reference_or_name(
    duty, api, fake, tick, now, signed_post, captured, client
):
    """A night: a request by the police, pages, no answer (call, back-up), the back-up says JA, a
    search with a profile in its query string; then every line written is scanned."""
    body = case_body(case_reference="BVH-2026-77123")
    resp = api("police", "POST", "/api/v1/placement-requests", json=body)
    assert resp.status_code == 201
    request_id = resp.json["requests"][0]["id"]
    for minute in (0, 5, 10):
        tick(now + minute * MIN)
    answer = signed_post(
        "/webhooks/twilio/sms", {"From": BACKUP, "Body": "JA", "MessageSid": "SMnight1", "To": "+3197010000000"}
    )
    assert answer.status_code == 200
    api("coordinator", "GET", f"/api/v1/placement-requests/{request_id}")
    api("police", "GET", "/api/v1/availability?near=rotterdam&gender=female&age=17&needs=pregnancy")
    failing = fake.fail_next  # a provider error on the way: its line must not name the number either
    from notify.providers import TransientError

    failing(TransientError("30003", "unreachable"))
    tick(now + 20 * MIN)
    written = captured.getvalue()
    assert "notification" in written  # the night did log
    people = [p for p in duty["people"].values()]
    numbers = [PRIMARY, BACKUP, NATIONAL, REQUESTER]
    forbidden = numbers + [n.replace("+31", "0") for n in numbers] + [n[3:] for n in numbers]
    forbidden += ["BVH-2026-77123", "PL1700", "pregnancy"] + [p.name for p in people] + [p.email for p in people]
    leaked = [word for word in forbidden if word in written]
    assert not leaked, leaked
