"""notify fixtures: the fake provider injected into the app, a fake HTTP client under the real
Twilio client, and attempts in the outbox."""

import json
import logging

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT = "AC" + "0" * 32
FROM = "+3197010000000"
BASE = "https://piket.example.nl"


class FakeHttp(HttpClient):
    """Stands in for the network under twilio.rest.Client: records each request and answers with
    the canned responses given to answer() (an exception is raised instead), in order."""

    def __init__(self):
        super().__init__(logging.getLogger("tests.fake_http"), is_async=False, timeout=None)
        self.requests = []
        self.answers = []

    def answer(self, status_or_exc, body=None):
        self.answers.append(status_or_exc if isinstance(status_or_exc, Exception) else (status_or_exc, body or {}))

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        self.requests.append({"method": method, "url": uri, "data": data, "auth": auth, "headers": headers})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return Response(status, json.dumps(body))


@pytest.fixture
def http():
    return FakeHttp()


@pytest.fixture
def twilio(http):
    from notify.providers import TwilioProvider

    return TwilioProvider(ACCOUNT, "secret-token", FROM, http_client=http)


@pytest.fixture
def fake(app):
    """The fake provider, as the app's provider (notify.service.provider_for returns it)."""
    from notify.providers import FakeProvider

    provider = FakeProvider()
    app.extensions["notify_provider"] = provider
    return provider


@pytest.fixture
def queue(app, now):
    """queue(to=..., channel=..., ...) -> attempt id: one attempt enqueued and committed."""
    from notify import service
    from transactions import atomic

    def add(to="+31612345678", channel="sms", body="Piket: testbericht", purpose="page", **kwargs):
        with atomic() as session:
            attempt = service.enqueue(
                kwargs.pop("at", now), to=to, channel=channel, body=body, purpose=purpose, **kwargs
            )
            session.flush()
            attempt_id = attempt.id  # read now: after the commit it would open a transaction (and lock SQLite)
        return attempt_id

    return add


def load(attempt_id):
    from extensions import db
    from notify.models import NotificationAttempt

    db.session.rollback()  # read what is committed, also by other threads
    return db.session.get(NotificationAttempt, attempt_id, populate_existing=True)
