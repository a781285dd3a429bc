"""Units of work and row locks: the only ways a service commits or locks."""

from contextlib import contextmanager

from sqlalchemy import select, text

from extensions import db


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
    return db.session.scalar(
        select(model).where(model.id == row_id).with_for_update(of=model).execution_options(populate_existing=True)
    )


def serialised(key: str):
    """Wait until no other transaction works on `key`, until this one ends (PostgreSQL: a
    transaction-level advisory lock; SQLite lets one writer in at a time already)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
