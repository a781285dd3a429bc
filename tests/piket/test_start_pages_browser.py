"""The start pages and the lists on a phone (390x844) in a real browser: axe-core finds nothing, the page
itself never scrolls sideways (a wide table scrolls inside its own region), the cursor starts in the login form."""

import datetime as dt

from extensions import db
from tests.conftest import browser_login, hold_a_place, new_request
from tests.piket.test_pages_browser import PHONE, accessible

MIN = dt.timedelta(minutes=1)


def fits(page):
    """No horizontal scroll of the page itself at this width."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (page.url, width, inner)


def test_the_start_pages_and_lists_on_a_phone(users, duty, registry, now, live_server, browser):
    for minutes, reference in ((190, "PL1700-2026-0040"), (75, "PL1700-2026-0041"), (12, "PL1700-2026-0042")):
        request = new_request(users, now - minutes * MIN, case_reference=reference)
    hold_a_place(now - 70 * MIN, request.id, registry["shelters"]["rot-mo"].pools[0], duty["people"]["primary"])
    police, coordinator = users["police"].email, duty["people"]["primary"].email
    db.session.commit()

    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server}/login")
    assert page.evaluate("document.activeElement.id") == "email"  # autofocus: type at once
    browser_login(page, live_server, police, "correct-horse-1")
    page.goto(f"{live_server}/")
    assert page.get_by_role("link", name="Bed aanvragen").first.is_visible()
    assert page.locator("#start-requests tbody tr").count() == 3
    fits(page)
    accessible(page, "start-01-police")
    page.goto(f"{live_server}/aanvragen")
    assert page.locator("#requests tbody tr").first.get_attribute("data-case") is not None
    fits(page)
    accessible(page, "start-02-police-list")

    page = browser.new_context(**PHONE).new_page()
    browser_login(page, live_server, coordinator, "correct-horse-1")
    page.goto(f"{live_server}/")
    assert "U bent nu van dienst" in page.locator("#duty").inner_text()
    assert "Mannenopvang Rotterdam" in page.locator("#expiring-holds").inner_text()
    first = page.locator("#start-requests tbody tr").first.inner_text()
    assert "PL1700-2026-0042" in first and "12 min" in first  # newest first
    fits(page)
    accessible(page, "start-03-coordinator")
    page.goto(f"{live_server}/aanvragen?sorteer=oud")
    assert "PL1700-2026-0040" in page.locator("#requests tbody tr").first.inner_text()
    assert page.locator("#requests th[aria-sort]").get_attribute("aria-sort") == "ascending"
    fits(page)
    accessible(page, "start-04-coordinator-list-oldest-first")
    page.goto(f"{live_server}/piket/roosters")
    page.fill("#f-q", "rotterdam")
    with page.expect_navigation():
        page.get_by_role("button", name="Filteren").click()
    assert "q=rotterdam" in page.url and page.locator("#rotas tbody tr").count() == 2  # primary and back-up
    fits(page)
    accessible(page, "start-05-rotas-filtered")
