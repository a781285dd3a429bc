"""The acknowledgement time-out: accepted, then nothing; the coordinator is reminded, then the ladder runs again."""

import datetime as dt

from extensions import db
from piket import acknowledgement, lifecycle, service
from piket.lifecycle import RequestStatus
from piket.models import EscalationPolicy, PlacementRequest
from tests.conftest import BACKUP, PRIMARY, kinds, new_request, reload, sent_to
from transactions import atomic, locked

MIN = dt.timedelta(minutes=1)


def accepted_by_primary(duty, users, tick, now):
    request = new_request(users, now)
    tick(now)
    service.accept(now + MIN, request.id, duty["people"]["primary"], channel="sms")
    return request


def run(tick, moment):
    acknowledgement.check(moment)
    tick(moment)


def reminders(fake):
    return [m for m in sent_to(fake, PRIMARY, "sms") if "nog geen plaats gekozen" in m["body"]]


def test_accepted_without_a_place_reminds_then_pages_again(duty, users, fake, tick, now):
    request = accepted_by_primary(duty, users, tick, now)
    run(tick, now + 20 * MIN)  # 19 minutes after the accept: not yet
    assert reminders(fake) == []
    run(tick, now + 21 * MIN)
    assert len(reminders(fake)) == 1 and request.short_code in reminders(fake)[0]["body"]
    run(tick, now + 25 * MIN)
    assert len(reminders(fake)) == 1  # once
    assert reload(request).status == "accepted"
    pages_before = len(sent_to(fake, PRIMARY, "call"))
    run(tick, now + 31 * MIN)  # ten minutes after the reminder: as if nobody had answered
    request = reload(request)
    assert request.status == "paging" and request.accepted_by_id is None
    assert kinds(request.id)[-3:] == ["ack_reminder", "ack_timeout", "paged"]
    assert len(sent_to(fake, PRIMARY, "call")) == pages_before + 1  # the ladder starts over
    run(tick, now + 41 * MIN)
    assert sent_to(fake, BACKUP, "call")  # and goes on to the back-up at its minute


def test_a_place_held_in_time_stops_the_time_out(duty, users, fake, tick, now):
    request = accepted_by_primary(duty, users, tick, now)
    with atomic():  # a place is held: the request is placing (the hold itself: tests/piket/test_placements.py)
        lifecycle.transition(now + 10 * MIN, locked(PlacementRequest, request.id), RequestStatus.PLACING)
    run(tick, now + 60 * MIN)
    assert reminders(fake) == [] and reload(request).status == "placing"
    with atomic():  # the shelter refused: back to accepted, and the time-out counts from now
        lifecycle.transition(now + 60 * MIN, locked(PlacementRequest, request.id), RequestStatus.ACCEPTED)
    run(tick, now + 79 * MIN)
    assert reminders(fake) == []
    run(tick, now + 80 * MIN)
    assert len(reminders(fake)) == 1


def test_the_policy_sets_the_time_out_or_turns_it_off(duty, users, registry, fake, tick, now):
    db.session.add(EscalationPolicy(region_id=registry["regions"]["rotterdam"].id, ack_timeout_minutes=0))
    db.session.commit()
    request = accepted_by_primary(duty, users, tick, now)
    assert request.escalation["ack_timeout"] == 0
    run(tick, now + 3 * 60 * MIN)
    assert reminders(fake) == [] and reload(request).status == "accepted"


def test_a_reminder_is_withdrawn_when_a_place_is_held_before_it_goes_out(duty, users, fake, now, app):
    from notify import service as notify
    from notify.models import NotificationAttempt

    request = accepted_by_primary(duty, users, lambda moment: None, now)
    acknowledgement.check(now + 22 * MIN)  # queued, not yet sent
    db.session.commit()
    service.cancel(now + 22 * MIN, request.id, users["police"])
    notify.dispatch_due(now + 22 * MIN, fake, app.config["PUBLIC_BASE_URL"])
    assert reminders(fake) == []
    db.session.expire_all()
    statuses = {a.status for a in db.session.query(NotificationAttempt).filter_by(purpose="ack_reminder")}
    assert statuses == {"withdrawn"}
