"""How the app runs SQLite: the connection pragmas and the locking that stands in for FOR UPDATE."""

from sqlalchemy import event


def configure_sqlite(engine):
    """SQLite: WAL, a busy timeout, and BEGIN IMMEDIATE so a transaction that will write holds
    the write lock from its start. That is SQLite's stand-in for SELECT ... FOR UPDATE."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
