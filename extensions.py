"""Flask extensions, created unbound here and bound to the app in create_app()."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


import datetime as _dt

from sqlalchemy import event
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every backend, returned as an aware UTC datetime."""
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware one")
        return value.astimezone(_dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=_dt.timezone.utc)


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


from contextlib import contextmanager


@contextmanager
def atomic(expire=True):
    """One unit of work: commit at the end, roll back everything if anything raised.

    expire=False keeps what the session holds readable after the commit without reloading it:
    for an answer built from the rows this transaction itself locked or wrote (each reload is a
    query; under load they were a fifth of an availability update's statements).
    """
    session = db.session()
    try:
        yield session
        session.expire_on_commit = expire
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = True


def locked(model, row_id):
    """The row, locked for this transaction (FOR UPDATE OF its own table: joined eager loads may
    not be locked on PostgreSQL; on SQLite the transaction already holds the write lock).

    populate_existing: an object this session loaded before the lock keeps its old values
    otherwise (the ORM does not overwrite what it holds), and a decision on them would undo
    what another transaction committed meanwhile."""
    from sqlalchemy import select
    return db.session.scalar(select(model).where(model.id == row_id).with_for_update(of=model)
                             .execution_options(populate_existing=True))
