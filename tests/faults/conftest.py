"""Fault fixtures: a Twilio API that fails when told to (the real Twilio client over a fake HTTP
client, as in tests/notify/conftest.py), and a worker tick that sends through it."""

import itertools
import json
import logging

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT = "AC" + "0" * 32
FROM = "+3197010000000"


class FlakyTwilioHttp(HttpClient):
    """The network under twilio.rest.Client. Every request is recorded; its answer comes from the
    rule set for its endpoint ("sms" or "call") and recipient: `fail(kind, to, answer, times)` makes
    the next `times` such requests answer `answer` (an HTTP status, or an exception to raise),
    times=None until `recover()`. Otherwise Twilio takes the message (201 and a fresh sid)."""

    def __init__(self):
        super().__init__(logging.getLogger("tests.faults.http"), is_async=False, timeout=None)
        self.requests = []  # {"kind", "to", "data", "outcome": sid or the error}
        self.rules = []  # [kind, to, answer, times left or None]
        self.pattern = None  # answers cycled over all requests (None: taken), when no rule applies
        self._sids = itertools.count(1)
        self._count = itertools.count()

    def fail(self, kind=None, to=None, answer=500, times=None):
        self.rules.append([kind, to, answer, times])

    def flaky(self, pattern):
        """Answer request number k with pattern[k % len(pattern)] (None: taken)."""
        self.pattern = list(pattern)

    def recover(self):
        self.rules.clear()
        self.pattern = None

    def taken(self, kind=None, to=None):
        """The requests Twilio took (answered 201), in order."""
        return [
            r
            for r in self.requests
            if r["outcome"].startswith(("SM", "CA")) and kind in (None, r["kind"]) and to in (None, r["to"])
        ]

    def tried(self, kind=None, to=None):
        return [r for r in self.requests if kind in (None, r["kind"]) and to in (None, r["to"])]

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        kind = "sms" if uri.endswith("/Messages.json") else "call"
        to = (data or {}).get("To")
        record = {"kind": kind, "to": to, "data": data}
        self.requests.append(record)
        number = next(self._count)
        answer = None
        for rule in self.rules:
            rule_kind, rule_to, rule_answer, times = rule
            if rule_kind in (None, kind) and rule_to in (None, to) and times != 0:
                if times is not None:
                    rule[3] -= 1
                answer = rule_answer
                break
        else:
            if self.pattern:
                answer = self.pattern[number % len(self.pattern)]
        if isinstance(answer, Exception):
            record["outcome"] = type(answer).__name__
            raise answer
        if answer is not None:
            record["outcome"] = str(answer)
            return Response(answer, json.dumps({"code": 20000 + answer, "message": "Twilio is down", "status": answer}))
        sid = ("SM" if kind == "sms" else "CA") + f"{next(self._sids):032x}"
        record["outcome"] = sid
        return Response(201, json.dumps({"sid": sid, "status": "queued"}))


@pytest.fixture
def twilio_http():
    return FlakyTwilioHttp()


@pytest.fixture
def twilio(app, twilio_http):
    """The real TwilioProvider over the flaky network, as the app's provider."""
    from notify.providers import TwilioProvider

    provider = TwilioProvider(ACCOUNT, "secret-token", FROM, http_client=twilio_http)
    app.extensions["notify_provider"] = provider
    return provider


@pytest.fixture
def twilio_tick(app, twilio):
    """One worker tick at a given moment through Twilio: due escalation steps, then the outbox."""
    from extensions import db
    from notify import service as notify
    from piket import escalation

    def run(moment):
        escalation.tick(moment)
        notify.dispatch_due(moment, twilio, app.config["PUBLIC_BASE_URL"])
        db.session.commit()

    return run
