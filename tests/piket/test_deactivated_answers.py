"""A deactivated account answers no page (issue 15, finding 1): not by the SMS link, not by a key pressed in
the page call, not by SMS, not by pressing 1 in the national number's whisper. Each is driven through the
real route or webhook (with a valid Twilio signature), after the page went out to an active coordinator."""

import re

import pytest
from sqlalchemy import select

from accounts import service as accounts
from extensions import db
from notify.models import NotificationAttempt
from tests.conftest import BACKUP, PRIMARY, csrf_token, kinds, new_request, reload, sent_to
from tests.piket.test_hotline import OFFICER, call, dial_result, dialled, phone_requests, screen


@pytest.fixture
def officer(make_user):
    user = make_user("police", regions=["rotterdam"], email="agent@test.nl")
    user.phone = OFFICER
    db.session.commit()
    return user


def _paged_then_deactivated(duty, users, tick, now):
    request = new_request(users, now)
    tick(now)
    accounts.deactivate(now, duty["people"]["primary"])
    return request


def test_the_link_of_a_deactivated_coordinator_says_so_and_accepts_nothing(duty, users, fake, tick, client, now):
    request = new_request(users, now)
    tick(now)
    path = re.search(r"https?://[^/]+(/a/\S+)", sent_to(fake, PRIMARY, "sms")[0]["body"]).group(1)
    token = csrf_token(client.get(path).get_data(as_text=True))  # opened while still active
    accounts.deactivate(now, duty["people"]["primary"])

    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 403 and "niet actief" in text
    assert request.short_code not in text and 'value="accept"' not in text  # no request shown, no buttons
    done = client.post(path, data={"csrf_token": token, "choice": "accept"})
    assert done.status_code == 403 and "niet actief" in done.get_data(as_text=True)
    request = reload(request)
    assert request.status == "paging" and request.accepted_by_id is None and "accepted" not in kinds(request.id)


def _call_attempt(request):
    return db.session.scalar(
        select(NotificationAttempt).where(
            NotificationAttempt.request_id == request.id,
            NotificationAttempt.channel == "voice",
            NotificationAttempt.to_number == PRIMARY,
        )
    )


def test_a_key_pressed_by_a_deactivated_coordinator_is_not_recognised(duty, users, fake, tick, signed_post, now):
    request = _paged_then_deactivated(duty, users, tick, now)
    attempt = _call_attempt(request)
    asked = signed_post(f"/webhooks/twilio/voice/{attempt.id}", {"CallSid": "CA1", "AnsweredBy": "human"})
    assert "<Gather" not in asked.get_data(as_text=True)  # not even asked
    for digit in ("1", "2"):
        said = signed_post(f"/webhooks/twilio/voice/{attempt.id}/keuze", {"CallSid": "CA1", "Digits": digit})
        assert said.status_code == 200 and "niet bekend" in said.get_data(as_text=True)
    request = reload(request)
    assert request.status == "paging" and request.accepted_by_id is None
    assert "accepted" not in kinds(request.id) and "declined" not in kinds(request.id)


def test_an_sms_from_a_deactivated_coordinator_is_not_recognised(duty, users, fake, tick, signed_post, now):
    request = _paged_then_deactivated(duty, users, tick, now)
    resp = signed_post("/webhooks/twilio/sms", {"From": PRIMARY, "Body": "JA", "MessageSid": "SM1"})
    assert resp.status_code == 200 and "niet bekend" in resp.get_data(as_text=True)
    assert reload(request).accepted_by_id is None


def test_a_deactivated_coordinator_pressing_1_in_the_whisper_takes_no_call(duty, users, officer, signed_post, now):
    twiml = call(signed_post)  # the primary is dialled while still active
    [request] = phone_requests()
    accounts.deactivate(now, duty["people"]["primary"])
    refused = screen(signed_post, twiml, "1")
    assert "<Hangup" in refused and "niet bekend" in refused  # not bridged
    assert reload(request).accepted_by_id is None and "phone_connected" not in kinds(request.id)
    after = dial_result(signed_post, request, twiml, "completed")
    assert [number for number, _ in dialled(after)] == [BACKUP]  # on to the next level
