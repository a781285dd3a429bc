"""The national exports: who sees what (national, regional, nothing), small-count suppression,
CSV and JSON of the same table, and bad queries answered with the field named."""

import csv
import datetime as dt
import io

import pytest

from extensions import db
from piket import service as piket

BODY = {
    "case_reference": "PL-9",
    "callback_phone": "+31612345678",
    "found": {"region": "rotterdam"},
    "requests": [{"persons": [{"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}]}],
}


@pytest.fixture
def withdrawn(users, now):
    """withdrawn(n, region): n requests in that region, withdrawn an hour ago without a bed."""

    def make(n, region="rotterdam"):
        for _ in range(n):
            fields = piket.parse_case({**BODY, "found": {"region": region}}, users["police"])
            case, _ = piket.create_case(now - dt.timedelta(hours=2), fields, users["police"])
            piket.cancel(now - dt.timedelta(hours=1), case.requests[0].id, users["police"])
        db.session.commit()

    return make


def rows_by(table, key):
    return {row[key]: row for row in table["rows"]}


def test_comensha_sees_the_country_with_every_count(api, withdrawn):
    withdrawn(2)
    withdrawn(1, "amsterdam")
    body = api("comensha", "GET", "/api/v1/unmet-demand").json
    assert body["scope"] == "national" and body["suppressed"] is False
    reasons = rows_by(body["tables"]["unmet_by_reason"], "reason")
    assert reasons["withdrawn"]["requests"] == 3 and reasons["withdrawn"]["persons"] == 3


def test_a_coordinator_sees_only_their_regions_and_no_count_under_three(api, users, withdrawn):
    withdrawn(2)
    withdrawn(5, "amsterdam")  # not the coordinator's region: never counted in their view
    body = api("coordinator", "GET", "/api/v1/unmet-demand").json
    assert body["scope"] == "regional" and body["suppressed"] is True
    assert body["regions"] == [users["coordinator"].regions[0].id]
    reasons = rows_by(body["tables"]["unmet_by_reason"], "reason")
    assert reasons["withdrawn"]["requests"] is None and reasons["withdrawn"]["persons"] is None
    by_month = body["tables"]["unmet_by_region_month"]["rows"]
    assert {row["region"] for row in by_month} == {"Rotterdam"}
    occupancy = api("coordinator", "GET", "/api/v1/occupancy").json["tables"]["occupancy_regions"]["rows"]
    assert {row["region"] for row in occupancy if not row.get("total")} == {"Rotterdam"}


def test_three_is_shown_to_a_coordinator(api, withdrawn):
    withdrawn(3)
    reasons = rows_by(api("coordinator", "GET", "/api/v1/unmet-demand").json["tables"]["unmet_by_reason"], "reason")
    assert reasons["withdrawn"]["requests"] == 3


@pytest.mark.parametrize("role", ["police", "shelter_staff"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/occupancy",
        "/api/v1/unmet-demand",
        "/api/v1/time-to-placement",
        "/api/v1/freshness",
        "/api/v1/comensha-reports",
        "/api/v1/occupancy/history",
    ],
)
def test_police_and_shelter_staff_see_none_of_it(api, role, url):
    resp = api(role, "GET", url)
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"


def test_csv_is_the_same_table_as_json(api, withdrawn):
    withdrawn(3)
    tables = api("comensha", "GET", "/api/v1/unmet-demand").json["tables"]
    resp = api("comensha", "GET", "/api/v1/unmet-demand?format=csv&table=unmet_by_reason")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert 'filename="unmet_by_reason.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    expected = tables["unmet_by_reason"]
    assert list(rows[0]) == expected["columns"]
    assert [{k: str(v) for k, v in row.items() if k in expected["columns"]} for row in expected["rows"]] == rows


def test_a_coordinators_csv_is_suppressed_too(api, withdrawn):
    withdrawn(2)
    rows = list(
        csv.DictReader(io.StringIO(api("coordinator", "GET", "/api/v1/unmet-demand?format=csv").get_data(as_text=True)))
    )
    withdrawn_row = next(r for r in rows if r["reason"] == "withdrawn")
    assert withdrawn_row["requests"] == "" and withdrawn_row["persons"] == ""


@pytest.mark.parametrize(
    "query,field",
    [("days=7", "days"), ("days=abc", "days"), ("format=xml", "format"), ("format=csv&table=nope", "table")],
)
def test_bad_queries_name_the_field(api, query, field):
    resp = api("comensha", "GET", f"/api/v1/unmet-demand?{query}")
    assert resp.status_code == 422 and resp.json["error"]["field"] == field


@pytest.mark.parametrize(
    "query,field",
    [
        ("from=yesterday", "from"),
        ("from=2026-11-20&to=2026-11-01", "from"),
        ("from=2024-01-01&to=2026-11-01", "from"),
        ("kind=minutely", "kind"),
        ("from=2027-03-27&to=2027-03-28 02:30", "to"),  # the hour the clock skips
        ("from=2026-10-25 02:30&to=2026-10-26", "from"),
    ],
)  # the doubled hour
def test_history_queries_name_the_field(api, query, field):
    resp = api("comensha", "GET", f"/api/v1/occupancy/history?{query}")
    assert resp.status_code == 422 and resp.json["error"]["field"] == field


def test_the_regional_page_says_so_and_hides_small_counts(login, users, client, withdrawn):
    withdrawn(2)
    html = login(users["coordinator"]).get("/landelijk").get_data(as_text=True)
    assert "Regionaal beeld" in html and "&lt;3" in html and "Amsterdam" not in html.split("<main")[1]


def test_the_page_and_its_downloads_for_comensha(login, users, client, withdrawn):
    withdrawn(3)
    login(users["comensha"])
    page = client.get("/landelijk?dagen=90")
    assert page.status_code == 200 and "Landelijk beeld" in page.get_data(as_text=True)
    assert client.get("/landelijk?dagen=12").status_code == 422
    download = client.get("/landelijk/export/unmet_demand.csv?table=unmet_by_reason&dagen=90")
    assert download.status_code == 200 and download.get_data(as_text=True).startswith(
        "reden,"
    )  # people read Dutch headers, not the code column
    everything = client.get("/landelijk/export/unmet_demand.json").json
    assert everything["unmet_by_reason"]["rows"]
    assert client.get("/landelijk/export/secrets.csv").status_code == 422
