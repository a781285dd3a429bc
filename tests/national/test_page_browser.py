"""The national page in a real headless Chromium, as the CoMensha user, on the demo data: it shows
the map and the charts, and every figure in its tables is the figure the API reports."""

from accounts import service as accounts
from beds import demo as beds_demo
from national import demo as national_demo
from national import present, service
from national.tables import CODE
from tests.conftest import browser_login
from tests.piket.test_pages_browser import accessible
from vocabulary import OCCUPANCY_ALARMS

COMPARED = (
    "occupancy_regions",
    "occupancy_types",
    "occupancy_trend",
    "freshness",
    "unmet_by_reason",
    "unmet_by_contra_indication",
    "unmet_by_target_group",
    "unmet_by_region_month",
    "refusals_by_reason",
    "time_to_placement",
    "escalations",
    "open_reports",
    "reports",
)
ENDPOINTS = (
    "/api/v1/occupancy",
    "/api/v1/freshness",
    "/api/v1/unmet-demand",
    "/api/v1/time-to-placement",
    "/api/v1/comensha-reports",
)
CELLS = "rows => rows.map(r => Object.fromEntries([...r.querySelectorAll('td[data-col]')].map(td => [td.dataset.col, td.textContent.trim()])))"


def shown(key, value) -> str:
    """How the page writes a value of the API."""
    if value is None:
        return "–"
    if key == "alarm":
        return OCCUPANCY_ALARMS[value]
    return str(present.text(key, value))  # ja/nee, decimal comma, dates in words


def test_comensha_sees_on_the_page_what_the_api_reports(app, client, now, live_server, browser):
    beds_demo.load(now)
    national_demo.load(now)
    comensha = accounts.user_by_email("comensha@demo.piket.nl")
    token = accounts.issue_token(now, comensha)
    api = {}
    for url in ENDPOINTS:
        resp = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.json
        api.update(resp.json["tables"])
    from extensions import db

    tables = {t.key: t for topic in service.TOPICS for t in service.topic_tables(now, topic, comensha, app.config)}
    db.session.commit()  # the browser's requests need the database free (SQLite)
    assert set(COMPARED) <= set(api)
    # The demo has history enough that none of these is empty: the comparison below compares something.
    for key in ("occupancy_regions", "occupancy_trend", "unmet_by_reason", "time_to_placement", "open_reports"):
        assert api[key]["rows"], key

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    browser_login(page, live_server, "comensha@demo.piket.nl", beds_demo.PASSWORD)
    page.goto(f"{live_server}/landelijk")
    assert page.locator("h1").inner_text() == "Landelijk beeld"
    for key in COMPARED:
        on_page = page.eval_on_selector_all(f"table[data-table={key}] tbody tr", CELLS)
        # The open reports are named by the case reference on the page (a row header), not by the API's internal id.
        codes = {k for k, label in tables[key].columns if label == CODE}  # for programs: not on the page
        columns = [
            col for col in api[key]["columns"] if col not in codes and not (key == "open_reports" and col == "case")
        ]
        expected = [{col: shown(col, row.get(col)) for col in columns} for row in api[key]["rows"]]
        assert on_page == expected, key
    references = page.eval_on_selector_all("#t-open_reports tbody th.case-ref", "ths => ths.map(t => t.textContent)")
    assert len(references) == len(api["open_reports"]["rows"]) and all(references)

    # The map: one dot per region with shelters, coloured by its alarm; the trend is a drawn line.
    regions = [r for r in api["occupancy_regions"]["rows"] if not r.get("total")]
    assert page.locator("svg.map g.region").count() == len(regions)
    assert page.locator("svg.chart polyline.series").count() == 3
    alarmed = [r for r in regions if r["alarm"]]
    for row in alarmed:
        assert page.locator(f'svg.map g.alarm-{row["alarm"]}[data-region="{row["code"]}"]').count() == 1
    # The real outline, and the labels as Chromium lays them out with a real font: none overlaps another.
    assert page.locator("svg.map path.land").count() == 1
    boxes = page.eval_on_selector_all(
        "svg.map text",
        "ts => ts.map(t => { const b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; })",
    )
    assert len(boxes) >= 0.9 * len(regions)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # At 1366 px the main table shows every column without scrolling (none hidden behind a scroll bar).
    fits = page.eval_on_selector(
        "#t-occupancy_regions", "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]"
    )
    assert fits[0] <= fits[1], fits
    accessible(page, "national-laptop")

    # On a phone: nothing wider than the screen (wide tables scroll inside their own box).
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    browser_login(phone, live_server, "comensha@demo.piket.nl", beds_demo.PASSWORD)
    phone.goto(f"{live_server}/landelijk")
    wider = "[...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.scroll'))"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, phone.evaluate(f"{wider}.map(e => e.tagName)")
    assert phone.locator("svg.map").bounding_box()["width"] <= 390
    accessible(phone, "national-phone")
