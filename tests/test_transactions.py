"""transactions.atomic: one unit of work, and whether what it loaded survives its commit."""

import pytest
from sqlalchemy import inspect

from beds.models import Region
from extensions import db
from tests.conftest import after_last_commit
from transactions import atomic


def new_region(code):
    region = Region(code=code, name=code.title(), kind="care", centre=code.title(), lat=52.0, lon=5.0)
    db.session.add(region)
    return region


def test_by_default_the_commit_expires_what_the_session_holds(app):
    with atomic():
        region = new_region("noord")
    assert "name" in inspect(region).expired_attributes  # the next read goes to the database


def test_expire_false_keeps_it_readable_without_a_query_and_only_for_that_commit(app, sql_log):
    with atomic(expire=False):
        region = new_region("noord")
    assert not inspect(region).expired_attributes
    assert region.name == "Noord" and after_last_commit(sql_log) == []
    assert db.session().expire_on_commit is True
    with atomic():
        other = new_region("zuid")
    assert "name" in inspect(other).expired_attributes


def test_a_failed_unit_writes_nothing_and_restores_expiry(app):
    with pytest.raises(RuntimeError), atomic(expire=False):
        new_region("oost")
        db.session.flush()
        raise RuntimeError("half-way")
    assert db.session().expire_on_commit is True
    assert db.session.query(Region).filter_by(code="oost").count() == 0


@pytest.mark.postgres_only  # SQLite's first read already takes the write lock: nothing can change between
def test_locked_sees_what_another_transaction_committed_after_this_session_read_the_row(app):
    from sqlalchemy import update

    from transactions import locked

    with atomic():
        region = new_region("west")
    assert region.name == "West"  # loaded in this session's transaction
    with db.engine.begin() as other:
        other.execute(update(Region).where(Region.id == region.id).values(name="Westland"))
    assert locked(Region, region.id).name == "Westland"
    db.session.rollback()
