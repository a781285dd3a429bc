"""The demo history: enough for every chart and table, loaded once, never over live history."""

from sqlalchemy import func, select

from beds import demo as beds_demo
from extensions import db
from national import demo, service
from national.models import OccupancySnapshot
from piket.models import PlacementRequest


def test_history_loads_once_and_fills_the_page(app, now, users):
    beds_demo.load(now)
    first = demo.load(now)
    assert first["snapshots"] > 365 * 100 and first["past_requests"] == demo.PAST_REQUESTS
    before = db.session.scalar(select(func.count()).select_from(PlacementRequest))
    assert demo.load(now) == {"snapshots": 0, "past_requests": 0, "empty_searches": 0}
    assert db.session.scalar(select(func.count()).select_from(PlacementRequest)) == before
    tables = {t.key: t for topic in service.dashboard(now, users["comensha"], app.config, 365).values() for t in topic}
    for key in (
        "occupancy_trend",
        "unmet_by_reason",
        "refusals_by_reason",
        "time_to_placement",
        "open_reports",
        "reports",
    ):
        assert tables[key].rows, key
    assert len(tables["occupancy_trend"].rows) >= 360  # a point a day


def test_no_demo_history_over_what_the_worker_wrote(app, now):
    from national import snapshots

    beds_demo.load(now)
    snapshots.take(now)
    db.session.commit()
    written = db.session.scalar(select(func.count()).select_from(OccupancySnapshot))
    assert demo.load(now)["snapshots"] == 0
    assert db.session.scalar(select(func.count()).select_from(OccupancySnapshot)) == written


def test_the_demo_command_loads_everything(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "snapshots" in result.output and "past requests" in result.output
