"""Pages stop when they no longer matter: a page still queued is sent only while its request waits
for that answer, and accepting, cancelling or placing withdraws every pending page, for everyone."""

import datetime as dt

from sqlalchemy import select

from extensions import db
from notify.models import NotificationAttempt
from notify.providers import TransientError
from piket import escalation, service
from tests.conftest import BACKUP, PRIMARY, kinds, new_request, reload, sent_to

MIN = dt.timedelta(minutes=1)


def sms(signed_post, sender, body, sid):
    return signed_post("/webhooks/twilio/sms", {"From": sender, "Body": body, "MessageSid": sid})


def attempts(request_id=None):
    db.session.expire_all()
    query = select(NotificationAttempt).order_by(NotificationAttempt.id)
    if request_id is not None:
        query = query.where(NotificationAttempt.request_id == request_id)
    return db.session.scalars(query).all()


def test_a_request_cancelled_between_the_step_and_the_send_pages_nobody(duty, users, fake, app, now, api):
    from notify import service as notify

    request = new_request(users, now)
    escalation.tick(now)  # the step is claimed: an SMS and a call wait in the outbox
    db.session.commit()
    assert {a.status for a in attempts(request.id)} == {"pending"}
    assert api("police", "POST", f"/api/v1/placement-requests/{request.id}/cancel").status_code == 200
    notify.dispatch_due(now, fake, app.config["PUBLIC_BASE_URL"])
    assert fake.sent == []  # nothing reaches the coordinator for a request that was withdrawn
    assert {a.status for a in attempts(request.id)} == {"withdrawn"}
    assert "pages_cancelled" in kinds(request.id)


def test_the_outbox_checks_the_request_itself_when_it_claims(duty, users, fake, app, now):
    """Even a page the cancel did not withdraw (queued by a worker at that very moment) is not sent."""
    from notify import service as notify
    from piket.lifecycle import RequestStatus
    from piket.models import PlacementRequest

    request = new_request(users, now)
    escalation.tick(now)
    db.session.commit()
    # The status changes behind the outbox's back (as a racing transaction would): no withdrawal ran.
    db.session.execute(
        PlacementRequest.__table__.update()
        .where(PlacementRequest.id == request.id)
        .values(status=RequestStatus.CANCELLED)
    )
    db.session.commit()
    notify.dispatch_due(now, fake, app.config["PUBLIC_BASE_URL"])
    assert fake.sent == []
    assert {(a.status, a.last_error_code) for a in attempts(request.id)} == {("withdrawn", "not_wanted")}


def test_a_page_in_retry_back_off_is_withdrawn_when_someone_else_accepts(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    tick(now + 5 * MIN)
    fake.fail_next(TransientError("20503", "service unavailable"), times=2)  # the back-up's SMS and call
    tick(now + 10 * MIN)
    backup_pages = [a for a in attempts(request.id) if a.to_number == BACKUP]
    assert {a.status for a in backup_pages} == {"pending"} and all(a.next_try_at > now + 10 * MIN for a in backup_pages)
    # The primary answers the first page while the back-up's pages wait for their retry.
    sms(signed_post, PRIMARY, f"JA {request.short_code}", "SM-accept")
    assert reload(request).status == "accepted"
    tick(now + 20 * MIN)  # long after the back-off: no page goes out to the back-up, only that it is taken
    assert [m["body"] for m in sent_to(fake, BACKUP)] == [
        f"Piket: aanvraag {request.short_code} is aangenomen door de primaire piket. U hoeft niets te doen."
    ]
    assert {a.status for a in attempts(request.id) if a.to_number == BACKUP and a.purpose != "taken"} == {"withdrawn"}


def test_a_second_person_accepting_withdraws_the_pages_of_everyone(duty, users, fake, tick, signed_post, now):
    from notify import service as notify

    other = new_request(users, now, case_reference="OTHER-1")  # the primary's phone rings for this one first
    request = new_request(users, now)
    tick(now)
    # The call for the second case waits for the phone to be free; the back-up takes the case meanwhile.
    waiting = [a for a in attempts(request.id) if a.channel == "voice" and a.status == "pending"]
    assert waiting, "the second call to the primary's phone waits for the first"
    service.accept(now + MIN, request.id, duty["people"]["backup"])
    notify.dispatch_due(now + 2 * MIN, fake, "http://127.0.0.1:5000")
    assert len(sent_to(fake, PRIMARY, "call")) == 1  # only the call for the other case
    assert {a.status for a in attempts(request.id) if a.channel == "voice"} == {"withdrawn"}
    assert reload(other).status == "paging"


def test_the_coordinator_who_had_it_is_told_when_the_police_cancel(duty, users, fake, tick, signed_post, now, api):
    request = new_request(users, now)
    tick(now)
    sms(signed_post, PRIMARY, "JA", "SM-accept")
    assert reload(request).status == "accepted"
    tick(now)  # the confirmation of the accept
    before = len(sent_to(fake, PRIMARY, "sms"))
    assert api("police", "POST", f"/api/v1/placement-requests/{request.id}/cancel").status_code == 200
    tick(now + MIN)
    told = sent_to(fake, PRIMARY, "sms")[before:]
    assert len(told) == 1 and request.short_code in told[0]["body"] and "ingetrokken" in told[0]["body"]
    assert "cancel_notice" in kinds(request.id)


def test_a_coordinator_who_cancels_is_not_told_of_their_own_cancel(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    sms(signed_post, PRIMARY, "JA", "SM-accept")
    tick(now)
    before = len(fake.sent)
    service.cancel(now + MIN, request.id, duty["people"]["primary"])
    tick(now + 2 * MIN)
    assert fake.sent[before:] == [] and "cancel_notice" not in kinds(request.id)


def test_pages_to_one_phone_queued_together_go_as_one_sms_and_share_its_fate(duty, users, fake, tick, signed_post, now):
    one, two = new_request(users, now, case_reference="A-1"), new_request(users, now, case_reference="A-2")
    tick(now)
    texts = sent_to(fake, PRIMARY, "sms")
    assert len(texts) == 1 and one.short_code in texts[0]["body"] and two.short_code in texts[0]["body"]
    assert texts[0]["body"].count("/a/") == 2  # each page keeps its own accept link
    pages = [a for a in attempts() if a.purpose == "page"]
    assert [a.status for a in pages] == ["sent", "sent"] and pages[1].bundled_into == pages[0].id
    # The carrier's delivery report fails: both pages failed, and the ladder goes on for both at once.
    status_url = texts[0]["status_callback"].removeprefix("http://127.0.0.1:5000")
    signed_post(status_url, {"MessageSid": texts[0]["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003"})
    assert [a.status for a in attempts() if a.purpose == "page"] == ["undelivered", "undelivered"]
    # A keypad or SMS answer still tells the two apart by their codes.
    sms(signed_post, PRIMARY, f"JA {two.short_code}", "SM-2")
    assert reload(two).status == "accepted" and reload(one).status == "paging"
