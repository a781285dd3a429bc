"""Migrations build the schema from empty, on SQLite and PostgreSQL, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from app import create_app
from extensions import db
from tests.conftest import ON_POSTGRES, pg_database_url


def test_upgrade_from_empty_matches_the_models(tmp_path):
    url = pg_database_url("piket_migrations_test") if ON_POSTGRES else f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert diff == []
    assert {"shelters", "bed_pools", "availability_snapshots", "audit_log", "users", "api_tokens"} <= tables
