"""The demo dataset: realistic, complete, idempotent."""

from sqlalchemy import func, select

import vocabulary
from accounts.models import User
from beds import demo, demo_data
from beds.models import BedPool, Region, Shelter
from extensions import db


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Region, Shelter, BedPool, User))


def test_demo_loads_once_and_again_changes_nothing(app, now):
    first = demo.load(now)
    assert first["shelters"] >= 100 and first["accounts"] == 5
    before = counts()
    again = demo.load(now)
    assert again == {"regions": 0, "organisations": 0, "shelters": 0, "accounts": 0}
    assert counts() == before


def test_demo_keeps_what_people_entered(app, now):
    demo.load(now)
    pool = db.session.scalars(select(BedPool).order_by(BedPool.id)).first()
    pool.occupied, pool.out_of_service = 0, 0
    db.session.commit()
    demo.load(now)
    db.session.expire_all()
    assert pool.occupied == 0


def test_demo_regions_are_real_and_slugged(app, now):
    demo.load(now)
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    assert {"rotterdam", "den-haag", "amsterdam", "s-hertogenbosch"} <= set(regions)
    assert sum(r.kind == "care" for r in regions.values()) >= 25
    assert sum(r.kind == "police" for r in regions.values()) == 10
    assert 52.0 < regions["den-haag"].lat < 52.15 and 4.2 < regions["den-haag"].lon < 4.4
    assert all(c == demo_data.slug(r.name) for c, r in regions.items())


def test_demo_has_every_shelter_type_and_some_full_regions(app, now):
    demo.load(now)
    shelters = db.session.scalars(select(Shelter)).all()
    assert {s.type for s in shelters} == set(vocabulary.SHELTER_TYPES)
    omp = [s for s in shelters if s.type == "omp"]
    assert len(omp) == 6 and sum(p.capacity for s in omp for p in s.pools) == 36
    assert all(s.excludes == [] for s in omp)
    free_by_region = {}
    for s in shelters:
        free_by_region[s.region.code] = free_by_region.get(s.region.code, 0) + sum(p.free for p in s.pools)
    full = [code for code, free in free_by_region.items() if free == 0]
    assert len(full) >= 4 and set(demo_data.FULL_REGIONS) <= set(full)
    assert sum(free_by_region.values()) > 20


def test_demo_cli_prints_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for _role, email, _name, _binding in demo.ACCOUNTS:
        assert email in result.output
    assert demo.PASSWORD in result.output
