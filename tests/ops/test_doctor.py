"""`flask --app app doctor`: exit 1 whenever a page or an alarm would reach nobody, 0 when every step
of every ladder reaches someone with a verified phone; one Dutch line per finding."""

import datetime as dt

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from national import demo as national_demo
from piket import heartbeat
from piket.rotas.models import Rota, RotaRotation


def doctor(app):
    return app.test_cli_runner().invoke(args=["doctor"])


def test_a_database_without_its_schema_is_a_problem(tmp_path, app_for):
    app = app_for(f"sqlite:///{tmp_path / 'empty.db'}")
    with app.app_context():
        result = doctor(app)
        db.engine.dispose()
    assert result.exit_code == 1
    assert "geen schema" in result.output and "flask --app app db upgrade" in result.output


def test_a_fresh_database_exits_1_naming_what_is_missing(sqlite_app):
    result = doctor(sqlite_app)
    assert result.exit_code == 1
    assert "geen zorgregio" in result.output
    assert "geen actieve beheerder" in result.output
    assert "De worker heeft nog nooit gedraaid" in result.output  # a warning: a new installation


@pytest.fixture
def demo(sqlite_app, monkeypatch):
    monkeypatch.setattr(national_demo, "HISTORY_DAYS", 7)
    result = sqlite_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return sqlite_app


def test_after_the_demo_every_step_reaches_someone(demo):
    result = doctor(demo)
    assert result.exit_code == 0, result.output
    assert "FOUT" not in result.output
    assert "OK: elke stap van elke ladder" in result.output


def test_a_gap_in_the_national_rota_is_a_problem_that_names_the_rota_and_the_time(demo, now):
    national = db.session.scalar(select(Rota).where(Rota.level == "national"))
    rotation = db.session.scalar(select(RotaRotation).where(RotaRotation.rota_id == national.id))
    rotation.until_date = (now - dt.timedelta(days=1)).date()  # nobody from the next hand-over on
    db.session.commit()
    result = doctor(demo)
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "Piket nationaal" in x)
    assert line.startswith("FOUT") and "heeft niemand ingeroosterd van" in line and "gaan naar niemand" in line


def test_an_admin_without_a_verified_phone_is_a_problem(demo):
    for admin in db.session.scalars(select(User).where(User.role == "admin")):
        admin.phone_verified_at = None
    db.session.commit()
    result = doctor(demo)
    assert result.exit_code == 1
    assert "Geen beheerder heeft een geverifieerd telefoonnummer" in result.output


def test_a_worker_that_stopped_is_a_problem(demo, now):
    heartbeat.beat(now - dt.timedelta(minutes=10), now - dt.timedelta(hours=1))
    result = doctor(demo)
    assert result.exit_code == 1
    assert "De worker draait niet" in result.output
    heartbeat.beat(now, now - dt.timedelta(hours=1))
    assert doctor(demo).exit_code == 0
    demo.config["WORKERS_EXPECTED"] = 2  # two of everything: one alive is not enough
    try:
        result = doctor(demo)
    finally:
        demo.config["WORKERS_EXPECTED"] = 1
    assert result.exit_code == 1 and "verwacht zijn er 2" in result.output


def test_twilio_without_its_settings_or_https_is_a_problem(demo):
    demo.config.update(NOTIFY_PROVIDER="twilio", TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="http://piket.example")
    try:
        result = doctor(demo)
    finally:
        demo.config.update(NOTIFY_PROVIDER="console")
    assert result.exit_code == 1
    assert "TWILIO_AUTH_TOKEN" in result.output and "geen https-adres" in result.output
