"""On a phone: shelter staff remove a contra-indication on the profile page, see the change, confirm,
and the national search finds the shelter for someone with that need (axe-core on each page)."""

from extensions import db
from tests.conftest import browser_login
from tests.piket.test_pages_browser import PHONE, accessible


def click(locator):
    with locator.page.expect_navigation():
        locator.click()


def test_staff_change_a_contra_indication_and_the_search_follows(registry, users, live_server, browser):
    cosm_id, staff = registry["shelters"]["rot-cosm"].id, users["shelter_staff"].email
    db.session.commit()
    search = f"{live_server}/zoeken?gender=female&residence=none&needs=active_addiction"
    page = browser.new_context(**PHONE).new_page()
    browser_login(page, live_server, staff, "correct-horse-1")
    page.goto(search)
    assert page.locator(f'[data-shelter="{cosm_id}"]').count() == 0

    page.goto(f"{live_server}/opvang/{cosm_id}")
    page.goto(live_server + page.locator("#edit-profile").get_attribute("href"))
    accessible(page, "profile-01-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no wider than the phone
    page.locator("input[name=excludes][value=active_addiction]").uncheck()
    click(page.locator("#preview"))
    assert page.locator("#changes").inner_text() == "Contra-indicaties: − actieve verslaving"
    accessible(page, "profile-02-changes")
    click(page.locator("#confirm"))
    assert "Profiel opgeslagen" in page.locator(".flash").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no wider than the phone

    page.goto(search)
    assert page.locator(f'[data-shelter="{cosm_id}"]').count() == 1
