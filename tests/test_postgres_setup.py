"""postgres_setup: a healthy transaction's ROLLBACK keeps psycopg's prepared statements; one in error
forgets them, as psycopg does; either way the ROLLBACK undoes the transaction."""

import pytest
from sqlalchemy import text

from extensions import db
from postgres_setup import KeepPreparedConnection

pytestmark = pytest.mark.postgres_only

REGION = text("SELECT id FROM regions WHERE code = :code")
PREPARED = text("SELECT count(*) FROM pg_prepared_statements")


def _run_until_prepared(conn):
    for _ in range(6):  # psycopg prepares a statement on its fifth run on a connection
        conn.execute(REGION, {"code": "noord"}).all()
    assert conn.execute(PREPARED).scalar() >= 1


def _insert_region(conn):
    conn.execute(
        text(
            "INSERT INTO regions (code, name, kind, centre, lat, lon, active) "
            "VALUES ('noord', 'Noord', 'care', 'Groningen', 53.2, 6.6, true)"
        )
    )


def test_the_apps_connections_keep_their_prepared_statements_over_a_rollback(app):
    with db.engine.connect() as conn:
        assert isinstance(conn.connection.dbapi_connection, KeepPreparedConnection)
        _insert_region(conn)
        _run_until_prepared(conn)
        conn.rollback()
        assert conn.execute(PREPARED).scalar() >= 1  # still prepared on the server
        assert conn.execute(REGION, {"code": "noord"}).all() == []  # and the insert was undone
        conn.rollback()


def test_a_transaction_in_error_forgets_them_and_is_rolled_back(app):
    with db.engine.connect() as conn:
        _insert_region(conn)
        _run_until_prepared(conn)
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.execute(PREPARED).scalar() == 0  # psycopg's own rollback: DEALLOCATE ALL
        assert conn.execute(REGION, {"code": "noord"}).all() == []
        conn.rollback()


def test_a_read_request_leaves_the_statements_prepared(app, api):
    """The search API, run again and again as a police officer does: its statements stay prepared
    between requests (each request's transaction ends in a ROLLBACK)."""
    for _ in range(8):
        assert api("police", "GET", "/api/v1/availability?near=rotterdam").status_code == 200
        db.session.remove()  # as at the end of a request outside tests: its transaction rolls back
    names = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("FROM shelters" in statement for statement in names), names
