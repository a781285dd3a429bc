"""The accessibility statement (toegankelijkheidsverklaring): public, linked from every page, naming the
standard, how it is tested and the known limits."""


def test_anyone_can_read_the_statement_before_logging_in(client):
    resp = client.get("/toegankelijkheid")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for words in ("WCAG", "2.1", "EN 301 549", "axe-core", "voldoet gedeeltelijk", "Contact"):
        assert words in page, words


def test_every_page_links_to_it(client, login, users):
    assert 'href="/toegankelijkheid"' in client.get("/login").get_data(as_text=True)
    login(users["police"])
    assert 'href="/toegankelijkheid"' in client.get("/").get_data(as_text=True)


def test_the_statement_passes_axe_on_a_phone_and_a_laptop(live_server, browser):
    from tests.piket.test_pages_browser import PHONE, accessible

    for name, size in (("phone", PHONE), ("laptop", {"viewport": {"width": 1366, "height": 900}})):
        page = browser.new_context(**size).new_page()
        page.goto(f"{live_server}/toegankelijkheid")
        assert page.locator("h1").inner_text() == "Toegankelijkheidsverklaring"
        assert page.evaluate("document.documentElement.scrollWidth") <= size["viewport"]["width"]
        accessible(page, f"accessibility-statement-{name}")
