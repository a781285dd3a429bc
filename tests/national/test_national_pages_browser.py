"""The what-if, a national search that finds nothing and a shelter's page in a real headless Chromium, on a
phone (390x844) and a laptop (1366x768), on the demo data: axe-core finds nothing, the page itself never
scrolls sideways (wide tables scroll inside their own labelled region), and the what-if's answer is in
view without scrolling. (/landelijk at both sizes: tests/national/test_page_browser.py.)"""

from sqlalchemy import func, select

from beds import demo as beds_demo
from beds.models import BedPool, Shelter
from extensions import db
from national import demo as national_demo
from tests.conftest import browser_login
from tests.piket.test_pages_browser import PHONE, accessible

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
# A man in a wheelchair with a dog and three children, in one region: no shelter in the demo takes him.
NOTHING_FITS = "/zoeken?region=zwolle&gender=male&age=40&children=3&needs=wheelchair&needs=pets"
WIDER = (
    "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1"
    " && !e.closest('.scroll')).map(e => e.tagName + '.' + e.className)"
)


def fits(page, name):
    # The screen's width, not innerWidth: a phone browser widens its layout viewport to what overflows.
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (name, scroll_width, page.evaluate(WIDER, width)[:8])
    # Every region that scrolls can be reached and named by a keyboard user (axe: scrollable-region-focusable).
    for region in page.locator(".scroll").all():
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region", name
        assert region.get_attribute("aria-labelledby") or region.get_attribute("aria-label"), name


def test_what_if_search_and_shelter_fit_a_phone_and_a_laptop(app, now, live_server, browser):
    beds_demo.load(now)
    national_demo.load(now)
    # The shelter with the most pools: the widest tables.
    shelter_id, shelter_key = db.session.execute(
        select(Shelter.id, Shelter.key)
        .join(BedPool, BedPool.shelter_id == Shelter.id)
        .group_by(Shelter.id, Shelter.key)
        .order_by(func.count(BedPool.id).desc(), Shelter.id)
        .limit(1)
    ).one()
    db.session.commit()  # the browser's requests need the database free (SQLite)

    for size, options in (("phone", PHONE), ("laptop", LAPTOP)):
        page = browser.new_context(**options).new_page()
        browser_login(page, live_server, "comensha@demo.piket.nl", beds_demo.PASSWORD)

        page.goto(f"{live_server}/landelijk/wat-als")
        fits(page, f"what-if {size}")
        accessible(page, f"national-what-if-{size}")
        page.select_option("#e0-shelter", shelter_key)
        page.select_option("#e0-kind", "bed")
        page.fill("#e0-extra", "5")
        with page.expect_navigation():
            page.click("button.primary[type=submit]")
        answer = page.locator("#uitkomst")
        assert answer.get_attribute("role") == "status"
        box = answer.locator("#extra-placed").bounding_box()
        assert box["y"] + box["height"] <= page.viewport_size["height"], (size, box)  # above the fold
        fits(page, f"what-if answer {size}")
        accessible(page, f"national-what-if-answer-{size}")

        page.goto(f"{live_server}{NOTHING_FITS}")
        reasons = page.locator("#geen-plaats .reasons li")
        assert reasons.count() >= 1 and "opvanglocatie" in reasons.first.inner_text()
        assert page.locator("#geen-plaats .tries a").count() >= 2  # all regions, without a need
        fits(page, f"search {size}")
        accessible(page, f"national-search-nothing-fits-{size}")

        page.goto(f"{live_server}/opvang/{shelter_id}")
        assert page.locator("h2", has_text="Geschiedenis").count() == 1  # CoMensha reads the history: both tables
        fits(page, f"shelter {size}")
        accessible(page, f"shelter-detail-{size}")
        page.context.close()
