"""The rotas' jobs: reminders the evening before, hand-overs at the change, gap reports, each once."""

import datetime as dt

from sqlalchemy import select

from extensions import db
from notify.models import NotificationAttempt
from piket.jobs import JOBS
from piket.models import PlacementRequest
from piket.rotas import jobs
from tests.conftest import case_body, run_concurrently
from tests.piket.rotas.conftest import at


def messages(purpose, user=None):
    query = select(NotificationAttempt).where(NotificationAttempt.purpose == purpose).order_by(NotificationAttempt.id)
    if user is not None:
        query = query.where(NotificationAttempt.user_id == user.id)
    return db.session.scalars(query).all()


def test_the_jobs_are_registered():
    assert JOBS["duty_reminders"] == (jobs.duty_reminders, 60)
    assert JOBS["report_gaps"] == (jobs.report_gaps, 3600)


def test_a_reminder_at_19_the_evening_before_once(rota, people, shift):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    assert jobs.duty_reminders(at(2026, 11, 23, 18, 59)) == 0
    assert jobs.duty_reminders(at(2026, 11, 23, 19, 0)) == 1
    assert jobs.duty_reminders(at(2026, 11, 23, 19, 1)) == 0  # the job runs every minute: still one
    [sms] = messages("duty_reminder")
    assert (sms.user_id, sms.to_number, sms.channel) == (people["a"].id, "+31611111111", "sms")
    assert sms.body == "Piket: herinnering, u heeft Piket primair Rotterdam van di 24-11 17:00 tot wo 25-11 09:00."


def test_a_duty_planned_after_19_is_reminded_at_once_until_it_starts(rota, people, shift):
    shift(rota, people["b"], at(2026, 11, 25, 8), at(2026, 11, 25, 17))
    assert jobs.duty_reminders(at(2026, 11, 25, 7, 30)) == 1  # planned at night for the morning
    late = shift(rota, people["c"], at(2026, 11, 26, 9), at(2026, 11, 26, 17))
    late.start = at(2026, 11, 25, 23)  # already started when first seen: no reminder, a hand-over instead
    db.session.commit()
    assert jobs.duty_reminders(at(2026, 11, 25, 23, 30)) == 1
    assert [m.user_id for m in messages("duty_reminder")] == [people["b"].id]
    assert [m.user_id for m in messages("handover")] == [people["c"].id]


def test_consecutive_days_of_one_person_are_one_duty(rota, people, shift):
    shift(rota, people["a"], at(2026, 11, 24, 9), at(2026, 11, 25, 9))
    shift(rota, people["a"], at(2026, 11, 25, 9), at(2026, 11, 26, 9))
    for moment in (at(2026, 11, 23, 19), at(2026, 11, 24, 9), at(2026, 11, 24, 19), at(2026, 11, 25, 9)):
        jobs.duty_reminders(moment)
    assert len(messages("duty_reminder")) == 1 and len(messages("handover")) == 1
    assert "tot do 26-11 09:00" in messages("duty_reminder")[0].body


def test_two_workers_remind_once(app, rota, people, shift):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    moment = at(2026, 11, 23, 19, 0)

    def work():
        with app.app_context():
            jobs.duty_reminders(moment)

    assert run_concurrently(work, [(), ()]) == [None, None]
    assert len(messages("duty_reminder")) == 1


def test_hand_over_lists_what_is_open_without_personal_data(rota, people, shift, new_case, registry, now):
    body = case_body()  # Rotterdam: two open requests (a mother with two children, a man)
    new_case()
    new_case(found={"region": "amsterdam"}, case_reference="AMS-ELSEWHERE")  # another region: not listed
    requests = db.session.scalars(select(PlacementRequest).order_by(PlacementRequest.id)).all()
    rotterdam = [r for r in requests if r.case.region_id == rota.region_id]
    assert len(rotterdam) == 2
    shift(rota, people["a"], now + dt.timedelta(hours=2), now + dt.timedelta(hours=20))
    assert jobs.duty_reminders(now + dt.timedelta(hours=2, minutes=1)) == 1
    [sms] = messages("handover", people["a"])
    assert sms.body.startswith("Piket: uw dienst Piket primair Rotterdam begint nu")
    assert "Open (2):" in sms.body
    for r in rotterdam:
        assert (
            f"{r.short_code} piket wordt opgeroepen {r.size} pers." in sms.body
            or f"{r.short_code} ontvangen {r.size} pers." in sms.body
        )
    others = [r for r in requests if r not in rotterdam]
    assert all(r.short_code not in sms.body for r in others)
    # Never personal data: no case reference, phone number, gender or age.
    for secret in (body["case_reference"], body["callback_phone"], "female", "vrouw", "31 jaar", "AMS-ELSEWHERE"):
        assert secret not in sms.body
    assert jobs.duty_reminders(now + dt.timedelta(hours=2, minutes=2)) == 0


def test_a_hand_over_with_nothing_open(rota, people, shift):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    assert jobs.duty_reminders(at(2026, 11, 24, 17, 0)) == 1
    assert messages("handover")[0].body.endswith("Geen open aanvragen.")
    assert jobs.duty_reminders(at(2026, 11, 24, 19, 30)) == 0  # too late for a hand-over, and already sent


def test_nobody_without_a_phone_or_inactive_is_texted(rota, people, shift):
    shift(rota, people["nophone"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    shift(rota, people["inactive"], at(2026, 11, 25, 17), at(2026, 11, 26, 9))
    assert jobs.duty_reminders(at(2026, 11, 24, 19, 30)) == 0
    assert messages("duty_reminder") == []


def test_each_gap_is_reported_once_to_the_owner(make_rota, people, shift, rotation):
    rota = make_rota(owner=people["c"])
    rotation(rota, [people["a"]], dt.date(2026, 11, 23), handover="17:00", shift_hours=16, days=(1, 2, 3, 4))
    now = at(2026, 11, 23, 12)
    assert jobs.report_gaps(now) == 2  # the two weekends in the next 14 days
    assert jobs.report_gaps(now + dt.timedelta(hours=1)) == 0
    assert jobs.report_gaps(now + dt.timedelta(hours=2)) == 0
    sent = messages("rota_gap", people["c"])
    assert len(sent) == 2 and {m.to_number for m in sent} == {"+31633333333"}
    assert sent[0].body.startswith(
        "Piket: gat in Piket primair Rotterdam: niemand van dienst van vr 27-11 17:00 tot ma 30-11 09:00."
    )
    assert f"/piket/roosters/{rota.id}" in sent[0].body
    # Filling a gap sends nothing; a weekend that comes into the 14 days is reported when it does.
    shift(rota, people["b"], at(2026, 11, 27, 17), at(2026, 11, 30, 9))
    assert jobs.report_gaps(now + dt.timedelta(days=2)) == 0
    assert jobs.report_gaps(now + dt.timedelta(days=7)) == 1
    assert "vr 11-12 17:00 tot ma 14-12 09:00" in messages("rota_gap")[-1].body
    assert len(messages("rota_gap")) == 3


def test_a_rota_whose_owner_has_no_phone_reports_nothing(rota, people):
    assert jobs.report_gaps(at(2026, 11, 23, 12)) == 0  # owned by the admin, who has no phone
    assert messages("rota_gap") == []
