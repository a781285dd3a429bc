"""Status callbacks: signed with the real RequestValidator; a bad or missing signature is refused
before anything changes; the public base URL is what is signed, also behind a proxy."""

import logging

import pytest

from tests.conftest import twilio_signature
from tests.notify.conftest import load

TO = "+31612345678"


@pytest.fixture
def sent(app, queue, fake, now):
    """A sent SMS and a sent call; their attempt ids."""
    from notify import service

    ids = {"sms": queue(channel="sms"), "voice": queue(channel="voice")}
    service.dispatch_due(now, fake, app.config["PUBLIC_BASE_URL"])
    return ids


def test_a_signed_callback_applies_the_status(signed_post, sent):
    resp = signed_post(
        f"/webhooks/twilio/status/{sent['sms']}", {"MessageSid": "SM1", "MessageStatus": "delivered", "To": TO}
    )
    assert resp.status_code == 204 and resp.get_data() == b""
    assert load(sent["sms"]).status == "delivered"


def test_call_callbacks_with_answering_machine_detection(signed_post, sent):
    path = f"/webhooks/twilio/status/{sent['voice']}"
    assert signed_post(path, {"CallSid": "CA1", "CallStatus": "ringing"}).status_code == 204
    assert load(sent["voice"]).status == "sent"
    assert (
        signed_post(path, {"CallSid": "CA1", "CallStatus": "completed", "AnsweredBy": "machine_end_beep"}).status_code
        == 204
    )
    assert load(sent["voice"]).status == "no_answer"


def test_duplicates_and_late_callbacks_change_nothing(signed_post, sent):
    path = f"/webhooks/twilio/status/{sent['sms']}"
    for status in ("delivered", "delivered", "sent", "queued", "undelivered"):
        assert signed_post(path, {"MessageStatus": status}).status_code == 204
    assert load(sent["sms"]).status == "delivered"


def test_a_failure_keeps_its_error_code(signed_post, sent):
    signed_post(f"/webhooks/twilio/status/{sent['sms']}", {"MessageStatus": "undelivered", "ErrorCode": "30003"})
    attempt = load(sent["sms"])
    assert (attempt.status, attempt.last_error_code) == ("undelivered", "30003")


def test_an_unknown_attempt_is_answered_so_twilio_stops_retrying(signed_post):
    assert signed_post("/webhooks/twilio/status/424242", {"MessageStatus": "delivered"}).status_code == 204


def test_a_bad_signature_is_refused_and_changes_nothing(app, client, signed_post, sent, caplog):
    path = f"/webhooks/twilio/status/{sent['sms']}"
    params = {"MessageStatus": "delivered", "To": TO, "Body": "geheim"}
    signature = twilio_signature(app, path, params)
    caplog.set_level(logging.WARNING, logger="notify.signature")
    tampered = client.post(path, data={**params, "MessageStatus": "failed"}, headers={"X-Twilio-Signature": signature})
    missing = client.post(path, data=params)
    wrong_key = client.post(path, data=params, headers={"X-Twilio-Signature": signature[:-4] + "AAA="})
    for resp in (tampered, missing, wrong_key):
        assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"
    assert load(sent["sms"]).status == "sent"
    # Logged with path and address, never the body or a phone number.
    assert len(caplog.records) == 3 and path in caplog.text and "127.0.0.1" in caplog.text
    assert TO not in caplog.text and "geheim" not in caplog.text


def test_without_an_auth_token_every_callback_is_refused(app, client, sent):
    from twilio.request_validator import RequestValidator

    app.config["TWILIO_AUTH_TOKEN"] = ""
    path = f"/webhooks/twilio/status/{sent['sms']}"
    params = {"MessageStatus": "delivered"}
    for token in ("", "guess"):
        signature = RequestValidator(token).compute_signature(app.config["PUBLIC_BASE_URL"] + path, params)
        assert client.post(path, data=params, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert load(sent["sms"]).status == "sent"


def test_behind_a_proxy_the_public_url_is_what_counts(app, client, signed_post, sent):
    """Twilio signs https://piket.example.nl/...; the request reaches us as http://10.0.0.5:8000/..."""
    app.config["PUBLIC_BASE_URL"] = "https://piket.example.nl"
    path = f"/webhooks/twilio/status/{sent['sms']}"
    params = {"MessageStatus": "delivered"}
    internal = client.post(
        path,
        data=params,
        base_url="http://10.0.0.5:8000",
        headers={"X-Twilio-Signature": twilio_signature_for(app, "http://10.0.0.5:8000" + path, params)},
    )
    assert internal.status_code == 403  # signed for the address Twilio did not call
    resp = signed_post(path, params, base_url="http://10.0.0.5:8000")
    assert resp.status_code == 204 and load(sent["sms"]).status == "delivered"


def test_the_query_string_is_part_of_the_signature(app, client, signed_post, sent):
    path = f"/webhooks/twilio/status/{sent['sms']}"
    assert signed_post(path + "?bron=test", {"MessageStatus": "sent"}).status_code == 204
    signature = twilio_signature(app, path, {"MessageStatus": "delivered"})  # signed without the query
    assert (
        client.post(
            path + "?bron=test", data={"MessageStatus": "delivered"}, headers={"X-Twilio-Signature": signature}
        ).status_code
        == 403
    )


def test_webhooks_need_no_csrf_token_and_no_login(app, signed_post, sent):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    assert signed_post(f"/webhooks/twilio/status/{sent['sms']}", {"MessageStatus": "delivered"}).status_code == 204


def twilio_signature_for(app, url, params):
    from twilio.request_validator import RequestValidator

    return RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
