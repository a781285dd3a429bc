"""The dated bed inventory: every new pool and every capacity change is a CapacityChange row."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from beds import demo
from beds import registry as admin
from beds.models import BedPool, CapacityChange
from errors import ValidationError
from extensions import db
from national import occupancy

UTC = dt.UTC


def changes():
    return db.session.scalars(select(CapacityChange).order_by(CapacityChange.id)).all()


def shelter_data(key="AMS-OMP", region="amsterdam", name="OMP Amsterdam"):
    return {
        "key": key,
        "name": name,
        "type": "omp",
        "region": region,
        "municipality": "Amsterdam",
        "lat": 52.37,
        "lon": 4.9,
        "intake": "24/7",
        "genders": ["female"],
        "residence": ["lawful"],
        "pools": [
            {"key": "bed", "kind": "bed", "capacity": 4},
            {"key": "family", "kind": "family_room", "capacity": 2, "room_size": 4},
        ],
    }


@pytest.fixture
def created(registry, users, now):
    return admin.create_shelter(now, shelter_data(), users["admin"])


def test_creating_a_shelter_records_each_pools_capacity(created, users, now):
    rows = changes()
    assert [
        (c.pool_id, c.shelter_id, c.capacity_before, c.capacity_after, c.effective_at, c.actor_id) for c in rows
    ] == [
        (created.pools[0].id, created.id, None, 4, now, users["admin"].id),
        (created.pools[1].id, created.id, None, 2, now, users["admin"].id),
    ]


def test_a_capacity_change_and_a_new_pool_are_dated_other_edits_are_not(created, users, now):
    later = now + dt.timedelta(days=3)
    admin.update_shelter(
        later,
        created,
        {
            "name": "OMP Amsterdam-Noord",
            "pools": [
                {"key": "bed", "kind": "bed", "capacity": 6},
                {
                    "key": "family",
                    "kind": "family_room",
                    "capacity": 2,
                    "room_size": 5,
                },  # room size only: same capacity
                {"key": "extra", "kind": "bed", "capacity": 1},
            ],
        },
        users["coordinator"],
    )
    new = changes()[2:]
    extra = next(p for p in created.pools if p.key == "extra")
    assert [(c.pool_id, c.capacity_before, c.capacity_after, c.effective_at, c.actor_id) for c in new] == [
        (created.pools[0].id, 4, 6, later, users["coordinator"].id),
        (extra.id, None, 1, later, users["coordinator"].id),
    ]
    admin.update_shelter(later, created, {"name": "OMP Amsterdam"}, users["admin"])
    assert len(changes()) == 4


def test_a_refused_change_records_nothing(created, users, now):
    pool = created.pools[0]
    pool.occupied = 3
    db.session.commit()
    with pytest.raises(ValidationError):
        admin.update_shelter(now, created, {"pools": [{"key": "bed", "kind": "bed", "capacity": 2}]}, users["admin"])
    assert len(changes()) == 2
    assert db.session.get(BedPool, pool.id).capacity == 4


def test_inventory_rows_are_history(created):
    change = changes()[0]
    change.capacity_after = 99
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_inventory_table_with_dates_differences_and_region_filter(registry, created, users, now):
    # NOW is 01:30 UTC on 22 November = 02:30 local; 23:30 UTC on the 23rd is already the 24th locally.
    evening = dt.datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    admin.update_shelter(evening, created, {"pools": [{"key": "bed", "kind": "bed", "capacity": 3}]}, users["admin"])
    elsewhere = admin.create_shelter(evening, shelter_data("ROT-OMP", "rotterdam", "OMP Rotterdam"), users["admin"])
    table = occupancy.inventory(
        evening + dt.timedelta(hours=1), now - dt.timedelta(days=1), evening + dt.timedelta(hours=1)
    )
    assert table.key == "capacity_changes"
    assert [(r["date"], r["shelter"], r["pool"], r["before"], r["after"], r["difference"]) for r in table.rows] == [
        ("2026-11-22", "OMP Amsterdam", "bed", None, 4, 4),
        ("2026-11-22", "OMP Amsterdam", "family", None, 2, 2),
        ("2026-11-24", "OMP Amsterdam", "bed", 4, 3, -1),
        ("2026-11-24", "OMP Rotterdam", "bed", None, 4, 4),
        ("2026-11-24", "OMP Rotterdam", "family", None, 2, 2),
    ]
    only_amsterdam = occupancy.inventory(
        evening, now, evening + dt.timedelta(seconds=1), region_ids={registry["regions"]["amsterdam"].id}
    )
    assert {r["shelter_id"] for r in only_amsterdam.rows} == {created.id} and len(only_amsterdam.rows) == 3
    since_evening = occupancy.inventory(evening, evening, evening + dt.timedelta(seconds=1)).rows
    assert elsewhere.id in {r["shelter_id"] for r in since_evening} and len(since_evening) == 3


def test_the_demo_records_its_initial_inventory_once(app, now):
    demo.load(now)
    pools = db.session.scalar(select(func.count()).select_from(BedPool))
    rows = changes()
    assert pools > 0 and len(rows) == pools
    assert all(c.capacity_before is None and c.effective_at == now and c.actor_id is None for c in rows)
    assert sum(c.capacity_after for c in rows) == db.session.scalar(select(func.sum(BedPool.capacity)))
    demo.load(now + dt.timedelta(hours=1))
    assert len(changes()) == pools
