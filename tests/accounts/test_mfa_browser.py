"""The second factor walked in a real browser, checked by axe-core: a coordinator enrols from the QR page
(the key read from its text), logs in with a code, then with a recovery code; an admin resets the factor
and the coordinator is asked to enrol again."""

import datetime as dt

from extensions import db
from tests.conftest import browser_login, totp_code
from tests.piket.test_pages_browser import PHONE, accessible, tap


def password(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct-horse-1")
    tap(page.get_by_role("button", name="Inloggen"))


def click(locator):
    with locator.page.expect_navigation():
        locator.click()


def log_out(page):
    tap(page.get_by_role("button", name="Uitloggen"))


def test_enrol_code_recovery_code_and_reset_in_a_browser(app, users, now, live_server, browser):
    email, admin, coordinator_id = users["coordinator"].email, users["admin"].email, users["coordinator"].id
    db.session.commit()  # plain values from here (SQLite: the server's threads need the write lock)
    page = browser.new_context(**PHONE).new_page()

    # First login: after the password, the enrolment page; nothing else opens yet.
    password(page, live_server, email)
    assert page.url.endswith("/login/instellen")
    assert page.locator("figure.qr svg").count() == 1
    accessible(page, "mfa-01-enrol")
    page.goto(f"{live_server}/aanvragen")
    assert "/login" in page.url
    page.goto(f"{live_server}/login/instellen")
    secret = page.locator("#mfa-secret").inner_text()
    page.fill("input[name=code]", "000000" if totp_code(secret) != "000000" else "111111")
    tap(page.get_by_role("button", name="Instellen"))
    assert "klopt niet" in page.locator("#code-error").inner_text()
    accessible(page, "mfa-02-enrol-wrong-code")
    page.fill("input[name=code]", totp_code(secret))
    tap(page.get_by_role("button", name="Instellen"))
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    accessible(page, "mfa-03-recovery-codes")
    tap(page.get_by_role("link", name="Ik heb ze bewaard, verder"))
    assert page.locator("h1").inner_text().startswith("Welkom")
    log_out(page)

    # Next login: a code from the app (the next time step's: the first was taken at enrolment).
    password(page, live_server, email)
    assert page.url.endswith("/login/code")
    accessible(page, "mfa-04-code")
    app.config["FROZEN_NOW"] = now + dt.timedelta(seconds=30)
    page.fill("input[name=code]", totp_code(secret))
    tap(page.get_by_role("button", name="Inloggen"))
    assert page.locator("h1").inner_text().startswith("Welkom")
    log_out(page)

    # A lost phone: a recovery code, once.
    password(page, live_server, email)
    tap(page.get_by_role("link", name="Geen toegang tot uw app? Gebruik een herstelcode"))
    accessible(page, "mfa-05-recovery")
    page.fill("input[name=recovery_code]", codes[0])
    tap(page.get_by_role("button", name="Inloggen"))
    assert "nog 9 herstelcode" in page.locator(".flash").inner_text()
    log_out(page)

    # The admin (enrolling on their own first login) resets the coordinator's second factor.
    desk = browser.new_context().new_page()
    browser_login(desk, live_server, admin, "correct-horse-1")
    desk.goto(f"{live_server}/beheer/gebruikers")
    accessible(desk, "mfa-06-users")
    click(desk.get_by_role("button", name=f"Tweede factor resetten van {email}"))
    assert "is gereset" in desk.locator(".flash").inner_text()
    assert desk.locator(f"#user-{coordinator_id} td.mfa").inner_text() == "Nog niet ingesteld (verplicht)"

    # The coordinator's next login asks to enrol again; the old recovery codes are gone.
    password(page, live_server, email)
    assert page.url.endswith("/login/instellen")
    assert page.locator("#mfa-secret").inner_text() != secret
