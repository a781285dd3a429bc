"""Providers: the real Twilio client over a fake HTTP client (exact form data, sids, error
translation), the console and fake providers, and choosing one from the settings."""

import io
import re
import threading
import time

import pytest
import requests

from notify.providers import (
    ConsoleProvider,
    FakeProvider,
    OptedOut,
    PermanentError,
    TransientError,
    TwilioProvider,
    make_provider,
)
from tests.notify.conftest import ACCOUNT, FROM

TO = "+31612345678"
STATUS = "https://piket.example.nl/webhooks/twilio/status/7"


def test_twilio_sms_sends_exactly_this_form(twilio, http):
    http.answer(201, {"sid": "SM" + "a" * 32, "status": "queued"})
    sid = twilio.send_sms(TO, "Piket: aanvraag K7Q2", STATUS)
    assert sid == "SM" + "a" * 32
    [req] = http.requests
    assert req["method"] == "POST"
    assert req["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert req["auth"] == (ACCOUNT, "secret-token")
    assert req["data"] == {"To": TO, "From": FROM, "Body": "Piket: aanvraag K7Q2", "StatusCallback": STATUS}


def test_twilio_call_sends_exactly_this_form(twilio, http):
    http.answer(201, {"sid": "CA" + "b" * 32, "status": "queued"})
    sid = twilio.call(TO, "https://piket.example.nl/webhooks/twilio/voice/7", STATUS)
    assert sid == "CA" + "b" * 32
    [req] = http.requests
    assert req["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert req["data"] == {
        "To": TO,
        "From": FROM,
        "Url": "https://piket.example.nl/webhooks/twilio/voice/7",
        "StatusCallback": STATUS,
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "MachineDetection": "Enable",
        "Timeout": 25,
    }


@pytest.mark.parametrize(
    "status,body,error,code",
    [
        (
            400,
            {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
            PermanentError,
            "21211",
        ),
        (
            400,
            {"code": 21614, "message": "'To' number is not a valid mobile number", "status": 400},
            PermanentError,
            "21614",
        ),
        (
            400,
            {"code": 21217, "message": "Phone number does not appear to be valid", "status": 400},
            PermanentError,
            "21217",
        ),
        (
            400,
            {"code": 21407, "message": "This Phone Number type does not support SMS", "status": 400},
            PermanentError,
            "21407",
        ),
        (
            400,
            {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
            OptedOut,
            "21610",
        ),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, TransientError, "20429"),
        (500, {"code": 20500, "message": "Internal Server Error", "status": 500}, TransientError, "20500"),
        (503, None, TransientError, "503"),  # no JSON at all
    ],
)
def test_twilio_errors_are_translated(twilio, http, status, body, error, code):
    http.answer(status, body)
    with pytest.raises(error) as raised:
        twilio.send_sms(TO, "x", STATUS)
    assert type(raised.value) is error and raised.value.code == code


def test_an_opt_out_is_permanent():
    assert issubclass(OptedOut, PermanentError) and not issubclass(PermanentError, TransientError)


@pytest.mark.parametrize(
    "exc,code",
    [
        (requests.exceptions.ReadTimeout("read timed out"), "timeout"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "timeout"),
        (requests.exceptions.ConnectionError("refused"), "connection"),
        (TimeoutError(), "timeout"),
    ],
)
def test_network_failures_are_transient(twilio, http, exc, code):
    http.answer(exc)
    with pytest.raises(TransientError) as raised:
        twilio.call(TO, "https://piket.example.nl/webhooks/twilio/voice/7", STATUS)
    assert raised.value.code == code


def test_twilio_without_our_http_client_has_a_timeout():
    provider = TwilioProvider(ACCOUNT, "secret-token", FROM, timeout=7)  # builds a client, sends nothing
    assert provider.client.http_client.timeout == 7


def test_console_prints_one_line_per_message():
    out = io.StringIO()
    console = ConsoleProvider(stream=out)
    one = console.send_sms(TO, "Piket: aanvraag K7Q2", STATUS)
    two = console.call(TO, "http://127.0.0.1:5000/webhooks/twilio/voice/3", STATUS)
    assert out.getvalue().splitlines() == [
        f"[sms] {TO}: Piket: aanvraag K7Q2",
        f"[call] {TO} -> http://127.0.0.1:5000/webhooks/twilio/voice/3",
    ]
    assert one.startswith("console-") and two.startswith("console-") and one != two
    assert [m["kind"] for m in console.sent] == ["sms", "call"]


class _SlowStream(io.StringIO):
    """A stream that lets other threads run between any two writes, as a pipe or file under load does."""

    def write(self, text):
        time.sleep(0.0005)
        return super().write(text)


def test_console_lines_from_parallel_senders_stay_whole():
    """The worker sends from several threads at once (notify.Senders): every message is a line of its own."""
    out = _SlowStream()
    console = ConsoleProvider(stream=out)

    def send(k):
        for n in range(20):
            if n % 2:
                console.call(TO, f"http://127.0.0.1:5000/webhooks/twilio/voice/{k * 100 + n}", STATUS)
            else:
                console.send_sms(TO, f"Piket: aanvraag {k}-{n}", STATUS)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 160
    whole = re.compile(
        rf"^(\[sms\] \{TO}: Piket: aanvraag \d+-\d+|\[call\] \{TO} -> http://127.0.0.1:5000/webhooks/twilio/voice/\d+)$"
    )
    assert [line for line in lines if not whole.match(line)] == []


def test_fake_fails_when_told_then_sends():
    fake = FakeProvider()
    fake.fail_next(TransientError("20500", "down"), times=2)
    for _ in range(2):
        with pytest.raises(TransientError):
            fake.send_sms(TO, "a", STATUS)
    sid = fake.send_sms(TO, "b", STATUS)
    assert fake.sent == [{"kind": "sms", "to": TO, "body": "b", "status_callback": STATUS, "sid": sid}]
    assert len(fake.failures) == 2


def test_the_provider_comes_from_the_settings():
    assert isinstance(make_provider({}), ConsoleProvider)
    assert isinstance(make_provider({"NOTIFY_PROVIDER": "console"}), ConsoleProvider)
    twilio = make_provider(
        {
            "NOTIFY_PROVIDER": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_FROM_NUMBER": FROM,
        }
    )
    assert isinstance(twilio, TwilioProvider) and twilio.from_number == FROM
    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER"):
        make_provider({"NOTIFY_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT})
    with pytest.raises(RuntimeError, match="unknown NOTIFY_PROVIDER"):
        make_provider({"NOTIFY_PROVIDER": "pager"})


def test_a_missing_twilio_setting_stops_the_app_at_startup(tmp_path):
    from app import create_app

    with pytest.raises(RuntimeError, match="TWILIO_ACCOUNT_SID"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "NOTIFY_PROVIDER": "twilio"})
