"""Cache-Control: no-store on every answer that may carry case data (issue 15, finding 6): pages for someone
logged in, every API answer, the accept link; static files and the iCal feed keep their own."""

import pytest

from tests.conftest import new_request


@pytest.fixture
def case(users, now):
    return new_request(users, now)


@pytest.mark.parametrize(
    "role,path",
    [
        ("coordinator", "/zaak/{case_id}"),  # the case page
        ("coordinator", "/aanvragen"),  # the request list
        ("police", "/zaak/{case_id}"),
        ("shelter_staff", "/opvang/{cosm}/intakes"),  # the intake page
        ("coordinator", "/"),
        ("coordinator", "/bestaat-niet"),  # even a 404 to someone logged in
    ],
)
def test_pages_for_someone_logged_in_are_no_store(client, login, users, registry, case, role, path):
    login(users[role])
    resp = client.get(path.format(case_id=case.case_id, cosm=registry["shelters"]["rot-cosm"].id))
    assert resp.status_code in (200, 404), resp.status_code
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "role,path",
    [
        ("coordinator", "/api/v1/placement-requests/{request_id}"),  # one request
        ("coordinator", "/api/v1/placement-requests"),  # the list
        ("comensha", "/api/v1/occupancy?format=csv"),
        (None, "/api/v1/placement-requests"),  # 401
        ("coordinator", "/api/v1/placement-requests/999999"),  # 404
    ],
)
def test_every_api_answer_is_no_store(api, case, role, path):
    resp = api(role, "GET", path.format(request_id=case.id))
    assert resp.headers["Cache-Control"] == "no-store", (resp.status_code, resp.headers.get("Cache-Control"))


def test_a_logged_in_csv_export_is_no_store(client, login, users, registry):
    login(users["comensha"])
    resp = client.get("/landelijk/export/occupancy.csv")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"


def test_the_login_page_is_no_store_and_static_files_may_be_cached(client, login, users):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    login(users["coordinator"])  # logged in or not, a stylesheet is no case data
    static = client.get("/static/style.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_the_ical_feed_keeps_its_own_short_cache(app, users, now):
    from piket.rotas import service

    feed = service.renew_feed(now, users["coordinator"])
    resp = app.test_client().get(f"/piket/ical/{feed.token}.ics")  # a calendar app: no session
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "private, max-age=300"
