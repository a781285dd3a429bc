"""A region's ladder and office hours edited on a phone, in a real browser, checked by axe-core: the
preview names who is on duty, an unsaved edit is previewed before it is saved."""

from extensions import db
from piket.ladders import service
from tests.conftest import browser_login
from tests.piket.test_pages_browser import PHONE, accessible, tap


def test_an_admin_edits_a_ladder_and_office_hours_on_a_phone(app, users, duty, registry, live_server, browser):
    admin = users["admin"].email
    db.session.commit()
    page = browser.new_context(**PHONE).new_page()
    browser_login(page, live_server, admin, "correct-horse-1")
    page.goto(f"{live_server}/piket/roosters")
    tap(page.locator("#ladders-link"))
    tap(page.locator("#region-rotterdam").get_by_role("link", name="Escalatieladder wijzigen"))
    saved = page.locator("#saved-preview").inner_text()
    assert "minuut 0: Coördinator primary (piket, sms+telefoontje)" in saved
    assert "minuut 20: Coördinator national (landelijk" in saved
    accessible(page, "ladder-01-page")

    # The back-up is called at minute 7 instead of 10: previewed, not yet stored, then saved.
    page.fill("input[name='after_hours-2-after']", "7")
    tap(page.get_by_role("button", name="Voorbeeld"))
    assert "minuut 7: Coördinator backup (achtervang" in page.locator("#edit-preview").inner_text()
    assert service.policy_json(registry["regions"]["rotterdam"])["default"] is True
    db.session.commit()
    accessible(page, "ladder-02-preview")
    tap(page.get_by_role("button", name="Opslaan"))
    assert "opgeslagen" in page.locator(".flash").inner_text()
    assert "minuut 7: Coördinator backup" in page.locator("#saved-preview").inner_text()
    db.session.expire_all()
    assert service.policy(registry["regions"]["rotterdam"])["after_hours"][2]["after"] == 7
    db.session.commit()

    # Office hours: Christmas Eve only in the morning.
    tap(page.get_by_role("link", name="Kantooruren van Rotterdam"))
    page.fill("input[name='e-0-from']", "2026-12-24")
    page.select_option("select[name='e-0-kind']", "hours")
    page.fill("input[name='e-0-start']", "09:00")
    page.fill("input[name='e-0-end']", "12:00")
    tap(page.get_by_role("button", name="Opslaan"))
    assert "opgeslagen" in page.locator(".flash").inner_text()
    accessible(page, "ladder-03-office-hours")
    db.session.expire_all()
    assert service.office_hours(registry["regions"]["rotterdam"])["exceptions"] == [
        {"from": "2026-12-24", "to": "2026-12-24", "windows": [{"from": "09:00", "to": "12:00"}]}
    ]
    db.session.commit()
