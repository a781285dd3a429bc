"""The pages of a night that went wrong, in a real browser on a phone, checked by axe-core:
the police page of an exhausted request, the coordinator taking it on, and Intrekken's question."""

from extensions import db
from tests.conftest import PHONE, accessible, browser_login, new_request, reload, tap  # noqa: F401 (PHONE, tap: imported from here)

NATIONAL_NUMBER = "+31 6 0000 0100"


def test_exhausted_and_intrekken_in_a_browser(app, users, fake, tick, now, live_server, browser):
    app.config["NATIONAL_PIKET_NUMBER"] = NATIONAL_NUMBER
    exhausted = new_request(users, now)
    tick(now)  # nobody on any rota: exhausted at once
    waiting = new_request(users, now, case_reference="PL1700-2026-0043")  # not yet paged: still open
    exhausted_url, waiting_url = f"{live_server}/zaak/{exhausted.case_id}", f"{live_server}/zaak/{waiting.case_id}"
    police, coordinator = users["police"].email, users["coordinator"].email
    exhausted_id, waiting_id = exhausted.id, waiting.id
    db.session.commit()  # plain values from here (SQLite: the server's threads need the write lock)

    # The officer: what happens now, and the national number one tap away.
    page = browser.new_context(**PHONE).new_page()
    browser_login(page, live_server, police, "correct-horse-1")
    page.goto(exhausted_url)
    call = page.locator(".next.exhausted a[href^='tel:']")
    assert call.inner_text() == NATIONAL_NUMBER and call.get_attribute("href") == "tel:+31600000100"
    assert "gealarmeerd" in page.locator(".next.exhausted").inner_text()
    accessible(page, "exhausted-01-police")

    # Intrekken asks first; "Nee" changes nothing, "Ja, intrekken" withdraws.
    page.goto(waiting_url)
    tap(page.get_by_role("link", name="Intrekken"))
    assert "Weet u zeker" in page.locator("#cancel-question").inner_text()
    accessible(page, "exhausted-02-cancel-question")
    tap(page.get_by_role("link", name="Nee, terug naar de zaak"))
    assert reload(waiting).status == "received"
    db.session.commit()
    tap(page.get_by_role("link", name="Intrekken"))
    tap(page.get_by_role("button", name="Ja, intrekken"))
    assert page.locator(f"#request-{waiting_id}").get_attribute("data-status") == "cancelled"

    # The coordinator opens the alarm's link: take it on, then choose a proposal.
    page = browser.new_context(**PHONE).new_page()
    browser_login(page, live_server, coordinator, "correct-horse-1")
    page.goto(exhausted_url)
    accessible(page, "exhausted-03-coordinator")
    tap(page.get_by_role("button", name="Aannemen"))
    assert page.locator(f"#request-{exhausted_id}").get_attribute("data-status") == "accepted"
    tap(page.get_by_role("button", name="Kies").first)
    assert page.locator(f"#request-{exhausted_id}").get_attribute("data-status") == "placing"
    accessible(page, "exhausted-04-coordinator-placing")
