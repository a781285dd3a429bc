"""Issue 16's walk, in a real browser on a phone-sized screen, every page checked by axe-core: an admin
creates a coordinator, who sets a password, verifies a phone and sends a test page; the admin puts the
coordinator on Rotterdam's rota with a swap, changes the region's office hours and ladder, and sees the
preview name the coordinator; shelter staff change a contra-indication and the national search follows.
No developer, no command line, no table row written by hand."""

from sqlalchemy import select

from accounts import service as accounts
from accounts.models import User
from extensions import db
from notify import service as notify
from tests.conftest import browser_login, browser_second_factor
from tests.piket.test_pages_browser import PHONE, accessible, tap

NEW = "nina@test.nl"
PASSWORD = "een-nieuw-wachtwoord-9"


def test_an_admin_runs_a_region_on_a_phone(app, registry, users, duty, fake, now, live_server, browser):
    admin, staff = users["admin"].email, users["shelter_staff"].email
    rota_id, cosm_id = duty["rotas"]["primary"].id, registry["shelters"]["rot-cosm"].id
    db.session.commit()
    desk = browser.new_context(**PHONE).new_page()
    browser_login(desk, live_server, admin, "correct-horse-1")

    # 1. The admin creates a coordinator of Rotterdam, with a mobile number; a one-time link, no password.
    desk.goto(f"{live_server}/beheer/gebruikers")
    tap(desk.get_by_role("link", name="Nieuw account"))
    desk.fill("#email", NEW)
    desk.fill("#name", "Nina Nieuw")
    desk.select_option("#role", "coordinator")
    desk.check("input[name=regions][value=rotterdam]")
    desk.fill("#phone", "06 1234 5678")
    accessible(desk, "walk-01-new-account")
    tap(desk.get_by_role("button", name="Account aanmaken"))
    link = desk.locator("#password-link").inner_text().replace(app.config["PUBLIC_BASE_URL"], live_server)
    accessible(desk, "walk-02-password-link")

    # 2. The coordinator sets a password, logs in (second factor) and verifies the phone with the SMS code.
    nina = browser.new_context(**PHONE).new_page()
    nina.goto(link)
    nina.fill("#password", PASSWORD)
    nina.fill("#confirmation", PASSWORD)
    tap(nina.get_by_role("button", name="Wachtwoord instellen"))
    browser_login(nina, live_server, NEW, PASSWORD)
    browser_second_factor(nina, NEW)
    nina.goto(f"{live_server}/account/telefoon")
    assert nina.locator("#phone-number").inner_text() == "+31612345678"
    tap(nina.get_by_role("button", name="Stuur mij een code per sms"))
    notify.dispatch_due(now, fake, app.config["PUBLIC_BASE_URL"])
    db.session.commit()
    code = fake.sent[-1]["body"].split()[-1]
    nina.fill("input[name=code]", code)
    tap(nina.get_by_role("button", name="Bevestigen"))
    assert nina.locator("#phone-verified").count() == 1
    # ... and sends herself a test page: an SMS and a call, both on the test's own timeline.
    tap(nina.get_by_role("button", name="Stuur mij een testoproep"))
    assert nina.locator("#test-timeline li").count() == 2
    accessible(nina, "walk-03-phone-verified-and-tested")

    # 3. The admin puts her on Rotterdam's primary rota with a swap, from now for the rest of the night.
    desk.goto(f"{live_server}/piket/roosters/{rota_id}")
    desk.select_option("#override-user", label=f"Nina Nieuw ({NEW})")
    desk.fill("#override-start", "2026-11-22T02:30")
    desk.fill("#override-end", "2026-11-22T08:00")
    desk.fill("#override-reason", "ruil")
    tap(desk.get_by_role("button", name="Overdragen"))
    assert "Nina Nieuw" in desk.locator("#overrides").inner_text()
    accessible(desk, "walk-04-rota-with-swap")

    # 4. Office hours: Christmas Eve only in the morning; the ladder: the back-up at minute 7, previewed first.
    desk.goto(f"{live_server}/beheer/regio/rotterdam/kantooruren")
    desk.fill("input[name='e-0-from']", "2026-12-24")
    desk.select_option("select[name='e-0-kind']", "hours")
    desk.fill("input[name='e-0-start']", "09:00")
    desk.fill("input[name='e-0-end']", "12:00")
    tap(desk.get_by_role("button", name="Opslaan"))
    assert "opgeslagen" in desk.locator(".flash").inner_text()
    accessible(desk, "walk-05-office-hours")
    desk.goto(f"{live_server}/beheer/regio/rotterdam/ladder")
    assert "minuut 0: Nina Nieuw (piket" in desk.locator("#saved-preview").inner_text()
    desk.fill("input[name='after_hours-2-after']", "7")
    tap(desk.get_by_role("button", name="Voorbeeld"))
    preview = desk.locator("#edit-preview").inner_text()
    assert "minuut 5: Nina Nieuw" in preview and "minuut 7: Coördinator backup (achtervang" in preview
    tap(desk.get_by_role("button", name="Opslaan"))
    assert "opgeslagen" in desk.locator(".flash").inner_text()
    assert "minuut 7: Coördinator backup" in desk.locator("#saved-preview").inner_text()
    accessible(desk, "walk-06-ladder-preview")

    # 5. Shelter staff remove a contra-indication; the national search now finds their shelter.
    search = f"{live_server}/zoeken?gender=female&residence=none&needs=active_addiction"
    night = browser.new_context(**PHONE).new_page()
    browser_login(night, live_server, staff, "correct-horse-1")
    night.goto(search)
    assert night.locator(f'[data-shelter="{cosm_id}"]').count() == 0
    night.goto(f"{live_server}/opvang/{cosm_id}/profiel")
    night.locator("input[name=excludes][value=active_addiction]").uncheck()
    tap(night.locator("#preview"))
    assert night.locator("#changes").inner_text() == "Contra-indicaties: − actieve verslaving"
    tap(night.locator("#confirm"))
    night.goto(search)
    assert night.locator(f'[data-shelter="{cosm_id}"]').count() == 1
    accessible(night, "walk-07-search-after-profile")

    # What the pages did is in the database as they said: no developer needed.
    db.session.expire_all()
    nina_user = db.session.scalar(select(User).where(User.email == NEW))
    assert nina_user.phone_verified_at is not None and accounts.user_by_email(NEW).role == "coordinator"
