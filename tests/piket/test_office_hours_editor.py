"""A region's office hours on a page and in the API: weekly windows, dated exceptions (after hours all
day, or other hours), holidays that stay after hours, and the check that names the field."""

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from extensions import db
from piket.ladders import service
from piket.rotas import service as rotas
from piket.rotas.models import RegionHours
from tests.conftest import csrf_token, new_request
from tests.piket.rotas.conftest import at

URL = "/api/v1/regions/{}/office-hours"
WEEK = [
    {"days": [1, 2, 3, 4, 5], "from": "08:30", "to": "12:00"},
    {"days": [1, 2, 3, 4], "from": "13:00", "to": "17:30"},
]
CHRISTMAS = [
    {"from": "2026-12-24", "windows": [{"from": "08:30", "to": "12:00"}]},  # a Thursday: the afternoon is after hours
    {"from": "2026-12-31", "to": "2026-12-31", "windows": [{"from": "08:30", "to": "12:00"}]},
    {"from": "2026-12-28", "to": "2026-12-30", "windows": []},  # between the holidays: after hours all day
]


def _count(model=RegionHours):
    return db.session.scalar(select(func.count()).select_from(model))


def _audits():
    return db.session.scalar(select(func.count()).where(AuditEntry.action == "region.office_hours"))


# (a change, the field named)
BAD = [
    ({"windows": [{"days": [1], "from": "9:00", "to": "17:00"}]}, "windows[0].from"),
    ({"windows": [{"days": [1], "from": "09:00", "to": "25:00"}]}, "windows[0].to"),
    ({"windows": [{"days": [1], "from": "17:00", "to": "09:00"}]}, "windows[0].to"),
    ({"windows": [{"days": [1], "from": "09:00", "to": "09:00"}]}, "windows[0].to"),
    ({"windows": [{"days": [0], "from": "09:00", "to": "17:00"}]}, "windows[0].days"),
    ({"windows": [{"days": [8], "from": "09:00", "to": "17:00"}]}, "windows[0].days"),
    ({"windows": [{"days": [], "from": "09:00", "to": "17:00"}]}, "windows[0].days"),
    (
        {"windows": [{"days": [1, 2], "from": "09:00", "to": "13:00"}, {"days": [2], "from": "12:00", "to": "17:00"}]},
        "windows[1].from",
    ),
    ({"windows": "kantoortijd"}, "windows"),
    ({"exceptions": [{"from": "24-12-2026", "windows": []}]}, "exceptions[0].from"),
    ({"exceptions": [{"from": "2026-02-30", "windows": []}]}, "exceptions[0].from"),
    ({"exceptions": [{"from": "2026-12-24", "to": "2026-12-23", "windows": []}]}, "exceptions[0].to"),
    ({"exceptions": [{"from": "2026-12-01", "to": "2027-01-31", "windows": []}]}, "exceptions[0].to"),
    (
        {"exceptions": [{"from": "2026-12-24", "windows": [{"from": "13:00", "to": "12:00"}]}]},
        "exceptions[0].windows[0].to",
    ),
    (
        {
            "exceptions": [
                {"from": "2026-12-24", "windows": [{"from": "08:00", "to": "12:00"}, {"from": "11:00", "to": "14:00"}]}
            ]
        },
        "exceptions[0].windows[1].from",
    ),
    (
        {
            "exceptions": [
                {"from": "2026-12-20", "to": "2026-12-27", "windows": []},
                {"from": "2026-12-24", "windows": []},
            ]
        },
        "exceptions[1].from",
    ),
    ({"exceptions": [{"from": "2026-12-24", "windows": "middag"}]}, "exceptions[0].windows"),
    ({"uren": []}, "uren"),
]


@pytest.mark.parametrize("change,field", BAD, ids=[f for _c, f in BAD])
def test_bad_office_hours_are_refused_with_their_field_and_nothing_is_stored(api, registry, users, change, field):
    resp = api("admin", "PUT", URL.format("rotterdam"), json={"windows": WEEK, "exceptions": CHRISTMAS, **change})
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["field"] == field
    assert _count() == 0 and _audits() == 0


def test_office_hours_with_exceptions_are_stored_audited_and_used(api, registry, users):
    assert api("comensha", "GET", URL.format("rotterdam")).json["default"] is True
    resp = api("coordinator", "PUT", URL.format("rotterdam"), json={"windows": WEEK, "exceptions": CHRISTMAS})
    assert resp.status_code == 200, resp.json
    body = api("comensha", "GET", URL.format("rotterdam")).json
    assert body["windows"] == WEEK and body["default"] is False
    assert [e["from"] for e in body["exceptions"]] == ["2026-12-24", "2026-12-28", "2026-12-31"]  # in date order
    assert body["exceptions"][0]["to"] == "2026-12-24"  # a single date is a range of one day
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "region.office_hours"))
    assert entry.before is None and entry.after["windows"] == WEEK
    rotterdam = registry["regions"]["rotterdam"].id
    assert rotas.in_office_hours(rotterdam, at(2026, 12, 17, 10, 0))  # an ordinary Thursday
    assert rotas.in_office_hours(rotterdam, at(2026, 12, 17, 14, 0))
    assert rotas.in_office_hours(rotterdam, at(2026, 12, 24, 10, 0))  # Christmas Eve: the morning only
    assert not rotas.in_office_hours(rotterdam, at(2026, 12, 24, 14, 0))
    assert not rotas.in_office_hours(rotterdam, at(2026, 12, 25, 10, 0))  # Christmas: a holiday
    assert not rotas.in_office_hours(rotterdam, at(2026, 12, 29, 10, 0))  # between the holidays
    assert rotas.in_office_hours(rotterdam, at(2027, 1, 4, 10, 0))  # back to the week
    assert not rotas.in_office_hours(registry["regions"]["amsterdam"].id, at(2026, 12, 29, 18, 0))
    assert rotas.in_office_hours(registry["regions"]["amsterdam"].id, at(2026, 12, 29, 10, 0))  # its own hours


def test_a_holiday_stays_after_hours_whatever_the_hours_say(api, registry, users):
    always = [{"days": [1, 2, 3, 4, 5, 6, 7], "from": "00:00", "to": "24:00"}]
    easter_monday = [{"from": "2027-03-29", "windows": [{"from": "09:00", "to": "17:00"}]}]
    assert (
        api("admin", "PUT", URL.format("rotterdam"), json={"windows": always, "exceptions": easter_monday}).status_code
        == 200
    )
    rotterdam = registry["regions"]["rotterdam"]
    assert rotas.in_office_hours(rotterdam.id, at(2027, 3, 27, 3, 0))
    assert not rotas.in_office_hours(rotterdam.id, at(2027, 3, 29, 11, 0))  # Easter Monday
    mode, why = service.mode_at(rotterdam, at(2027, 3, 29, 11, 0))
    assert mode == "after_hours" and why.startswith("feestdag")


def test_an_exception_decides_which_ladder_a_request_takes(api, registry, users, now):
    # NOW is Sunday 2026-11-22 02:30; the office is open all Sunday by exception, so the office ladder applies.
    change = {"exceptions": [{"from": "2026-11-22", "windows": [{"from": "00:00", "to": "24:00"}]}]}
    assert api("admin", "PUT", URL.format("rotterdam"), json=change).status_code == 200
    assert new_request(users, now).escalation["mode"] == "office"
    preview = api("admin", "GET", "/api/v1/regions/rotterdam/escalation-preview").json
    assert preview["mode"] == "office" and preview["mode_reason"] == "uitzondering op de kantooruren vandaag"
    assert api("admin", "GET", URL.format("rotterdam")).json["in_office_now"] is True


def test_no_windows_is_never_office_hours(api, registry, users):
    assert api("admin", "PUT", URL.format("rotterdam"), json={"windows": []}).status_code == 200
    assert not rotas.in_office_hours(registry["regions"]["rotterdam"].id, at(2026, 11, 23, 10, 0))


def test_who_may_change_office_hours(api, registry, users):
    assert api("coordinator", "PUT", URL.format("amsterdam"), json={"windows": WEEK}).status_code == 403
    assert api("comensha", "PUT", URL.format("rotterdam"), json={"windows": WEEK}).status_code == 403
    assert api("police", "GET", URL.format("rotterdam")).status_code == 403
    assert api("coordinator", "GET", URL.format("amsterdam")).status_code == 200
    assert _count() == 0


# --- the page -----------------------------------------------------------------------------------------


def test_the_page_saves_windows_and_exceptions_ignoring_empty_rows(client, login, registry, users):
    login(users["coordinator"])
    page = client.get("/beheer/regio/rotterdam/kantooruren")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="hours-form"' in html and "Eerste Kerstdag" in html
    form = {
        "csrf_token": csrf_token(html),
        "window_rows": "7",
        "exception_rows": "8",
        "w-0-days": ["1", "2", "3", "4", "5"],
        "w-0-from": "08:30",
        "w-0-to": "12:00",
        "w-3-days": ["1", "2", "3", "4"],  # a gap of empty rows in between
        "w-3-from": "13:00",
        "w-3-to": "17:30",
        "e-0-from": "2026-12-24",
        "e-0-kind": "hours",
        "e-0-start": "08:30",
        "e-0-end": "12:00",
        "e-2-from": "2026-12-28",
        "e-2-to": "2026-12-30",
        "e-2-kind": "closed",
        "e-2-start": "09:00",  # times of an all-day exception are not read
    }
    resp = client.post("/beheer/regio/rotterdam/kantooruren", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    stored = service.office_hours(registry["regions"]["rotterdam"])
    assert stored["windows"] == WEEK
    assert stored["exceptions"] == [
        {"from": "2026-12-24", "to": "2026-12-24", "windows": [{"from": "08:30", "to": "12:00"}]},
        {"from": "2026-12-28", "to": "2026-12-30", "windows": []},
    ]
    again = client.get("/beheer/regio/rotterdam/kantooruren").get_data(as_text=True)
    assert 'name="e-1-to" value="2026-12-30"' in again  # shown again as stored, in date order


def test_the_page_names_the_row_and_stores_nothing(client, login, registry, users):
    login(users["admin"])
    html = client.get("/beheer/regio/rotterdam/kantooruren").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(html),
        "window_rows": "7",
        "exception_rows": "8",
        "w-0-days": ["1", "2"],
        "w-0-from": "09:00",
        "w-0-to": "13:00",
        "w-4-days": ["2"],
        "w-4-from": "12:00",
        "w-4-to": "17:00",
    }
    resp = client.post("/beheer/regio/rotterdam/kantooruren", data=form)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field="w-4-from"' in body and "overlapt met venster 1 op dinsdag" in body
    bad_exception = {
        **form,
        "w-4-days": [],
        "w-4-from": "",
        "w-4-to": "",
        "e-3-from": "2026-12-24",
        "e-3-kind": "hours",
    }
    bad_exception.update({"e-3-start": "13:00", "e-3-end": "12:00"})
    body = client.post("/beheer/regio/rotterdam/kantooruren", data=bad_exception).get_data(as_text=True)
    assert 'data-field="e-3-end"' in body
    # A post that is not this form (no row counts) is refused, not read as "never office hours".
    assert client.post("/beheer/regio/rotterdam/kantooruren", data={"csrf_token": csrf_token(html)}).status_code == 422
    assert _count() == 0


def test_the_page_is_read_only_for_comensha(client, login, registry, users):
    login(users["comensha"])
    html = client.get("/beheer/regio/rotterdam/kantooruren").get_data(as_text=True)
    assert 'id="hours-form"' not in html and "ma–vr 09:00–17:00" in html
    assert client.post("/beheer/regio/rotterdam/kantooruren", data={"csrf_token": csrf_token(html)}).status_code == 403
