"""Form errors in Chromium on a phone, for a representative set of forms (templates/_form.html).

Each case posts one bad value and checks what a screen-reader or keyboard user meets: the error summary is
there and has the focus, each of its links leads to a field of the page, that field says aria-invalid and its
aria-describedby resolves to the message beside it, and axe-core finds no violation.
"""

import pytest

from extensions import db
from tests.conftest import browser_login
from tests.piket.test_pages_browser import PHONE, accessible
from tests.test_form_input import ids  # noqa: F401 (a fixture)

# name: (role, url, [(action, selector, value)], the button to post with, a field the summary must link to)
CASES = {
    "login": (
        None,
        "/login",
        [("fill", "#email", "{police_email}"), ("fill", "#password", "fout")],
        "Inloggen",
        "email",
    ),
    "user-new": ("admin", "/beheer/gebruikers/nieuw", [("fill", "#email", "")], "Account aanmaken", "email"),
    "user-edit": ("admin", "/beheer/gebruikers/{coordinator_id}", [("fill", "#phone", "abc")], "Opslaan", "phone"),
    "shelter-profile": (
        "shelter_staff",
        "/opvang/{cosm}/profiel",
        [("fill", "#capacity-{pool}", "twaalf")],
        "Wijzigingen bekijken",
        "capacity-{pool}",
    ),
    "availability": (
        "shelter_staff",
        "/opvang/{cosm}/beschikbaarheid",
        [("open", "summary", "Aantallen invullen"), ("fill", "#free-{pool}", "twaalf")],
        "Opslaan",
        "free-{pool}",
    ),
    "rota-shift": (
        "admin",
        "/piket/roosters/{rota}",
        [("open", "summary", "Dienst toevoegen"), ("fill", "#shift-start", "2026-12-01T09:00")],
        "Dienst toevoegen",
        "shift-end",
    ),
    "office-hours": (
        "admin",
        "/beheer/regio/rotterdam/kantooruren",
        [("fill", "#w-0-from", "negen uur")],
        "Opslaan",
        "w-0-from",
    ),
    "region-ladder": ("coordinator", "/beheer/regio/rotterdam/ladder", [("fill", "#rounds", "")], "Opslaan", "rounds"),
    "phone": ("police", "/account/telefoon", [("fill", "#phone", "abc")], "Nummer opslaan", "phone"),
    "what-if": (
        "comensha",
        "/landelijk/wat-als",
        [("select", "#e0-shelter", "ROT-COSM"), ("fill", "#e0-extra", "twaalf")],
        "Reken door",
        "e0-extra",
    ),
}

# Per summary link: its target's id, aria-invalid, and the text of what its aria-describedby names.
LINKS = """() => [...document.querySelectorAll('.error-summary a')].map(a => {
  const id = decodeURIComponent(a.getAttribute('href').slice(1));
  const field = document.getElementById(id);
  const described = field ? (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean) : [];
  return {
    text: a.textContent.trim(), id, exists: !!field,
    invalid: field ? field.getAttribute('aria-invalid') : null,
    described: described.map(d => { const e = document.getElementById(d); return e ? e.textContent.trim() : null; }),
  };
})"""


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_post_shows_a_focused_summary_linked_to_the_field(app, users, ids, live_server, browser, name):  # noqa: F811
    role, url, steps, button, field = CASES[name]
    email = users[role].email if role else None
    db.session.commit()  # end the read (SQLite: the server's requests need the lock)
    page = browser.new_context(**PHONE).new_page()
    if role:
        browser_login(page, live_server, email, "correct-horse-1")
    page.goto(live_server + url.format(**ids))
    for action, selector, value in steps:
        value = value.format(**ids)
        if action == "fill":
            page.fill(selector.format(**ids), value)
        elif action == "select":
            page.select_option(selector, value)
        else:
            page.locator(selector, has_text=value).click()
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()

    summary = page.locator(".error-summary")
    assert summary.count() == 1 and summary.is_visible(), name
    assert summary.get_attribute("role") == "alert" and "Er is een probleem" in summary.inner_text()
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")

    links = page.evaluate(LINKS)
    assert field.format(**ids) in [link["id"] for link in links], links
    for link in links:
        assert link["exists"], link
        if link["id"].endswith("-error"):  # a message about the whole form: the link leads to the message
            continue
        assert link["invalid"] == "true", link
        assert link["text"] in link["described"], link  # the message beside the field, read with it

    # Following a link brings its field into view (the summary's promise to a keyboard user).
    first = links[0]
    page.locator(".error-summary a").first.click()
    assert page.evaluate("location.hash") == "#" + first["id"]
    accessible(page, f"form-errors-{name}")
