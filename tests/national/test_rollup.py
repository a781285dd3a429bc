"""The daily rollup (the daily snapshots summed per region) gives the trend the same figures as the raw
daily snapshots, over 30, 90 and 365 days, for the country and for a region, before and after the
worker rolled up, and with a day the rollup has not reached yet (issue 18)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from beds import demo as beds_demo
from beds.models import BedPool
from extensions import db
from national import demo, occupancy, snapshots
from national.models import OccupancyDailyRegion, OccupancySnapshot


def _trend(now, days, regions=None, rollup=True):
    return occupancy.trend(now, days, regions, rollup=rollup).rows


@pytest.fixture
def history(app, now):
    beds_demo.load(now)
    demo.load(now)  # a year of daily snapshots per pool
    db.session.commit()
    return now


def test_the_rollup_gives_the_raw_figures_on_the_demo_history(history, now):
    assert db.session.scalar(select(func.count()).select_from(OccupancyDailyRegion)) == 0
    raw = {days: _trend(now, days, rollup=False) for days in (30, 90, 365)}
    assert len(raw[365]) >= 360
    assert {days: _trend(now, days) for days in raw} == raw  # nothing rolled up yet: read raw

    snapshots.roll_up()
    db.session.commit()
    rolled = db.session.scalar(select(func.count()).select_from(OccupancyDailyRegion))
    per_pool = db.session.scalar(select(func.count()).where(OccupancySnapshot.kind == "daily"))
    assert 0 < rolled < per_pool / 2  # one row per region and day, not per pool
    for days in (30, 90, 365):
        assert _trend(now, days) == raw[days], days
    region = db.session.scalar(select(OccupancyDailyRegion.region_id).limit(1))
    assert _trend(now, 365, {region}) == _trend(now, 365, {region}, rollup=False)
    assert snapshots.roll_up() == 0  # nothing new: nothing written


def test_a_day_after_the_rollup_is_read_raw_until_the_worker_rolls_it_up(history, now):
    snapshots.roll_up()
    db.session.commit()
    tomorrow = now + dt.timedelta(days=1, hours=3)  # past 04:00 local time the next day
    db.session.scalars(select(BedPool)).first().occupied += 1  # the next day's numbers differ
    db.session.commit()
    with db.session.no_autoflush:
        snapshots._write("daily", snapshots.due_daily_slot(tomorrow), snapshots._pool_rows())  # not rolled up
    db.session.commit()
    raw = _trend(tomorrow, 30, rollup=False)
    assert _trend(tomorrow, 30) == raw and raw[-1]["date"] == (now + dt.timedelta(days=1)).date().isoformat()
    snapshots.take(tomorrow)  # the worker's job: writes nothing new but rolls the day up
    db.session.commit()
    assert snapshots.last_rolled_up() == snapshots.due_daily_slot(tomorrow)
    assert _trend(tomorrow, 30) == raw
