"""Fixtures of the operations tests: an SQLite app built by the real migrations (on every run, also
the PostgreSQL one), a fresh empty PostgreSQL database to restore into, and a database full of data."""

import datetime as dt
import os

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from app import create_app
from extensions import db
from tests.conftest import TEST_CONFIG


@pytest.fixture
def app_for(now):
    """app_for(url): a test app on that database (nothing is created in it)."""

    def make(url):
        return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "FROZEN_NOW": now})

    return make


@pytest.fixture
def sqlite_app(tmp_path, app_for):
    """An SQLite database built by the migrations (so it has an Alembic version), also on the PostgreSQL run."""
    from flask_migrate import upgrade

    app = app_for(f"sqlite:///{tmp_path / 'source.db'}")
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def pg_empty_url():
    """A new, empty PostgreSQL database (no schema at all) on the test server, dropped afterwards."""
    from tests.conftest import pg_database_url

    name = f"piket_ops_restore_{os.getpid()}"
    url = pg_database_url(name)
    yield url
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fill(monkeypatch):
    """fill(now): the demo data (a week of history instead of a year) and a few open requests, committed."""

    def run(now):
        from accounts.models import User
        from beds import demo as beds_demo
        from national import demo as national_demo
        from piket import service

        monkeypatch.setattr(national_demo, "HISTORY_DAYS", 7)
        beds_demo.load(now)
        national_demo.load(now)
        police = db.session.scalar(select(User).where(User.role == "police"))
        for k, region in enumerate(("rotterdam", "den-haag", "amsterdam")):
            body = {
                "case_reference": f"PL-OPS-{k}",
                "callback_phone": "+31612345678",
                "found": {"region": region},
                "urgency": "immediate",
                "threat": "low",
                "requests": [
                    {
                        "persons": [
                            {
                                "gender": "female",
                                "age": 24 + k,
                                "residence": "none",
                                "exploitation": "sexual",
                                "needs": [],
                            }
                        ],
                        "children": k,
                    }
                ],
            }
            service.create_case(now + dt.timedelta(minutes=k), service.parse_case(body, police), police)
        db.session.commit()
        db.session.remove()  # nothing of ours may hold a lock while pg_dump, pg_restore or sqlite3 work

    return run
