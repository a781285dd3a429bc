"""The look on the NL Design System: the vendored CSS and the Piket theme are served from here (CSP unchanged),
work without npm, and the theme's colours keep WCAG AA contrast."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATIC = os.path.join(ROOT, "static")
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def stylesheets(html):
    return re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)


def test_every_stylesheet_of_the_page_frame_is_served_as_css(client, login, users):
    for page in ("/login", "/"):
        if page == "/":
            login(users["coordinator"])
        resp = client.get(page)
        assert resp.status_code == 200
        assert resp.headers["Content-Security-Policy"] == CSP, page
        hrefs = stylesheets(resp.get_data(as_text=True))
        # NL Design System components and html content, then the theme's tokens, then Piket's own rules.
        assert [h.rsplit("/", 1)[1] for h in hrefs] == ["components.css", "html.css", "piket-theme.css", "style.css"]
        for href in hrefs:
            css = client.get(href)
            assert css.status_code == 200, href
            assert css.mimetype == "text/css", href
            assert len(css.get_data()) > 1000, href
            css.close()


def test_the_vendored_css_is_complete_and_loads_nothing_from_elsewhere():
    vendor = os.path.join(STATIC, "vendor", "utrecht")
    assert "EUROPEAN UNION PUBLIC LICENCE" in open(os.path.join(vendor, "LICENSE.md"), encoding="utf-8").read()
    for name in ("components.css", "html.css"):
        css = open(os.path.join(vendor, name), encoding="utf-8").read()
        assert "@utrecht/component-library-css@9.0.4" in css, name
        # In the layer "nlds", so style.css wins over it; no @import or font/image from another host (CSP).
        assert css.count("@layer nlds {") == 1 and css.rstrip().endswith("}"), name
        assert "@import" not in css and "@font-face" not in css, name
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), name
    assert ".utrecht-html button" in open(os.path.join(vendor, "html.css"), encoding="utf-8").read()
    components = open(os.path.join(vendor, "components.css"), encoding="utf-8").read()
    for component in (
        ".utrecht-page-header",
        ".utrecht-button--primary-action",
        ".utrecht-form-field",
        ".utrecht-alert",
    ):
        assert component + "{" in components or component + "," in components, component


def _tokens():
    text = open(os.path.join(STATIC, "piket-theme.css"), encoding="utf-8").read()
    return dict(re.findall(r"(--[a-z0-9-]+):\s*([^;]+);", text))


def _hex(tokens, name):
    value = tokens[name].strip()
    while value.startswith("var("):
        value = tokens[value[4:-1].strip()].strip()
    assert re.fullmatch(r"#[0-9a-f]{3}|#[0-9a-f]{6}", value), (name, value)
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return tuple(int(value[i : i + 2], 16) / 255 for i in (1, 3, 5))


def contrast(a, b):
    def luminance(rgb):
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_theme_keeps_wcag_aa_contrast():
    tokens = _tokens()
    text, ui = 4.5, 3.0  # WCAG 2.1: 1.4.3 text, 1.4.11 non-text (control borders, focus ring)
    pairs = [
        ("--utrecht-document-color", "--utrecht-document-background-color", text),
        ("--piket-color-grey", "--piket-color-paper", text),  # .muted
        ("--piket-color-red", "--piket-color-paper", text),  # .error
        ("--piket-color-green", "--piket-color-paper", text),  # fresh
        ("--piket-color-yellow-dark", "--piket-color-paper", text),  # aging
        ("--utrecht-link-color", "--piket-color-paper", text),
        ("--utrecht-page-header-color", "--utrecht-page-header-background-color", text),
        ("--utrecht-button-color", "--utrecht-button-background-color", text),
        ("--utrecht-button-hover-color", "--utrecht-button-hover-background-color", text),
        ("--utrecht-button-primary-action-color", "--utrecht-button-primary-action-background-color", text),
        ("--utrecht-button-primary-action-hover-color", "--utrecht-button-primary-action-hover-background-color", text),
        ("--utrecht-button-disabled-color", "--utrecht-button-disabled-background-color", text),
        ("--utrecht-form-control-color", "--utrecht-form-control-background-color", text),
        ("--utrecht-form-control-placeholder-color", "--utrecht-form-control-background-color", text),
        ("--utrecht-alert-ok-color", "--utrecht-alert-ok-background-color", text),
        ("--utrecht-alert-error-color", "--utrecht-alert-error-background-color", text),
        ("--utrecht-alert-warning-color", "--utrecht-alert-warning-background-color", text),
        ("--utrecht-alert-info-color", "--utrecht-alert-info-background-color", text),
        ("--utrecht-code-color", "--utrecht-code-background-color", text),
        ("--utrecht-form-control-border-color", "--utrecht-form-control-background-color", ui),
        ("--utrecht-form-control-border-color", "--piket-color-paper", ui),
        ("--utrecht-form-control-invalid-border-color", "--utrecht-form-control-background-color", ui),
        ("--utrecht-button-border-color", "--piket-color-paper", ui),
        ("--utrecht-focus-outline-color", "--piket-color-paper", ui),
        ("--utrecht-focus-outline-color", "--utrecht-focus-inverse-outline-color", ui),
        ("--piket-color-white", "--utrecht-page-header-background-color", ui),  # the focus ring on the header
    ]
    for fg, bg, minimum in pairs:
        ratio = contrast(_hex(tokens, fg), _hex(tokens, bg))
        assert ratio >= minimum, f"{fg} on {bg}: {ratio:.2f} < {minimum}"


def test_the_theme_uses_system_fonts_only():
    family = _tokens()["--utrecht-typography-sans-serif-font-family"]
    assert "system-ui" in family and "url(" not in family


def test_a_phone_shows_the_theme_and_piket_rules_win_over_the_components(live_server, browser):
    """In Chromium: the components take the theme's tokens, and a Piket class inside .utrecht-html (the red
    .error on a <p>) wins over the component's rule for <p>: the vendored CSS is in its own cascade layer."""
    from tests.piket.test_pages_browser import PHONE, accessible

    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server}/login")
    style = "(el, prop) => getComputedStyle(el).getPropertyValue(prop)"
    assert page.locator("#password").evaluate(style, "border-top-color") == "rgb(107, 107, 107)"  # the theme's grey
    page.fill("#email", "niemand@example.nl")
    page.fill("#password", "fout-wachtwoord")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error")
    blue, white, red = "rgb(11, 83, 148)", "rgb(255, 255, 255)", "rgb(176, 0, 32)"
    assert page.locator("header").evaluate(style, "background-color") == blue
    button = page.locator("button[type=submit]")
    assert (button.evaluate(style, "background-color"), button.evaluate(style, "color")) == (blue, white)
    assert float(button.evaluate(style, "min-height").removesuffix("px")) >= 44  # a thumb's target
    assert page.locator("#email").evaluate(style, "border-top-color") == red  # aria-invalid: the field in error
    assert "system-ui" in page.locator("body").evaluate(style, "font-family")
    assert page.locator("#login-error").evaluate(style, "color") == red
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    accessible(page, "look-login-error-phone")
