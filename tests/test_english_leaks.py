"""No English and no raw codes where a person reads Dutch: every page of the URL map for every role
that may see it, every CSV export of /landelijk, the rota import's and the what-if's error messages,
and an error page of every status. With the demo dataset (its national history gives the tables
their reasons and target groups) and a night's request paged up the ladder (its timeline).

The scan (tests/leaks.py) is a function of the text, so the browser sweep's page table can use it too.
"""

import datetime as dt
import io

import pytest
from werkzeug import exceptions

from beds import demo as beds_demo
from extensions import db
from national import demo as national_demo
from national import service as national
from tests.conftest import BACKUP, PRIMARY, add_shift, csrf_token, new_request
from tests.leaks import english_leaks
from tests.test_roles import MATRIX, ROLES, ids  # noqa: F401  ids: the records the matrix's URLs name

MACHINE = (".json", "/agenda", "/export/")  # files for programs (and the exports, scanned per table below)


def pages_for(role):
    return [u for m, u, _b, allowed in MATRIX if m == "GET" and role in allowed and not u.startswith("/api/")]


@pytest.fixture
def night(app, registry, users, make_user, ids, tick, now):  # noqa: F811  ids from test_roles
    """The demo registry and national history, and a request of tonight paged to the primary (the
    matrix's Rotterdam rota), unanswered, then to a back-up: its timeline names both duties."""
    from piket.rotas.models import Rota

    beds_demo.load(now)
    national_demo.load(now)
    primary = users["coordinator"]
    backup = make_user("coordinator", regions=["rotterdam"], email="achtervang@test.nl")
    for person, name, phone in ((primary, "Jansen", PRIMARY), (backup, "De Vries", BACKUP)):
        person.name, person.phone, person.phone_verified_at = f"Coördinator {name}", phone, now
    rota = Rota(
        region_id=registry["regions"]["rotterdam"].id, level="backup", name="Achtervang", owner_id=users["admin"].id
    )
    db.session.add(rota)
    db.session.commit()
    add_shift(db.session.get(Rota, ids["rota"]), primary, now - dt.timedelta(days=1), now + dt.timedelta(days=2))
    add_shift(rota, backup, now - dt.timedelta(days=1), now + dt.timedelta(days=2))
    request = new_request(users, now)
    for minutes in (0, 10, 20, 30):
        tick(now + dt.timedelta(minutes=minutes))
    return {**ids, "night": request.case_id}


def leaks_of(client, url) -> list[str]:
    resp = client.get(url)
    assert resp.status_code in (200, 302), f"{url}: {resp.status_code}"
    if resp.status_code == 302:  # the browser follows it: nobody reads Werkzeug's "Redirecting..." body
        return []
    return [f"{url}: {leak}" for leak in english_leaks(resp.get_data(as_text=True))]


@pytest.mark.parametrize("role", ROLES)
def test_no_english_on_any_page(client, login, users, night, role):
    login(users[role])
    urls = [u.format(**night) for u in pages_for(role) if not u.endswith(MACHINE)]
    if role in ("police", "coordinator", "admin"):
        urls.append(f"/zaak/{night['night']}")  # the timeline of a request paged up the ladder
    assert len(urls) >= 5
    found = [leak for url in urls for leak in leaks_of(client, url)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("role", ["comensha", "coordinator"])  # the whole country, and one region suppressed
def test_no_english_in_any_csv_export(app, client, login, users, night, role, now):
    login(users[role])
    found, scanned = [], 0
    for topic in national.TOPICS:
        for table in national.topic_tables(now, topic, users[role], app.config):
            url = f"/landelijk/export/{topic}.csv?table={table.key}"
            resp = client.get(url)
            assert resp.status_code == 200 and resp.mimetype == "text/csv", url
            found += [f"{url}: {leak}" for leak in english_leaks(resp.get_data(as_text=True))]
            scanned += 1
    assert scanned >= len(national.TOPICS)
    assert not found, "\n".join(found)


def test_no_english_in_the_rota_import_errors(client, login, users, ids):  # noqa: F811
    login(users["admin"])
    html = client.get(f"/piket/roosters/{ids['rota']}").get_data(as_text=True)
    bad = "email,start,end\nnobody@example.org,2026-13-01 09:00,later\n,,\n"
    resp = client.post(
        f"/piket/roosters/{ids['rota']}/import",
        data={"csrf_token": csrf_token(html), "file": (io.BytesIO(bad.encode()), "rooster.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'class="error' in page
    assert not english_leaks(page), "\n".join(english_leaks(page))


WHAT_IF_ERRORS = [
    {"e0-shelter": "bestaat-niet", "e0-pool": "bed", "e0-extra": "2"},
    {"e0-shelter": "{cosm_key}", "e0-pool": "family_room", "e0-extra": "2"},
    {"e0-shelter": "{cosm_key}", "e0-pool": "bed", "e0-extra": "9999"},
    {"e0-shelter": "", "e0-pool": "", "e0-extra": ""},
]
SCENARIOS = [b'{"shelters": []}', b"[1, 2]", b"not json", b'{"now": "gisteren", "shelters": [], "requests": []}']


def test_no_english_in_the_what_if_errors(client, login, users, registry, night):
    login(users["comensha"])
    html = client.get("/landelijk/wat-als").get_data(as_text=True)
    cosm_key = registry["shelters"]["rot-cosm"].key
    found = []
    for form in WHAT_IF_ERRORS:
        data = {k: v.format(cosm_key=cosm_key) for k, v in form.items()}
        resp = client.post("/landelijk/wat-als", data={**data, "csrf_token": csrf_token(html)})
        assert resp.status_code == 422, data
        found += [f"{data}: {leak}" for leak in english_leaks(resp.get_data(as_text=True))]
    for raw in SCENARIOS:
        resp = client.post(
            "/landelijk/wat-als",
            data={"csrf_token": csrf_token(html), "scenario": (io.BytesIO(raw), "scenario.json")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 422, raw
        found += [f"{raw!r}: {leak}" for leak in english_leaks(resp.get_data(as_text=True))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 429, 500])
def test_every_error_page_is_dutch(app, status):
    error = exceptions.default_exceptions[status]()
    with app.test_request_context("/ergens"):
        resp = app.make_response(app.handle_user_exception(error))
    page = resp.get_data(as_text=True)
    assert resp.status_code == status and "<h1>" in page
    assert not english_leaks(page), "\n".join(english_leaks(page))


def test_real_error_pages_are_dutch(client, login, users):
    pages = [
        client.get("/bestaat-niet"),  # 404
        client.post("/toegankelijkheid"),  # 405: no route takes a POST here
        client.post("/login", data={"email": "a@b.nl", "password": "x"}),  # 400: no CSRF token
        client.get("/zaak/99999999999999999999"),  # beyond the database's range
    ]
    login(users["police"])
    pages.append(client.get("/landelijk"))  # 403
    assert [p.status_code for p in pages] == [404, 405, 400, 404, 403]
    found = [f"{p.status_code}: {leak}" for p in pages for leak in english_leaks(p.get_data(as_text=True))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "text,leaked",
    [
        ("<td>no_residence</td>", "no_residence"),
        ("<li>contra_indication:wheelchair</li>", "contra_indication:wheelchair"),
        ("<p>Jansen (primary) opgeroepen</p>", "primary"),
        ("<td>user.login</td>", "user.login"),
        ("<p>must be one of 30, 90, 365</p>", "must"),
        ("<p>The requested URL was not found on the server.</p>", "The"),
        ("<td>1.5</td>", "1.5"),
        ("region,capacity,occupied\n", "region"),
    ],
)
def test_the_scan_finds_what_leaked_before(text, leaked):
    assert any(repr(leaked) in leak for leak in english_leaks(text)), english_leaks(text)


@pytest.mark.parametrize(
    "text",
    [
        '<td data-col="no_residence" title="user.login">zonder verblijfsrecht</td>',  # attributes are not read
        '<a href="/landelijk/export/occupancy.csv">bezetting.csv</a> 1,5 <script>var the = 1.5</script>',
        "<p>admin@demo.piket.nl · WCAG 2.1 · intake ma–vr 09:00–17:00 · 1 bed</p>",
    ],
)
def test_the_scan_reads_only_visible_dutch(text):
    assert english_leaks(text) == []
