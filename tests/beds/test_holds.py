"""Holds: atomic, never below zero free, confirm/release/expire moving the counts right."""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from beds import holds
from beds.models import BedPool, Hold
from errors import Conflict
from extensions import db
from tests.conftest import run_concurrently
from transactions import atomic


def place(now, pool_id, places=1):
    with atomic():
        return holds.place(now, pool_id, places, 90)


def test_a_hold_takes_free_places_and_confirm_makes_them_occupied(registry, now):
    pool = registry["shelters"]["rot-cosm"].pools[0]  # capacity 4, occupied 2
    hold = place(now, pool.id, 2)
    db.session.expire_all()
    assert (pool.held, pool.free, hold.expires_at) == (2, 0, now + dt.timedelta(minutes=90))
    with atomic():
        holds.confirm(now, hold.id)
    db.session.expire_all()
    assert (pool.held, pool.occupied, pool.free, hold.status) == (0, 4, 0, "confirmed")


def test_release_gives_the_places_back(registry, now):
    pool = registry["shelters"]["rot-cosm"].pools[0]
    hold = place(now, pool.id, 1)
    with atomic():
        holds.release(now, hold.id, "no_place")
    db.session.expire_all()
    assert (pool.held, pool.free, hold.status, hold.reason) == (0, 2, "released", "no_place")
    with pytest.raises(Conflict) as refused:
        with atomic():
            holds.confirm(now, hold.id)
    assert refused.value.message == "Deze reservering is al vrijgegeven."  # the night worker reads Dutch


def test_a_hold_beyond_the_free_places_is_refused(registry, now):
    pool = registry["shelters"]["rot-cosm"].pools[0]
    with pytest.raises(Conflict) as err:
        place(now, pool.id, 3)
    assert err.value.code == "no_capacity"
    db.session.expire_all()
    assert pool.held == 0 and db.session.scalar(select(func.count()).select_from(Hold)) == 0


def test_expiry_only_after_the_time_and_only_once(registry, now):
    pool = registry["shelters"]["rot-cosm"].pools[0]
    hold = place(now, pool.id, 1)
    assert holds.due_for_expiry(now + dt.timedelta(minutes=89)) == []
    later = now + dt.timedelta(minutes=91)
    assert holds.due_for_expiry(later) == [hold.id]
    with atomic():
        assert holds.expire(later, hold.id) is not None
    with atomic():
        assert holds.expire(later, hold.id) is None  # a second worker finds it already ended
    db.session.expire_all()
    assert pool.held == 0 and hold.status == "expired"


def test_the_database_itself_refuses_negative_free(registry):
    pool = registry["shelters"]["rot-cosm"].pools[0]
    pool.held = 3  # bypassing the service: occupied 2 + held 3 > capacity 4
    with pytest.raises(IntegrityError):  # the CHECK constraint
        db.session.commit()
    db.session.rollback()


def race(app, now, pool_id, threads) -> list[str]:
    """`threads` clients, released together, each try to hold one place of the pool."""
    barrier, outcomes = threading.Barrier(threads), []

    def grab():
        with app.app_context():
            try:
                barrier.wait(timeout=20)
                place(now, pool_id, 1)
                outcomes.append("held")
            except Conflict:
                outcomes.append("full")
            finally:
                db.session.remove()

    assert run_concurrently(grab, [()] * threads) == [None] * threads
    return outcomes


@pytest.mark.postgres_only
def test_fifty_threads_race_for_the_last_three_places(app, registry, now):
    """DESIGN.md: a hold can never make the free count negative, also under a race."""
    pool = db.session.get(BedPool, registry["shelters"]["rot-cosm"].pools[0].id)
    pool.capacity, pool.occupied = 10, 7  # 3 free
    pool_id = pool.id
    db.session.commit()
    outcomes = race(app, now, pool_id, 50)
    assert outcomes.count("held") == 3 and outcomes.count("full") == 47
    db.session.expire_all()
    assert (pool.held, pool.free) == (3, 0)
    assert db.session.scalar(select(func.count()).select_from(Hold).where(Hold.status == "held")) == 3


def test_race_for_the_last_places_on_sqlite_too(app, registry, now):
    """The same race on SQLite's write lock, smaller (its lock serialises everything)."""
    pool_id = registry["shelters"]["rot-cosm"].pools[0].id  # 2 free
    db.session.commit()  # and no transaction of ours holds SQLite's write lock meanwhile
    outcomes = race(app, now, pool_id, 10)
    assert outcomes.count("held") == 2 and outcomes.count("full") == 8
