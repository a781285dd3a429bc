"""Fixtures: a fresh database per test, on SQLite (default) or PostgreSQL (TEST_DATABASE_URL).

On PostgreSQL the schema is built once per run by the real migrations, and every test starts
from empty tables (TRUNCATE); on SQLite every test gets its own new database file.
"""

import datetime as dt
import os
import pathlib
import re
import shutil
import tempfile

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("PIKET_INSTANCE_DIR", tempfile.mkdtemp(prefix="piket-instance-"))

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent  # the project
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgres")
NOW = dt.datetime(2026, 11, 22, 1, 30, tzinfo=dt.UTC)  # Sunday 02:30 in Amsterdam


def project_files(suffix: str, skip=()) -> list[pathlib.Path]:
    """The project's own files ending in `suffix`: not the virtualenv, hidden folders or `skip` (top-level folders)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        here = pathlib.Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in ("node_modules", "__pycache__") and not (here == ROOT and d in skip)
        )
        found += [here / f for f in sorted(files) if f.endswith(suffix)]
    return found


def pg_database_url(name: str) -> str:
    """A fresh, empty PostgreSQL database `name` on the TEST_DATABASE_URL server."""
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://") if "+psycopg" not in PG_URL else PG_URL
    server = base.rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_url():
    if not ON_POSTGRES:
        return None
    from flask_migrate import upgrade

    url = pg_database_url(f"piket_test_{os.getpid()}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()  # the real migrations build the schema the tests run on
        db.engine.dispose()
    return url


@pytest.fixture
def now(request):
    """The one source of time in a test. Most tests pin the app's clock at NOW, a Sunday night, so
    their rules do not depend on the day they run. Tests marked `real_clock` (a real worker process,
    a real database restart) take the real time instead, read once; CI runs them again with the
    process clock moved a year ahead and into a daylight-saving week (faketime)."""
    if request.node.get_closest_marker("real_clock"):
        return database_clock(PG_URL).replace(microsecond=0)
    return NOW


def database_clock(url) -> dt.datetime:
    """The real time as the workers read it: the database's clock (timeutil.database_now), which
    differs from this process's in CI's moved-clock runs (the shared PostgreSQL server's is not
    moved); SQLite (url ""): this process's clock."""
    if not url:
        return dt.datetime.now(dt.UTC)
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0].astimezone(dt.UTC)


TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def _test_app(url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "FROZEN_NOW": NOW})

    @app.before_request
    def _fresh_g():
        # Tests keep one app context open across requests, so g would carry Flask-WTF's cached
        # CSRF token from one request to the next; in production every request has a fresh g.
        from flask import g

        g.pop("csrf_token", None)

    return app


@pytest.fixture(scope="session")
def shared_app(pg_url, tmp_path_factory):
    """One app per test process: building one (its URL map, and SQLAlchemy compiling every
    statement afresh for a new engine) cost more than most tests. Each test still gets a fresh
    database and the app's config and extensions as they were (the `app` fixture)."""
    if pg_url:
        url, path = pg_url, None
    else:
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
    app = _test_app(url)
    template = None
    if path:  # SQLite: the schema built once; every test starts from a copy of the file
        template = path.with_name("template.db")
        with app.app_context():
            db.create_all()
            db.engine.dispose()  # the last connection closes: the WAL is folded into the file
        shutil.copyfile(path, template)
    return app, path, template


def _fresh_database(path, template):
    if path is None:  # PostgreSQL: the schema the migrations built, emptied
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return
    db.engine.dispose()
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, path)


@pytest.fixture
def app(shared_app, now, request):
    app, path, template = shared_app
    if request.node.get_closest_marker("own_app"):  # it adds routes: Flask refuses that once an app has served
        app = _test_app(app.config["SQLALCHEMY_DATABASE_URI"])
    config, extensions = dict(app.config), dict(app.extensions)
    app.config["FROZEN_NOW"] = None if request.node.get_closest_marker("real_clock") else now
    try:
        with app.app_context():
            _fresh_database(path, template)
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:  # what a test changed of the app does not reach the next one
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)


@pytest.fixture
def client(app):
    return app.test_client()


# --- registry and accounts -------------------------------------------------------------------


@pytest.fixture
def registry(app, now):
    """A small fixed registry: three regions, four shelters of different kinds."""
    from beds.models import BedPool, Organisation, Region, Shelter

    regions = {
        c: Region(code=c, name=n, kind="care", centre=n, lat=la, lon=lo)
        for c, n, la, lo in [
            ("rotterdam", "Rotterdam", 51.9225, 4.4792),
            ("den-haag", "Den Haag", 52.0705, 4.3007),
            ("amsterdam", "Amsterdam", 52.3676, 4.9041),
        ]
    }
    org = Organisation(key="demo-org", name="Stichting Demo")
    fresh = now - dt.timedelta(minutes=30)
    every = ["sexual", "labour", "criminal", "other"]
    shelters = {
        "rot-cosm": Shelter(
            key="ROT-COSM",
            name="COSM Rotterdam",
            organisation=org,
            type="cosm",
            region=regions["rotterdam"],
            municipality="Rotterdam",
            lat=51.92,
            lon=4.48,
            address="Geheimstraat 1, Rotterdam",
            address_confidential=True,
            intake="24/7",
            intake_phone="+31101234567",
            genders=["female"],
            adults=True,
            minors=False,
            residence=["lawful", "none"],
            exploitation=every,
            excludes=["active_addiction"],
            pools=[
                BedPool(key="bed", kind="bed", capacity=4, occupied=2, confirmed_at=fresh),
                BedPool(key="family", kind="family_room", room_size=4, capacity=1, occupied=0, confirmed_at=fresh),
            ],
        ),
        "dh-nood": Shelter(
            key="DH-NOOD",
            name="Noodbed Den Haag",
            organisation=org,
            type="noodbed",
            region=regions["den-haag"],
            municipality="Den Haag",
            lat=52.07,
            lon=4.30,
            address="Open Laan 5, Den Haag",
            address_confidential=False,
            intake="24/7",
            genders=["female", "male", "x"],
            adults=True,
            minors=False,
            residence=["lawful", "none"],
            exploitation=every,
            excludes=[],
            pools=[BedPool(key="bed", kind="bed", capacity=1, occupied=0, confirmed_at=now - dt.timedelta(hours=3))],
        ),
        "ams-vo": Shelter(
            key="AMS-VO",
            name="Vrouwenopvang Amsterdam",
            organisation=org,
            type="vrouwenopvang",
            region=regions["amsterdam"],
            municipality="Amsterdam",
            lat=52.37,
            lon=4.90,
            address="Verborgen 9, Amsterdam",
            address_confidential=True,
            intake=[{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}],
            genders=["female", "x"],
            adults=True,
            minors=False,
            residence=["lawful"],
            exploitation=every,
            excludes=["aggression", "active_addiction"],
            pools=[BedPool(key="bed", kind="bed", capacity=6, occupied=6, confirmed_at=now - dt.timedelta(hours=9))],
        ),
        "rot-mo": Shelter(
            key="ROT-MO",
            name="Mannenopvang Rotterdam",
            organisation=org,
            type="mannenopvang",
            region=regions["rotterdam"],
            municipality="Rotterdam",
            lat=51.90,
            lon=4.50,
            address="Mannenweg 3, Rotterdam",
            address_confidential=True,
            intake="24/7",
            genders=["male"],
            adults=True,
            minors=False,
            residence=["lawful"],
            exploitation=every,
            excludes=[],
            pools=[BedPool(key="bed", kind="bed", capacity=2, occupied=1, confirmed_at=fresh)],
        ),
    }
    db.session.add_all(list(regions.values()) + list(shelters.values()))
    db.session.commit()
    return {"regions": regions, "shelters": shelters}


@pytest.fixture
def make_user(app, now):
    from accounts import service

    counter = iter(range(1000))

    def make(role, shelters=(), regions=(), email=None, password="correct-horse-1"):
        return service.create_user(
            now,
            email=email or f"{role}{next(counter)}@test.nl",
            password=password,
            role=role,
            shelter_ids=[s.id for s in shelters],
            region_codes=list(regions),
        )

    return make


@pytest.fixture
def users(registry, make_user):
    """One user per role; staff bound to COSM Rotterdam, the coordinator to Rotterdam."""
    s = registry["shelters"]
    return {
        "police": make_user("police"),
        "shelter_staff": make_user("shelter_staff", shelters=[s["rot-cosm"]]),
        "coordinator": make_user("coordinator", regions=["rotterdam"]),
        "comensha": make_user("comensha"),
        "admin": make_user("admin"),
    }


@pytest.fixture
def tokens(users, now):
    from accounts import service

    return {role: service.issue_token(now, user) for role, user in users.items()}


@pytest.fixture
def api(client, tokens):
    """api(role, method, url, json=...) with that role's bearer token."""

    def call(role, method, url, **kwargs):
        headers = kwargs.pop("headers", {})
        if role:
            headers["Authorization"] = f"Bearer {tokens[role]}"
        return client.open(url, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def sql_log(app):
    """The SQL the app runs from here on, in order, with "COMMIT" where a transaction ended."""
    from sqlalchemy import event

    log = []

    def statement(conn, cursor, sql, *args):
        log.append(" ".join(sql.split()))

    def commit(conn):
        log.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    yield log
    event.remove(db.engine, "before_cursor_execute", statement)
    event.remove(db.engine, "commit", commit)


def after_last_commit(log) -> list[str]:
    return log[len(log) - log[::-1].index("COMMIT") :]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def login(client):
    def do(user, password="correct-horse-1"):
        page = client.get("/login")
        resp = client.post(
            "/login",
            data={"email": user.email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))},
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)
        pass_second_factor(client, resp, user)
        return client

    return do


# --- the second factor (accounts/mfa.py) for the roles that need it ----------------------------------


def totp_code(secret) -> str:
    """The code an authenticator app shows now, by the app's clock (pinned at NOW in most tests)."""
    import pyotp

    from timeutil import utcnow

    return pyotp.TOTP(secret.replace(" ", "")).at(utcnow())


def secret_on(html: str) -> str:
    """The TOTP secret from the enrolment page's text (the fallback for who cannot scan the QR code)."""
    match = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html)
    assert match, "page shows no secret"
    return match.group(1).replace(" ", "")


def fresh_code_for(email) -> str:
    """A code for an enrolled account. The clock stands still in tests, so every login falls in one time
    step and the replay guard would refuse the second: forget the step last taken, as 30 s would."""
    from sqlalchemy import select, update

    from accounts.models import User

    secret = db.session.scalar(select(User.mfa_secret).where(User.email == email))
    db.session.execute(update(User).where(User.email == email).values(mfa_last_step=None))
    db.session.commit()  # and no transaction left open (SQLite: a live server's threads need the database)
    return totp_code(secret)


def pass_second_factor(client, resp, user):
    """After a right password: enrol (first login) or give a code, where the account needs a second factor."""
    location = resp.headers["Location"]
    if location.endswith("/login/instellen"):
        html = client.get("/login/instellen").get_data(as_text=True)
        done = client.post(
            "/login/instellen", data={"code": totp_code(secret_on(html)), "csrf_token": csrf_token(html)}
        )
        assert done.status_code == 200 and 'id="recovery-codes"' in done.get_data(as_text=True)
    elif location.endswith("/login/code"):
        html = client.get("/login/code").get_data(as_text=True)
        done = client.post("/login/code", data={"code": fresh_code_for(user.email), "csrf_token": csrf_token(html)})
        assert done.status_code == 302, done.get_data(as_text=True)


def run_concurrently(target, args_list):
    """Run target(*args) in one thread per args, all at once; return what each raised (or None)."""
    import threading

    errors = [None] * len(args_list)

    def run(k, args):
        try:
            target(*args)
        except Exception as err:  # reported to the caller, never swallowed
            errors[k] = err

    threads = [threading.Thread(target=run, args=(k, args)) for k, args in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def wait_for(predicate, seconds=40) -> bool:
    """Poll predicate() until true or `seconds` pass, for a real worker process writing meanwhile."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            done = predicate()
        finally:
            db.session.rollback()  # see the worker's next commits; SQLite: do not keep the write lock
        if done:
            return True
        time.sleep(0.2)
    return False


# --- piket: a case, people on duty, the fake provider, the worker's tick ---------------------------

MOTHER = {"gender": "female", "age": 31, "residence": "none", "exploitation": "sexual", "needs": []}
MAN = {"gender": "male", "age": 40, "residence": "lawful", "exploitation": "labour", "needs": []}


# A shelter as an admin registers it through the API (POST /api/v1/shelters).
NEW_SHELTER = {
    "key": "NEW-1",
    "name": "Nieuw",
    "type": "noodbed",
    "region": "rotterdam",
    "municipality": "Rotterdam",
    "lat": 51.9,
    "lon": 4.5,
    "intake": "24/7",
    "genders": ["female"],
    "residence": ["lawful"],
    "pools": [{"key": "bed", "kind": "bed", "capacity": 2}],
}


def case_body(**overrides):
    body = {
        "case_reference": "PL1700-2026-0042",
        "callback_phone": "+31612345678",
        "found": {"region": "rotterdam"},
        "urgency": "immediate",
        "threat": "low",
        "requests": [{"persons": [MOTHER], "children": 2}, {"persons": [MAN]}],
        "apart": [[0, 1]],
    }
    body.update(overrides)
    return body


@pytest.fixture
def new_case(api):
    def create(role="police", key=None, **overrides):
        headers = {"Idempotency-Key": key} if key else {}
        resp = api(role, "POST", "/api/v1/placement-requests", json=case_body(**overrides), headers=headers)
        assert resp.status_code in (200, 201), resp.json
        return resp.json

    return create


PRIMARY, BACKUP, NATIONAL = "+31610000001", "+31610000002", "+31610000003"
REQUESTER = "+31612345678"


@pytest.fixture
def fake(app):
    """The fake notification provider: records every SMS and call, fails when told to."""
    from notify.providers import FakeProvider

    provider = FakeProvider()
    app.extensions["notify_provider"] = provider
    return provider


def add_shift(rota, user, start, end):
    from piket.rotas.models import RotaShift

    db.session.add(RotaShift(rota_id=rota.id, user_id=user.id, start=start, end=end, source="manual", created_at=start))
    db.session.commit()


@pytest.fixture
def duty(registry, users, make_user, now):
    """Rotterdam's primary and back-up and the national piket on duty from a day before NOW to two days after."""
    from piket.rotas.models import Rota

    people = {
        "primary": make_user("coordinator", regions=["rotterdam"], email="primair@test.nl"),
        "backup": make_user("coordinator", regions=["rotterdam"], email="achtervang@test.nl"),
        "national": make_user("coordinator", regions=["amsterdam"], email="landelijk@test.nl"),
    }
    for level, phone in (("primary", PRIMARY), ("backup", BACKUP), ("national", NATIONAL)):
        people[level].phone, people[level].name = phone, f"Coördinator {level}"
        people[level].phone_verified_at = now  # verified (accounts/phones.py): on duty, and alarmed
    region = registry["regions"]["rotterdam"]
    rotas = {
        level: Rota(
            region_id=None if level == "national" else region.id,
            level=level,
            name=f"Piket {level}",
            owner_id=users["admin"].id,
        )
        for level in people
    }
    db.session.add_all(rotas.values())
    db.session.commit()
    for level, rota in rotas.items():
        add_shift(rota, people[level], now - dt.timedelta(days=1), now + dt.timedelta(days=2))
    return {"people": people, "rotas": rotas}


@pytest.fixture
def tick(app, fake):
    """One worker tick at a given moment: due escalation steps, then the outbox is sent."""
    from notify import service as notify
    from piket import escalation

    def run(moment):
        escalation.tick(moment)
        notify.dispatch_due(moment, fake, app.config["PUBLIC_BASE_URL"])
        db.session.commit()  # end the read, as the worker does after every job (SQLite: release the lock)

    return run


def sent_to(fake, number, kind=None):
    return [m for m in fake.sent if m["to"] == number and (kind is None or m["kind"] == kind)]


def new_request(users, now, **overrides):
    """One request for one man in Rotterdam, created by the police user through the service."""
    from piket import service

    body = case_body(
        requests=[{"persons": [{"gender": "male", "age": 40, "residence": "lawful", "exploitation": "labour"}]}],
        apart=[],
        **overrides,
    )
    case, _ = service.create_case(now, service.parse_case(body, users["police"]), users["police"])
    return case.requests[0]


def hold_a_place(now, request_id, pool, chooser):
    """One place held on `pool` for the request, as if `chooser` picked it from the proposals."""
    from beds import holds
    from piket.lifecycle import PlacementStatus
    from piket.models import Placement
    from transactions import atomic

    with atomic():
        hold = holds.place(now, pool.id, 1, 90)
        db.session.add(
            Placement(
                request_id=request_id,
                shelter_id=pool.shelter_id,
                pool_id=pool.id,
                hold_id=hold.id,
                status=PlacementStatus.HELD,
                distance_km=1.0,
                chosen_by_id=chooser.id,
                chosen_at=now,
            )
        )
    return hold


def kinds(request_id):
    """The kinds of a request's timeline events, in order."""
    from sqlalchemy import select

    from piket.models import RequestEvent

    return [
        e.kind
        for e in db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
        )
    ]


def reload(request):
    from piket.models import PlacementRequest

    db.session.expire_all()
    return db.session.get(PlacementRequest, request.id)


# --- Twilio webhooks ---------------------------------------------------------------------------

TWILIO_TEST_TOKEN = "test-twilio-token"


def twilio_signature(app, path, params) -> str:
    """X-Twilio-Signature as Twilio computes it: the real RequestValidator over PUBLIC_BASE_URL + path."""
    from twilio.request_validator import RequestValidator

    return RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        app.config["PUBLIC_BASE_URL"] + path, params
    )


@pytest.fixture
def signed_post(app, client):
    """signed_post(path, params) -> response: a form POST signed like Twilio does (path may carry a query string)."""
    if not app.config.get("TWILIO_AUTH_TOKEN"):
        app.config["TWILIO_AUTH_TOKEN"] = TWILIO_TEST_TOKEN

    def post(path, params, **kwargs):
        headers = {"X-Twilio-Signature": twilio_signature(app, path, params), **kwargs.pop("headers", {})}
        return client.post(path, data=params, headers=headers, **kwargs)

    return post


# --- a real browser against a real server ------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts")


@pytest.fixture
def live_server(app):
    """The test app served over HTTP on a free port in a thread; yields its base URL.
    Commit what the test set up before the browser asks (SQLite: a transaction holds the write lock)."""
    import threading

    from werkzeug.serving import make_server

    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    """Headless Debian Chromium, driven by Playwright (no browser download: the system's own)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()


def screenshot(page, name):
    """Saved as a test artefact (test-artifacts/), kept by CI."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


def browser_login(page, base, email, password):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    browser_second_factor(page, email)


def browser_second_factor(page, email):
    """After a right password in the browser: enrol (first login) or give a code, where the account needs it."""
    if page.url.endswith("/login/instellen"):  # first login of a role that needs a second factor: enrol
        page.fill("input[name=code]", totp_code(page.locator("#mfa-secret").inner_text()))
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.get_by_role("link", name="Ik heb ze bewaard, verder").click()
        page.wait_for_load_state()
    elif page.url.endswith("/login/code"):
        page.fill("input[name=code]", fresh_code_for(email))
        page.click("button[type=submit]")
        page.wait_for_load_state()


PHONE = {  # a phone held upright: 390 px wide, touch
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


def accessible(page, name):
    """No axe-core violation on the page (WCAG 2.1 A and AA rules); a screenshot as a test artefact."""
    from axe_playwright_python.sync_playwright import Axe

    screenshot(page, name)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}})
    violations = results.response["violations"]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def tap(locator):
    with locator.page.expect_navigation():
        locator.tap()
