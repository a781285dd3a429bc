"""The night scenario, end to end in a real headless Chromium against a real server.

Night one, Sunday 02:30 (after hours). A police officer asks on a phone for beds for a mother with two
children and a man from the same case who must be kept apart; the worker pages the coordinator
on duty (console provider); the coordinator accepts by the link and places both; both shelters
confirm the intake; the officer sees where to go; CoMensha sees the placements and the open report.
Every step is driven through the real pages; a screenshot of each goes to test-artifacts/night-*.png.
Night two, on the national piket number: the primary's voicemail picks up and presses nothing, the
back-up presses 1 and takes it (Twilio's webhooks driven over HTTP with valid signatures; night2-*.png).
"""

import datetime as dt
import io
import re
from types import SimpleNamespace

from sqlalchemy import select

from extensions import db
from tests.conftest import BACKUP, NOW, PRIMARY, TWILIO_TEST_TOKEN, browser_login, browser_second_factor, screenshot

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 900}}
CALLBACK = "+31612345678"
COSM_PHONE, MO_PHONE = "+31101234567", "+31107654321"
CELLS = "rows => rows.map(r => Object.fromEntries([...r.querySelectorAll('td[data-col]')].map(td => [td.dataset.col, td.textContent.trim()])))"


def fits_phone(page):
    """Nothing on the page is wider than the phone's screen (no sideways scrolling at night)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 390:  # name the culprits
        wide = page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 391)
          .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        raise AssertionError(f"{page.url} is {width}px wide: {wide[:8]}")


def tap(locator):
    """A finger on a button, then the page it leads to."""
    with locator.page.expect_navigation():
        locator.tap()


def open_page(context, url):
    page = context.new_page()
    page.goto(url)
    return page


def at(app, minutes):
    """The night goes on: the app's clock moves to NOW + minutes, and the worker (running all night) beats."""
    from piket import heartbeat

    moment = NOW + dt.timedelta(minutes=minutes)
    app.config["FROZEN_NOW"] = moment
    heartbeat.beat(moment, NOW)
    db.session.commit()
    return moment


def worker_tick(app, provider):
    """What the worker does each tick: due escalation steps, then the outbox goes out."""
    from notify import service as notify
    from piket import escalation

    now = app.config["FROZEN_NOW"]
    escalation.tick(now)
    notify.dispatch_due(now, provider, app.config["PUBLIC_BASE_URL"])
    db.session.commit()  # end the read, as the worker does after every job (SQLite: release the lock)


def occupancy(page, region_code):
    row = page.eval_on_selector_all(f'table[data-table=occupancy_regions] tbody tr[data-row="{region_code}"]', CELLS)
    assert len(row) == 1, region_code
    return row[0]


def test_a_night_from_the_police_phone_to_comensha(app, registry, users, duty, make_user, live_server, browser):
    from notify.providers import ConsoleProvider
    from piket.models import Case

    shelters = registry["shelters"]
    staff = {key: make_user("shelter_staff", shelters=[shelters[key]]) for key in ("rot-cosm", "rot-mo")}
    console = io.StringIO()
    app.extensions["notify_provider"] = ConsoleProvider(console)
    # Plain values only from here: touching an ORM object opens a transaction, which on SQLite holds
    # the write lock the server's threads need (every read is followed by a commit below).
    email = {
        "police": users["police"].email,
        "comensha": users["comensha"].email,
        "primary": duty["people"]["primary"].email,
        **{key: user.email for key, user in staff.items()},
    }
    primary_name = duty["people"]["primary"].name
    shelter_id = {key: shelters[key].id for key in shelters}
    shelter_name = {key: shelters[key].name for key in shelters}
    shelters["rot-mo"].intake_phone = MO_PHONE
    users["police"].phone = CALLBACK  # the officer's own number: the form offers it as the callback number
    db.session.commit()
    at(app, 0)

    # CoMensha's national page before the night, to compare with after.
    comensha = browser.new_context(**LAPTOP).new_page()
    browser_login(comensha, live_server, email["comensha"], "correct-horse-1")
    comensha.goto(f"{live_server}/landelijk")
    before = occupancy(comensha, "rotterdam")
    assert comensha.locator("table[data-table=open_reports] tbody th.case-ref").count() == 0

    # 1. The officer, on a phone, asks for beds: two groups, kept apart. Nothing asks for a name or an address.
    officer = browser.new_context(**PHONE)
    page = officer.new_page()
    browser_login(page, live_server, email["police"], "correct-horse-1")
    page.goto(f"{live_server}/aanvraag/nieuw")
    fits_phone(page)
    labels = " ".join(page.locator("form#request-form label").all_inner_texts()).lower()
    for personal in ("naam", "adres", "geboorte"):
        assert personal not in labels
    page.select_option("#region", "rotterdam")
    page.fill("#case_reference", "PL1700-2026-0042")
    assert page.input_value("#callback_phone") == CALLBACK
    page.select_option("#g0-gender", "female")
    page.fill("#g0-age", "31")
    page.select_option("#g0-residence", "none")
    page.select_option("#g0-exploitation", "sexual")
    page.fill("#g0-children", "2")
    tap(page.get_by_role("button", name="Nog een groep"))  # the form starts with one group
    page.check("#g0-apart")
    page.select_option("#g1-gender", "male")
    page.fill("#g1-age", "40")
    page.select_option("#g1-residence", "lawful")
    page.select_option("#g1-exploitation", "labour")
    page.check("#g1-apart")
    screenshot(page, "night-01-officer-form")
    tap(page.get_by_role("button", name="Aanvraag versturen", exact=True))
    assert re.search(r"/zaak/\d+$", page.url), page.url
    case_url = page.url
    fits_phone(page)
    assert page.locator("section.request").count() == 2
    assert page.locator("section.request p.next").count() == 2  # what happens now, in words
    screenshot(page, "night-02-officer-sent")
    case = db.session.scalars(select(Case)).one()
    mother, man = sorted(case.requests, key=lambda r: r.size, reverse=True)
    assert (mother.size, mother.children, man.size) == (3, 2, 1)
    assert mother.apart_from == [man.id] and man.apart_from == [mother.id]
    mother, man = (SimpleNamespace(id=r.id, short_code=r.short_code) for r in (mother, man))
    db.session.commit()

    # 2. The worker pages the primary on duty: one SMS with an accept link and one call for the case (both
    # groups, each by its code); no personal data.
    worker_tick(app, app.extensions["notify_provider"])
    printed = console.getvalue()
    sms = [line for line in printed.splitlines() if line.startswith(f"[sms] {PRIMARY}:")]
    calls = [line for line in printed.splitlines() if line.startswith(f"[call] {PRIMARY} ->")]
    assert len(sms) == 1 and len(calls) == 1, printed
    assert mother.short_code in sms[0] and man.short_code in sms[0] and "2 groepen (4 pers.)" in sms[0]
    for line in sms:
        body = line.split(": ", 1)[1]
        words = set(re.split(r"[\s,.:]+", body))
        assert not {"31", "40", "vrouw", "man", "kinderen"} & words, body  # no ages, genders or family make-up
        for private in ("PL1700", CALLBACK, "COSM", "Geheimstraat", "Mannenweg"):
            assert private not in body, body
    link = re.search(
        rf"{re.escape(app.config['PUBLIC_BASE_URL'])}(/a/[\w.\-]+)", next(s for s in sms if mother.short_code in s)
    )
    assert link, sms

    # 3. The coordinator, on a phone, opens the link, accepts, logs in and places both requests.
    at(app, 4)
    coordinator = browser.new_context(**PHONE)
    page = open_page(coordinator, live_server + link.group(1))
    fits_phone(page)
    assert mother.short_code in page.locator("h2").inner_text()
    screenshot(page, "night-03-coordinator-link")
    tap(page.get_by_role("button", name="Aannemen"))
    assert "aangenomen" in page.locator("#result").inner_text()
    fits_phone(page)
    screenshot(page, "night-04-coordinator-accepted")
    at(app, 6)
    tap(page.get_by_role("link", name="Naar de voorstellen (inloggen)"))
    assert "/login" in page.url
    page.fill("input[name=email]", email["primary"])
    page.fill("input[name=password]", "correct-horse-1")
    tap(page.get_by_role("button").filter(has_text="Inloggen"))
    browser_second_factor(page, email["primary"])  # a coordinator's first login: the second factor set up
    assert page.url == case_url, page.url
    fits_phone(page)
    assert page.locator("#worker-down").count() == 0
    assert page.locator(f"#request-{mother.id} p.apart").inner_text().startswith(f"Apart houden van {man.short_code}")
    assert page.locator(f"#request-{man.id} p.apart").inner_text().startswith(f"Apart houden van {mother.short_code}")
    screenshot(page, "night-05-coordinator-proposals")
    best = page.locator(f"#request-{mother.id} form.option.best")
    assert "COSM Rotterdam" in best.inner_text() and best.get_attribute("data-pool-kind") == "family_room"
    assert "gezinskamer" in best.inner_text()
    tap(best.get_by_role("button", name="Kies"))
    best = page.locator(f"#request-{man.id} form.option.best")
    assert "Mannenopvang Rotterdam" in best.inner_text()
    tap(best.get_by_role("button", name="Kies"))
    fits_phone(page)
    for request, shelter in ((mother, "COSM Rotterdam"), (man, "Mannenopvang Rotterdam")):
        placement = page.locator(f"#request-{request.id} .placement")
        assert placement.count() == 1
        assert shelter in placement.inner_text() and placement.get_attribute("data-placement-status") == "held"
    # The coordinator calls each shelter's intake line to announce the arrival.
    assert f"Intake: {COSM_PHONE}" in page.locator(f"#request-{mother.id} .placement").inner_text()
    assert f"Intake: {MO_PHONE}" in page.locator(f"#request-{man.id} .placement").inner_text()
    screenshot(page, "night-06-coordinator-chosen")

    # 4. Each shelter's night staff confirms its intake.
    for n, key in enumerate(("rot-cosm", "rot-mo")):
        at(app, 20 + 5 * n)
        page = browser.new_context(**PHONE).new_page()
        browser_login(page, live_server, email[key], "correct-horse-1")
        tap(page.get_by_role("link", name=f"Intakes {shelter_name[key]}"))  # from the start page
        assert page.url.endswith(f"/opvang/{shelter_id[key]}/intakes")
        fits_phone(page)
        code, what = (
            (mother.short_code, "3 personen (2 kinderen) · gezinskamer")
            if key == "rot-cosm"
            else (man.short_code, "1 persoon · bed")
        )
        assert page.locator("section.card").count() == 1
        assert f"{code} · {what}" in page.locator("section.card").inner_text()
        screenshot(page, f"night-{7 + 2 * n:02d}-shelter-{key}-intake")
        tap(page.get_by_role("button", name="Intake bevestigen"))
        assert "Intake bevestigd." in page.locator(".flash").inner_text()
        assert page.locator("section.card").count() == 0
        fits_phone(page)
        screenshot(page, f"night-{8 + 2 * n:02d}-shelter-{key}-confirmed")

    # 5. The officer sees where to go: shelter, town, intake phone and (confirmed) the address. The SMS has no address.
    at(app, 26)
    worker_tick(app, app.extensions["notify_provider"])
    at(app, 30)
    page = open_page(officer, case_url)
    fits_phone(page)
    for request, shelter, town, phone, address in (
        (mother, "COSM Rotterdam", "Rotterdam", COSM_PHONE, "Geheimstraat 1, Rotterdam"),
        (man, "Mannenopvang Rotterdam", "Rotterdam", MO_PHONE, "Mannenweg 3, Rotterdam"),
    ):
        section = page.locator(f"#request-{request.id}")
        assert section.get_attribute("data-status") == "placed"
        placement = section.locator(".placement").inner_text()
        assert shelter in placement and f"({town}," in placement and address in placement
        assert f"Intake: {phone}" in placement
    screenshot(page, "night-11-officer-meeting-details")
    to_officer = [line for line in console.getvalue().splitlines() if line.startswith(f"[sms] {CALLBACK}:")]
    assert len(to_officer) == 2, console.getvalue()
    assert all("Geheimstraat" not in s and "Mannenweg" not in s for s in to_officer)
    assert any("COSM Rotterdam" in s and COSM_PHONE in s for s in to_officer)
    assert any("Mannenopvang Rotterdam" in s and MO_PHONE in s for s in to_officer)

    # 6. Monday 09:00, CoMensha: more beds occupied in Rotterdam, the placements timed, the case's report still open.
    at(app, 30 * 60 + 30)
    comensha.goto(f"{live_server}/landelijk")
    assert "/login" in comensha.url  # the night's session ended while unused (SESSION_IDLE_MINUTES)
    browser_login(comensha, live_server, email["comensha"], "correct-horse-1")
    comensha.goto(f"{live_server}/landelijk")
    after = occupancy(comensha, "rotterdam")
    assert int(after["occupied"]) == int(before["occupied"]) + 2  # the family room and one bed
    assert int(after["free"]) == int(before["free"]) - 2
    reports = comensha.eval_on_selector_all("table[data-table=open_reports] tbody tr", CELLS)
    assert len(reports) == 1 and reports[0]["region"] == "Rotterdam", reports
    # Named by the officer's case reference, to match the report to the police case; CoMensha gets no link to the case.
    reference = comensha.locator("table[data-table=open_reports] tbody th.case-ref")
    assert reference.inner_text() == "PL1700-2026-0042" and reference.locator("a").count() == 0
    assert reports[0]["owner"] in (primary_name, email["primary"])
    assert (reports[0]["placed"], reports[0]["days_open"]) == ("zo\u00a022\u00a0nov\u00a002:50", "1")
    summary = comensha.eval_on_selector_all("table[data-table=reports] tbody tr", CELLS)
    assert {"region": "Rotterdam", "placed": "1", "made": "0", "open": "1"}.items() <= summary[0].items(), summary
    # Both accepted after 4 minutes (one link takes the case), confirmed after 20 and 25: the page times this night.
    timing = comensha.eval_on_selector_all("table[data-table=time_to_placement] tbody tr", CELLS)
    night = next(r for r in timing if r["region"] == "Rotterdam" and r["period"] == "buiten kantooruren")
    assert (night["requests"], night["median_accept"], night["median_confirmed"]) == ("2", "4", "22,5"), (
        night
    )  # minutes, as people read them
    screenshot(comensha, "night-12-comensha-national")


def twilio(app, base, path, params):
    """Twilio calling a webhook of the live server over HTTP, with a valid signature (the real RequestValidator)."""
    import requests

    from tests.conftest import twilio_signature

    resp = requests.post(
        base + path, data=params, headers={"X-Twilio-Signature": twilio_signature(app, path, params)}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    return resp.text


def twiml_url(twiml, verb, attribute):
    """The path (and query) of the first `verb`'s URL attribute in a TwiML answer."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    url = urlsplit(next(ET.fromstring(twiml).iter(verb)).get(attribute))
    return url.path + (f"?{url.query}" if url.query else "")


def test_a_second_night_the_voicemail_answers_and_the_backup_takes_it(app, registry, users, duty, live_server, browser):
    """Sunday 02:30 again, on the national piket number. The primary's phone goes to voicemail: it hears
    the whisper and presses nothing, which used to accept the request. The back-up presses 1, talks with
    the officer, and finds a place on the phone; the officer sees it."""
    from notify.providers import ConsoleProvider
    from piket.models import Case

    console = io.StringIO()
    app.extensions["notify_provider"] = ConsoleProvider(console)
    app.config["TWILIO_FROM_NUMBER"] = "+3197010000000"
    app.config["TWILIO_AUTH_TOKEN"] = TWILIO_TEST_TOKEN
    registry["regions"]["rotterdam"].dial_code = 12
    users["police"].phone = CALLBACK
    email = {"police": users["police"].email, "backup": duty["people"]["backup"].email}
    db.session.commit()
    at(app, 0)

    # 1. The officer calls the national number; the menu asks the region, the officer keys 12#.
    call = {"CallSid": "CAnight2", "From": CALLBACK}
    asked = twilio(app, live_server, "/webhooks/twilio/national", call)
    assert "regionummer" in asked and 'voice="Polly.Lotte"' in asked
    dial = twilio(app, live_server, twiml_url(asked, "Gather", "action"), {**call, "Digits": "12#"})
    assert f">{PRIMARY}</Number>" in dial and 'callerId="+3197010000000"' in dial
    case = db.session.scalars(select(Case)).one()
    request_id, code, case_id = case.requests[0].id, case.requests[0].short_code, case.id
    db.session.commit()

    # 2. The primary's voicemail picks up: it records the whisper (region, code, "press 1") and presses nothing.
    leg = {"CallSid": "CAleg-primary", "From": "+3197010000000"}
    whisper = twilio(app, live_server, twiml_url(dial, "Number", "url"), leg)
    assert ", ".join(code) in whisper and "Toets 1" in whisper and whisper.rstrip().endswith("<Hangup /></Response>")
    at(app, 1)
    # The leg completed (the voicemail took it): not an acceptance, the back-up is dialled.
    dial = twilio(app, live_server, twiml_url(dial, "Dial", "action"), {**call, "DialCallStatus": "completed"})
    assert f">{BACKUP}</Number>" in dial and "Geen gehoor" in dial
    assert db.session.get(Case, case_id).requests[0].status == "received"
    db.session.commit()

    # 3. The back-up answers, hears the whisper and presses 1: put through to the officer, and it is theirs.
    leg = {"CallSid": "CAleg-backup", "From": "+3197010000000"}
    whisper = twilio(app, live_server, twiml_url(dial, "Number", "url"), leg)
    taken = twilio(app, live_server, twiml_url(whisper, "Gather", "action"), {**leg, "Digits": "1"})
    assert "verbonden" in taken and "<Hangup" not in taken  # the whisper ends: Twilio bridges the two
    at(app, 6)
    end = twilio(app, live_server, twiml_url(dial, "Dial", "action"), {**call, "DialCallStatus": "completed"})
    assert "<Number" not in end and "<Hangup" in end

    # 4. The worker: the back-up gets the link by SMS; nothing more goes to the primary, no ladder runs.
    worker_tick(app, app.extensions["notify_provider"])
    printed = console.getvalue()
    to_backup = [line for line in printed.splitlines() if line.startswith(f"[sms] {BACKUP}:")]
    assert len(to_backup) == 1 and f"/zaak/{case_id}" in to_backup[0], printed
    assert f"{PRIMARY}" not in printed, printed

    # 5. The back-up, on a phone, logs in, sees it is theirs and why the primary did not have it, fills in the
    # profile told on the phone, and holds the place the proposals give.
    at(app, 8)
    page = browser.new_context(**PHONE).new_page()
    browser_login(page, live_server, email["backup"], "correct-horse-1")
    page.goto(f"{live_server}/zaak/{case_id}")
    fits_phone(page)
    section = page.locator(f"#request-{request_id}")
    assert section.get_attribute("data-status") == "accepted"
    assert section.locator("ol.timeline li[data-kind=phone_not_taken]").count() == 1  # the primary's voicemail
    assert section.locator("ol.timeline li[data-kind=phone_connected]").count() == 1
    screenshot(page, "night2-01-backup-accepted-by-phone")
    page.select_option(f"#request-{request_id} form.profile select[name=gender]", "male")
    page.fill(f"#request-{request_id} form.profile input[name=age]", "40")
    page.select_option(f"#request-{request_id} form.profile select[name=residence]", "lawful")
    page.select_option(f"#request-{request_id} form.profile select[name=exploitation]", "labour")
    tap(page.get_by_role("button", name="Profiel opslaan"))
    best = page.locator(f"#request-{request_id} form.option.best")
    assert "Mannenopvang Rotterdam" in best.inner_text()
    tap(best.get_by_role("button", name="Kies"))
    placement = page.locator(f"#request-{request_id} .placement")
    assert placement.get_attribute("data-placement-status") == "held"
    fits_phone(page)
    screenshot(page, "night2-02-backup-chosen")

    # 6. The officer, who called from their registered phone, sees the request on their own page.
    at(app, 10)
    officer = browser.new_context(**PHONE).new_page()
    browser_login(officer, live_server, email["police"], "correct-horse-1")
    officer.goto(f"{live_server}/zaak/{case_id}")
    assert "Mannenopvang Rotterdam" in officer.locator(f"#request-{request_id} .placement").inner_text()
    fits_phone(officer)
    screenshot(officer, "night2-03-officer")
