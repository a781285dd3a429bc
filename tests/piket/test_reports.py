"""The CoMensha report: who may mark it made, first writer wins, the API and the case page, reminders."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from errors import Conflict, Forbidden, NotFound
from extensions import db
from notify.models import NotificationAttempt
from piket import placements, reports, service
from piket.models import Case, RequestEvent
from tests.conftest import MAN, MOTHER, csrf_token

CASE_REFERENCE = "PL1700-2026-0042"  # tests/piket/conftest.case_body
OWNER_PHONE = "+31610000077"


def at(year, month, day, hour, minute=0):
    """A local Amsterdam wall-clock time as aware UTC (November/December: UTC+1)."""
    from piket.rotas.schedule import to_utc

    return to_utc(dt.datetime(year, month, day, hour, minute))


def place_mother(api, new_case, registry, users, now, **overrides):
    """A case of a mother with children (placed at NOW in COSM Rotterdam's family room, confirmed by the
    shelter), by default with a man (still open). The coordinator who chose owns the report; they have a phone."""
    body = new_case(**overrides)
    mother, man = (body["requests"] + [None])[:2]
    family = registry["shelters"]["rot-cosm"].pools[1].id
    resp = api("coordinator", "POST", f"/api/v1/placement-requests/{mother['id']}/placements", json={"pool_id": family})
    assert resp.status_code == 201, resp.json
    assert api("shelter_staff", "POST", f"/api/v1/holds/{resp.json['hold_id']}/confirm").status_code == 200
    users["coordinator"].phone, users["coordinator"].name = OWNER_PHONE, "Coördinator Jansen"
    db.session.commit()
    case = db.session.get(Case, body["case_id"])
    assert case.report_owner_id == users["coordinator"].id and case.report_owner_since == now
    return {"case_id": case.id, "mother": mother, "man": man}


@pytest.fixture
def placed(app, api, new_case, registry, users, now):
    return place_mother(api, new_case, registry, users, now)


@pytest.fixture
def placed_alone(app, api, new_case, registry, users, now):
    # The page shows proposals for the open requests, which cannot yet name a placed partner in
    # apart_from (piket/proposals.request_entry): the page tests use a case of one request.
    return place_mother(api, new_case, registry, users, now, requests=[{"persons": [MOTHER], "children": 2}], apart=[])


def reminders():
    db.session.expire_all()
    return db.session.scalars(
        select(NotificationAttempt)
        .where(NotificationAttempt.purpose == "report_reminder")
        .order_by(NotificationAttempt.id)
    ).all()


# --- marking the report made ----------------------------------------------------------------------


def test_the_owner_marks_it_made_with_events_and_audit(placed, users, now):
    case = reports.mark_made(now, placed["case_id"], users["coordinator"])
    assert (case.report_made_at, case.report_made_by_id) == (now, users["coordinator"].id)
    kinds = db.session.scalars(select(RequestEvent.request_id).where(RequestEvent.kind == "report_made")).all()
    assert sorted(kinds) == sorted([placed["mother"]["id"], placed["man"]["id"]])
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.report_made")).one()
    assert audit.entity_id == str(case.id) and audit.actor == users["coordinator"].email


def test_a_coordinator_of_the_region_and_comensha_may_mark_it_one_of_another_region_not(placed, make_user, users, now):
    with pytest.raises(Forbidden):  # the access scope (piket/access.py): not their region, not paged, not accepted
        reports.mark_made(now, placed["case_id"], make_user("coordinator", regions=["amsterdam"]))
    other = make_user("coordinator", regions=["rotterdam"])
    assert reports.mark_made(now, placed["case_id"], other).report_made_by_id == other.id
    # once made, CoMensha is told who did it, not allowed to mark it twice
    with pytest.raises(Conflict) as err:
        reports.mark_made(now, placed["case_id"], users["comensha"])
    assert err.value.field == "case_id" and err.value.code == "already_made"
    assert "al gedaan door" in err.value.message and other.email in err.value.message


def test_police_may_mark_it_only_when_they_own_it(placed, users, make_user, now):
    with pytest.raises(Forbidden):
        reports.mark_made(now, placed["case_id"], users["police"])
    service.hand_over_report(now, placed["case_id"], users["coordinator"], users["police"].email)
    assert reports.mark_made(now, placed["case_id"], users["police"]).report_made_by_id == users["police"].id


def test_shelter_staff_may_not_mark_it(placed, users, now):
    with pytest.raises(Forbidden):
        reports.mark_made(now, placed["case_id"], users["shelter_staff"])
    assert db.session.get(Case, placed["case_id"]).report_made_at is None


def test_second_mark_is_a_conflict_and_the_first_writer_keeps_it(placed, users, now):
    reports.mark_made(now, placed["case_id"], users["coordinator"])
    later = now + dt.timedelta(hours=1)
    with pytest.raises(Conflict) as err:
        reports.mark_made(later, placed["case_id"], users["admin"])
    assert "Coördinator Jansen" in err.value.message and "zo\u00a022\u00a0nov\u00a002:30" in err.value.message
    case = db.session.get(Case, placed["case_id"])
    assert (case.report_made_at, case.report_made_by_id) == (now, users["coordinator"].id)
    assert (
        db.session.scalar(select(func.count()).select_from(RequestEvent).where(RequestEvent.kind == "report_made")) == 2
    )


def test_a_case_nobody_was_placed_from_has_no_report_yet(new_case, registry, users, now):
    case_id = new_case()["case_id"]
    with pytest.raises(Conflict) as err:
        reports.mark_made(now, case_id, users["coordinator"])
    assert err.value.field == "case_id" and err.value.code == "not_placed"
    with pytest.raises(NotFound):
        reports.mark_made(now, 99999, users["coordinator"])


# --- the API --------------------------------------------------------------------------------------


def test_put_report_marks_it_and_answers_the_report_state(api, placed, users, now):
    resp = api("coordinator", "PUT", f"/api/v1/cases/{placed['case_id']}/report", json={"made": True})
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["case_id"] == placed["case_id"] and body["report_made"] is True
    assert body["report_made_by_id"] == users["coordinator"].id and body["report_made_at"] == now.isoformat()
    assert body["report_owner_id"] == users["coordinator"].id and body["placed_at"] == now.isoformat()
    again = api("admin", "PUT", f"/api/v1/cases/{placed['case_id']}/report", json={"made": True})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_made"


@pytest.mark.parametrize("body", [{"made": False}, {"made": "true"}, {"made": 1}, {}])
def test_put_report_wants_made_true(api, placed, body):
    resp = api("coordinator", "PUT", f"/api/v1/cases/{placed['case_id']}/report", json=body)
    assert resp.status_code == 422 and resp.json["error"]["field"] == "made"
    if body == {"made": False}:
        assert "niet ongedaan" in resp.json["error"]["message"]
    assert db.session.get(Case, placed["case_id"]).report_made_at is None


def test_put_report_unknown_case_and_roles(api, placed):
    assert api("coordinator", "PUT", "/api/v1/cases/99999/report", json={"made": True}).status_code == 404
    assert (
        api("shelter_staff", "PUT", f"/api/v1/cases/{placed['case_id']}/report", json={"made": True}).status_code == 403
    )
    assert api("police", "PUT", f"/api/v1/cases/{placed['case_id']}/report", json={"made": True}).status_code == 403
    assert api("comensha", "PUT", f"/api/v1/cases/{placed['case_id']}/report", json={"made": True}).status_code == 200


# --- the case page --------------------------------------------------------------------------------


def test_case_page_shows_the_button_and_after_marking_who_did_it(client, login, placed_alone, users):
    placed = placed_alone
    url = f"/zaak/{placed['case_id']}"
    login(users["coordinator"])
    page = client.get(url).get_data(as_text=True)
    assert "Melding bij CoMensha gedaan</button>" in page and "Melding nog niet gedaan" in page
    resp = client.post(
        url, data={"csrf_token": csrf_token(page), "action": "report_made", "request_id": placed["mother"]["id"]}
    )
    assert resp.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Melding gedaan door <strong>Coördinator Jansen</strong> op zo\u00a022\u00a0nov\u00a002:30" in page
    assert "Melding bij CoMensha gedaan</button>" not in page
    assert db.session.get(Case, placed["case_id"]).report_made_by_id == users["coordinator"].id


def test_case_page_has_no_button_for_the_police_who_do_not_own_it(client, login, placed_alone, users):
    placed = placed_alone
    login(users["police"])
    page = client.get(f"/zaak/{placed['case_id']}").get_data(as_text=True)
    assert "Eigenaar:" in page and "Melding bij CoMensha gedaan</button>" not in page


def test_case_page_before_placement_has_no_button(client, login, new_case, registry, users):
    case_id = new_case()["case_id"]
    login(users["coordinator"])
    page = client.get(f"/zaak/{case_id}").get_data(as_text=True)
    assert "nog geen melding te doen" in page and "Melding bij CoMensha gedaan</button>" not in page


# --- reminders ------------------------------------------------------------------------------------


def test_reminder_once_per_working_day_in_office_hours(placed, users):
    monday = at(2026, 11, 23, 10)
    assert reports.remind_due(monday) == 1
    assert reports.remind_due(monday) == 0  # safe to run twice
    assert reports.remind_due(at(2026, 11, 23, 16)) == 0  # once a day
    sent = reminders()
    assert len(sent) == 1 and sent[0].to_number == OWNER_PHONE and sent[0].user_id == users["coordinator"].id
    assert sent[0].dedupe_key == f"report:{placed['case_id']}:2026-11-23"
    assert db.session.get(Case, placed["case_id"]).report_reminded_at == monday
    assert reports.remind_due(at(2026, 11, 24, 9, 5)) == 1  # the next working day again
    assert len(reminders()) == 2


@pytest.mark.parametrize(
    "moment",
    [
        at(2026, 11, 23, 8, 59),  # before office hours
        at(2026, 11, 23, 18, 0),  # after
        at(2026, 11, 24, 3, 0),  # at night
        at(2026, 11, 28, 11, 0),  # Saturday
        at(2026, 11, 29, 11, 0),  # Sunday
        at(2026, 12, 25, 11, 0),  # Christmas, a Friday
    ],
)
def test_no_reminder_outside_office_hours_weekends_and_holidays(placed, moment):
    assert reports.remind_due(moment) == 0
    assert reminders() == []


def test_the_day_before_christmas_does_get_one(placed):
    assert reports.remind_due(at(2026, 12, 24, 11)) == 1  # so it is the holiday that stops the 25th


def test_first_reminder_not_before_24_hours_after_the_owner_got_it(placed, users, make_user):
    heir = make_user("coordinator", regions=["rotterdam"], email="opvolger@test.nl")
    heir.phone = "+31610000088"
    db.session.commit()
    service.hand_over_report(at(2026, 11, 23, 9, 30), placed["case_id"], users["coordinator"], heir.email)
    assert reports.remind_due(at(2026, 11, 23, 17)) == 0  # 7.5 h after the hand-over
    assert reports.remind_due(at(2026, 11, 24, 9, 15)) == 0  # 23 h 45 after
    assert reports.remind_due(at(2026, 11, 24, 9, 45)) == 1
    assert [a.to_number for a in reminders()] == ["+31610000088"]


def test_no_reminder_once_made(placed, users, now):
    reports.mark_made(now + dt.timedelta(hours=5), placed["case_id"], users["coordinator"])
    assert reports.remind_due(at(2026, 11, 23, 10)) == 0
    assert reminders() == []


def test_no_reminder_to_an_owner_without_a_phone(placed, users):
    users["coordinator"].phone = None
    db.session.commit()
    assert reports.remind_due(at(2026, 11, 23, 10)) == 0


def test_the_reminder_names_no_case_reference_and_no_person(placed, users, app):
    reports.remind_due(at(2026, 11, 25, 10))
    body = reminders()[0].body
    assert CASE_REFERENCE not in body and "Jansen" not in body and users["coordinator"].email not in body
    assert MOTHER["exploitation"] not in body and str(MOTHER["age"]) not in body
    assert placed["mother"]["short_code"] in body and "geplaatst 3 dagen geleden" in body
    assert body.endswith(f"{app.config['PUBLIC_BASE_URL']}/zaak/{placed['case_id']}")


def test_the_job_is_registered_hourly():
    from piket.jobs import JOBS

    assert JOBS["report_reminders"] == (reports.remind_due, 3600)


# --- the open list --------------------------------------------------------------------------------


def test_open_reports_lists_placed_cases_without_a_report(placed, new_case, users, now):
    new_case(requests=[{"persons": [MAN]}], apart=[])  # not placed: no report owed
    rows = reports.open_reports(now + dt.timedelta(days=2))
    assert [r["case_id"] for r in rows] == [placed["case_id"]]
    row = rows[0]
    assert row["owner"] == "Coördinator Jansen" and row["days_open"] == 2 and row["placed_at"] == now
    assert row["region_code"] == "rotterdam" and row["reminded_at"] is None
    reports.mark_made(now, placed["case_id"], users["admin"])
    assert reports.open_reports(now + dt.timedelta(days=2)) == []


def test_a_placement_refused_first_then_confirmed_counts_from_the_confirmation(
    api, new_case, registry, users, now, app
):
    body = new_case(requests=[{"persons": [MAN]}], apart=[])
    rid = body["requests"][0]["id"]
    pool = registry["shelters"]["rot-mo"].pools[0].id
    first = placements.choose(now, rid, pool, users["coordinator"], app.config)
    placements.release(now, first.hold_id, users["coordinator"])
    second = placements.choose(now + dt.timedelta(hours=1), rid, pool, users["coordinator"], app.config)
    placements.confirm(now + dt.timedelta(hours=2), second.hold_id, users["coordinator"])
    assert reports.placed_at(body["case_id"]) == now + dt.timedelta(hours=2)
