"""Backups and restores: every row of every table comes back, with the backup's Alembic version;
a non-empty database is refused without --force; bad input is one line and exit status 2."""

import os
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from extensions import db
from ops import backup as backups


def every_row(url) -> dict:
    """Every row of every table of the app's schema, all columns, in primary-key order."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(select(t).order_by(*t.primary_key.columns)).all()
                for t in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def alembic_version(url) -> str:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def cli(app, *args):
    """A command run against `app` (its own app context, on top of whatever is current)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=[str(a) for a in args])


def one_error_line(result, status=2) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == status and len(lines) == 1, (result.exit_code, result.output)
    return lines[0]


def add_region(app, code):
    """A row written through the app after a restore (PostgreSQL: its id comes from the restored sequence)."""
    from beds.models import Region

    with app.app_context():
        db.session.add(Region(code=code, name=code.title(), kind="care", centre=code.title(), lat=52.0, lon=5.0))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def round_trip(source, target, file):
    """Back up `source`, restore into the empty `target`: identical; then refused when not empty, and --force."""
    source_url, target_url = source.config["SQLALCHEMY_DATABASE_URI"], target.config["SQLALCHEMY_DATABASE_URI"]
    result = cli(source, "backup", file)
    assert result.exit_code == 0, result.output
    assert os.stat(file).st_mode & 0o777 == 0o600  # personal data: the owner only
    before = every_row(source_url)
    filled = {name for name, rows in before.items() if rows}
    assert {
        "regions",
        "shelters",
        "bed_pools",
        "users",
        "placement_requests",
        "cases",
        "occupancy_snapshots",
        "audit_log",
    } <= filled, filled
    assert backups.tables_with_rows(target_url) == []

    result = cli(target, "restore", file)
    assert result.exit_code == 0, result.output
    assert every_row(target_url) == before
    assert alembic_version(target_url) == alembic_version(source_url) is not None

    add_region(target, "na-de-restore")  # the restored database takes new rows (sequences came along)
    result = cli(target, "restore", file)
    assert "--force" in one_error_line(result)
    assert "na-de-restore" in {r.code for r in every_row(target_url)["regions"]}  # refused: nothing changed

    result = cli(target, "restore", "--force", file)
    assert result.exit_code == 0, result.output
    assert every_row(target_url) == before
    assert alembic_version(target_url) == alembic_version(source_url)


def test_sqlite_backup_restores_every_row_into_an_empty_database(sqlite_app, app_for, fill, now, tmp_path):
    fill(now)
    round_trip(sqlite_app, app_for(f"sqlite:///{tmp_path / 'restored.db'}"), tmp_path / "piket.sqlite3")


@pytest.mark.postgres_only
def test_postgres_backup_restores_every_row_into_an_empty_database(app, app_for, pg_empty_url, fill, now, tmp_path):
    fill(now)
    round_trip(app, app_for(pg_empty_url), tmp_path / "piket.pgdump")


def test_default_file_is_timestamped_under_instance_backups(sqlite_app, tmp_path, monkeypatch):
    monkeypatch.setenv("PIKET_INSTANCE_DIR", str(tmp_path / "instance"))
    result = cli(sqlite_app, "backup")
    assert result.exit_code == 0, result.output
    expected = tmp_path / "instance" / "backups" / "piket-20261122T013000Z.sqlite3"  # FROZEN_NOW, in UTC
    assert expected.is_file() and str(expected) in result.output
    assert backups.check(sqlite_app.config["SQLALCHEMY_DATABASE_URI"], expected) == alembic_version(
        sqlite_app.config["SQLALCHEMY_DATABASE_URI"]
    )
    assert "already exists" in one_error_line(cli(sqlite_app, "backup"))  # the same second: never overwritten


def test_restore_refuses_bad_files_in_one_line_and_writes_nothing(sqlite_app, app_for, tmp_path):
    good = tmp_path / "good.sqlite3"
    assert cli(sqlite_app, "backup", good).exit_code == 0
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text_file = tmp_path / "notes.txt"
    text_file.write_text("geen backup\n")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    pg_dump = tmp_path / "piket.pgdump"
    pg_dump.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
    target_file = tmp_path / "target.db"
    target = app_for(f"sqlite:///{target_file}")
    for path, words in [
        (tmp_path / "nope.sqlite3", "does not exist"),
        (tmp_path, "cannot be read"),
        (text_file, "is not an SQLite backup"),
        (pg_dump, "is not an SQLite backup"),
        (foreign, "not a Piket backup"),
        (truncated, "damaged"),
    ]:
        line = one_error_line(cli(target, "restore", path))
        assert line.startswith(f"error: file: {path}") and words in line, line
    assert not target_file.exists()


def test_backup_refuses_a_database_without_alembic_version_and_leaves_no_file(app_for, tmp_path):
    bare = app_for(f"sqlite:///{tmp_path / 'bare.db'}")
    with bare.app_context():
        db.create_all()  # the schema, but not by the migrations
        db.engine.dispose()
    line = one_error_line(cli(bare, "backup", tmp_path / "out" / "b.sqlite3"))
    assert line.startswith("error: database:") and "db upgrade" in line
    assert list((tmp_path / "out").iterdir()) == []  # no half-written file left behind


def test_missing_pg_dump_fails_clearly(app_for, tmp_path, monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    app = app_for("postgresql+psycopg://postgres@127.0.0.1:1/piket")
    line = one_error_line(cli(app, "backup", tmp_path / "b.pgdump"), status=1)
    assert "pg_dump not found" in line


def test_libpq_url_drops_the_driver_and_keeps_the_password_out_of_argv():
    dsn, env = backups._libpq("postgresql+psycopg://piket:s%40cret@db.internal:6432/piket?connect_timeout=5")
    assert dsn == "postgresql://piket@db.internal:6432/piket?connect_timeout=5"
    assert env["PGPASSWORD"] == "s@cret"


@pytest.mark.postgres_only
def test_postgres_restore_refuses_foreign_and_damaged_files(app, app_for, tmp_path, sqlite_app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.commit()
    dump = tmp_path / "empty.pgdump"
    assert cli(app, "backup", dump).exit_code == 0
    truncated = tmp_path / "truncated.pgdump"
    truncated.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    sqlite_backup = tmp_path / "piket.sqlite3"
    assert cli(sqlite_app, "backup", sqlite_backup).exit_code == 0
    for path, words in [(sqlite_backup, "is not a PostgreSQL backup"), (truncated, "damaged")]:
        line = one_error_line(cli(app_for(url), "restore", "--force", path))
        assert line.startswith(f"error: file: {path}") and words in line, line


def test_sqlite_backup_is_consistent_while_a_writer_writes(tmp_path):
    """Each write is two rows in one transaction: a torn copy would hold an odd number, or fail its check."""
    live = tmp_path / "live.db"
    with sqlite3.connect(live) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('abc123')")
        conn.execute("CREATE TABLE pairs (id INTEGER PRIMARY KEY, payload BLOB)")
    stop, written = threading.Event(), [0]

    def writer():
        conn = sqlite3.connect(live, timeout=30)
        while not stop.is_set():
            with conn:
                conn.executemany("INSERT INTO pairs (payload) VALUES (?)", [(os.urandom(2000),)] * 2)
            written[0] += 2
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        for k in range(5):
            while written[0] < 200 * (k + 1):  # let the file grow between copies
                threading.Event().wait(0.01)
            low = written[0]
            target = tmp_path / f"copy{k}.sqlite3"
            assert backups.backup(f"sqlite:///{live}", target) == "abc123"
            copies.append((target, low, written[0]))
    finally:
        stop.set()
        thread.join()
    for target, low, high in copies:
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            count = conn.execute("SELECT count(*) FROM pairs").fetchone()[0]
        assert count % 2 == 0 and low <= count <= high + 2, (count, low, high)
