"""Every HTML page in the URL map (tests/pages.py), in Chromium at phone and desktop size: axe-core finds
no WCAG 2.1 A/AA violation, the page itself never scrolls sideways (wide tables scroll inside a focusable,
labelled region), and the keyboard finds a skip link first, a visible focus, and no tabindex reordering."""

import time

import pytest

from tests.conftest import PHONE, accessible, browser_login, csrf_token, pass_second_factor
from tests.leaks import english_leaks
from tests.pages import ACCOUNTS, ANONYMOUS, NOT_PAGES, PAGES, PASSWORD, SECOND_FACTOR, load, page_endpoints, pages

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
SIZES = {"phone": PHONE, "desktop": DESKTOP}

# The page's own width (a table or a long word that widens the page fails here). Compared with the screen's
# width as configured, not window.innerWidth: a mobile browser widens its layout window to whatever overflows.
WIDTH = "() => document.documentElement.scrollWidth"
# The keyboard's way through a page: what Tab reaches, in order, and any tabindex that reorders it.
TABBABLE = """() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
  .filter(e => !e.disabled && e.type !== 'hidden' && e.tabIndex >= 0 && e.getClientRects().length)
  .map(e => ({tag: e.tagName, text: (e.innerText || '').trim(), tabindex: e.getAttribute('tabindex'),
              zone: e.closest('header') ? 'header' : e.closest('main') ? 'main' : e.closest('footer') ? 'footer' : 'other'}))"""
START = """() => { const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); window.scrollTo(0, 0); }"""
FOCUSED = """() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {text: e.innerText.trim(), href: e.getAttribute('href'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
          visible: r.width > 1 && r.height > 1 && r.top >= 0 && r.left >= 0, id: e.id}; }"""


def test_every_page_route_has_an_entry(app):
    endpoints = page_endpoints(app)
    assert not endpoints - set(PAGES), f"pages without an entry in tests/pages.py: {sorted(endpoints - set(PAGES))}"
    assert not set(PAGES) - endpoints, f"entries for no page route: {sorted(set(PAGES) - endpoints)}"
    assert NOT_PAGES <= {rule.endpoint for rule in app.url_map.iter_rules()}  # no stale exclusion


def client_as(app, role):
    """A new test client as `role`: logged in (second factor passed), half-way (SECOND_FACTOR) or anonymous."""
    client = app.test_client()
    if role is ANONYMOUS:
        return client
    email = ACCOUNTS[role]
    form = client.get("/login").get_data(as_text=True)
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(form)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    if role != SECOND_FACTOR:
        from accounts.service import user_by_email

        pass_second_factor(client, resp, user_by_email(email))
    return client


def test_every_page_answers_its_role_with_html_in_dutch(app, now):
    """The same table without a browser: each URL answers 200 with HTML to its role (a redirect is followed),
    and none of the English words or raw codes that leaked before is in its visible text (tests/leaks.py)."""
    data = load(now)
    failures, leaks, clients = [], [], {}
    for endpoint, role, url in pages(data):
        if role not in clients:
            clients[role] = client_as(app, role)
        resp = clients[role].get(url, follow_redirects=True)
        if resp.status_code != 200 or not resp.content_type.startswith("text/html"):
            failures.append((endpoint, url, resp.status_code, resp.content_type))
        leaks += [(url, leak) for leak in english_leaks(resp.get_data(as_text=True))]
    assert not failures
    assert not leaks


def browser_as(browser, base, size, role):
    """A context of `size` logged in as `role` (one per role and size)."""
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    if role is ANONYMOUS:
        return context, page
    if role == SECOND_FACTOR:  # the password only: the page asks for the code
        page.goto(f"{base}/login")
        page.fill("input[name=email]", ACCOUNTS[role])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/login/code")
        return context, page
    browser_login(page, base, ACCOUNTS[role], PASSWORD)  # enrols the roles that need a second factor
    assert "/login" not in page.url, page.url
    return context, page


def keyboard(page) -> list[str]:
    """What is wrong with the keyboard's way through the page (empty: nothing)."""
    problems = []
    tabbable = page.evaluate(TABBABLE)
    if not tabbable or tabbable[0]["text"] != "Naar de inhoud":
        problems.append(f"the skip link is not the first stop: {tabbable[:1]}")
    if any(t["tabindex"] not in (None, "0", "-1") for t in tabbable):
        problems.append("a positive tabindex reorders the page")
    zones = [t["zone"] for t in tabbable[1:]]
    rank = {"header": 0, "main": 1, "footer": 2, "other": 1}
    if [rank[z] for z in zones] != sorted(rank[z] for z in zones):
        problems.append(f"the order is not header, main, footer: {zones}")
    # From the top, as a page just opened (not from an autofocused field or a #fragment's target).
    page.evaluate(START)
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if focused["href"] != "#inhoud" or not focused["visible"] or focused["outline"] == "none" or focused["width"] < 2:
        problems.append(f"the skip link is not first or not visibly focused: {focused}")
    if focused["href"] != "#inhoud":
        return problems
    page.keyboard.press("Enter")
    if page.evaluate("() => document.activeElement.id") != "inhoud":
        problems.append("the skip link does not move the focus to the content")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if focused["outline"] == "none" or focused["width"] < 2:
        problems.append(f"no visible focus on {focused}")
    return problems


def check(page, endpoint, url, name, size) -> list:
    """What is wrong with one page at one size: its status, width, axe-core's findings, the keyboard."""
    response = page.goto(url)
    if response is None or response.status != 200:
        return [(endpoint, url, "status", response and response.status)]
    failures = []
    scroll_width, screen_width = page.evaluate(WIDTH), SIZES[size]["viewport"]["width"]
    if scroll_width > screen_width:
        failures.append((endpoint, url, "too wide", scroll_width, screen_width))
    try:
        accessible(page, name)
    except AssertionError as err:
        failures.append((endpoint, url, "axe", str(err).split("\n")[0][:600]))
    if size == "desktop" or endpoint in ("accounts.login", "home.index"):
        problems = keyboard(page)
        if problems:
            failures.append((endpoint, url, "keyboard", problems))
    return failures


@pytest.mark.parametrize("size", SIZES)
def test_every_page_is_accessible_and_fits(app, now, live_server, browser, size):
    data = load(now)
    failures, contexts, timings = [], {}, []
    for endpoint, role, url in pages(data):
        if role not in contexts:
            contexts[role] = browser_as(browser, live_server, size, role)
        _context, page = contexts[role]
        name = f"every-page-{size}-{endpoint.replace('.', '-')}"
        started = time.monotonic()
        try:
            failures += check(page, endpoint, f"{live_server}{url}", name, size)
        except Exception as err:  # a page that breaks the browser's run: reported with the others
            failures.append((endpoint, url, "error", str(err)[:300]))
        timings.append((round(time.monotonic() - started, 1), endpoint))
    for context, _page in contexts.values():
        context.close()
    print(size, "slowest pages (s):", sorted(timings, reverse=True)[:8])
    assert not failures, "\n".join(map(str, failures))
