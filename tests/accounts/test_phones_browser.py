"""Mijn telefoon in a real browser on a phone-sized screen, checked by axe-core: a police officer (no
second factor) types a landline (refused beside the field), then a mobile number, gets the code by
SMS (the fake provider), verifies, and sends a test whose lines appear on the page."""

from extensions import db
from notify import service as notify
from tests.conftest import browser_login
from tests.piket.test_pages_browser import PHONE, accessible, tap


def test_my_phone_in_a_browser(app, users, fake, now, live_server, browser):
    email = users["police"].email
    db.session.commit()
    page = browser.new_context(**PHONE).new_page()
    browser_login(page, live_server, email, "correct-horse-1")
    page.goto(f"{live_server}/account/telefoon")
    assert page.locator("#phone-none").count() == 1
    page.fill("input[name=phone]", "010 123 4567")
    tap(page.get_by_role("button", name="Nummer opslaan"))
    assert "geen mobiel nummer" in page.locator("#phone-error").inner_text()
    accessible(page, "phone-01-landline")
    page.fill("input[name=phone]", "06 1234 5678")
    tap(page.get_by_role("button", name="Nummer opslaan"))
    assert page.locator("#phone-number").inner_text() == "+31612345678"
    tap(page.get_by_role("button", name="Stuur mij een code per sms"))
    notify.dispatch_due(now, fake, app.config["PUBLIC_BASE_URL"])
    db.session.commit()
    code = fake.sent[-1]["body"].split()[-1]
    page.fill("input[name=code]", code)
    tap(page.get_by_role("button", name="Bevestigen"))
    assert page.locator("#phone-verified").count() == 1
    tap(page.get_by_role("button", name="Stuur mij een testoproep"))
    assert page.locator("#test-timeline li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    accessible(page, "phone-02-verified-and-tested")
