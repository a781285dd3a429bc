"""Backups: a consistent copy of the whole database, and putting one back.

SQLite: the sqlite3 online backup API, a snapshot that is safe while the web app and the worker
write (a raw copy of a live WAL database can be torn). PostgreSQL: `pg_dump --format=custom` and
`pg_restore`. Every backup carries the Alembic version, so a restore brings back its own schema
version and says which it is.

Bad input (a missing, unreadable or foreign file, a database that is not empty) raises BackupError;
a broken environment (no pg_dump, the database refuses) raises BackupFailed.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import URL, create_engine, inspect, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from errors import PiketError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"  # the custom format's header
SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


class BackupError(PiketError):
    """Bad input: exit status 2 on the command line."""

    code = "invalid"


class BackupFailed(Exception):
    """The environment failed (a missing client program, a refused connection): exit status 1."""


def kind(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in SUFFIX:
        raise BackupError(f"cannot back up a {name} database (SQLite or PostgreSQL only)", field="DATABASE_URL")
    return name


def backup(url: str, target: Path) -> str:
    """Write a backup of the database at `url` to `target` (a new file, readable by its owner only);
    returns the Alembic version it holds. Written beside the target first, so a failure leaves no half file."""
    target, what = Path(target), kind(url)
    if target.exists():
        raise BackupError(f"{target} already exists", field="file")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        version = (_sqlite_backup if what == "sqlite" else _pg_backup)(url, partial)
        partial.chmod(0o600)  # a backup holds profiles and accounts: personal data
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return version


def restore(url: str, source: Path, force: bool = False) -> str:
    """Put the backup `source` into the database at `url`; returns the Alembic version now in it.
    Refuses a database that has rows unless `force`, which replaces everything in it."""
    source = Path(source)
    version = check(url, source)
    if not force:
        full = tables_with_rows(url)
        if full:
            raise BackupError(
                f"the database is not empty ({', '.join(full[:3])}{', ...' if len(full) > 3 else ''} "
                "have rows); --force replaces it",
                field="database",
            )
    restored = (_sqlite_restore if kind(url) == "sqlite" else _pg_restore)(url, source)
    if restored != version:  # cannot happen unless the restore silently skipped the schema
        raise BackupFailed(f"restored Alembic version {restored!r}, the backup holds {version!r}")
    return restored


def check(url: str, source: Path) -> str:
    """The Alembic version in the backup `source`, after checking it is a whole backup for this database kind."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist", field="file")
    try:
        with open(source, "rb") as f:
            header = f.read(16)
    except OSError as err:
        raise BackupError(f"{source} cannot be read ({err.strerror})", field="file") from None
    return _sqlite_check(source, header) if kind(url) == "sqlite" else _pg_check(source, header)


def tables_with_rows(url: str) -> list[str]:
    """Tables of the database at `url` that hold at least one row (alembic_version does not count)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
            return [n for n in names if conn.execute(text(f'SELECT 1 FROM "{n}" LIMIT 1')).first() is not None]
    except SQLAlchemyError as err:
        raise BackupFailed(f"cannot read the database: {err.orig or err}") from None
    finally:
        engine.dispose()


# --- SQLite ----------------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up or restore into", field="DATABASE_URL")
    return Path(database).resolve()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)


def _alembic_version(conn) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _sqlite_backup(url: str, partial: Path) -> str:
    path = _sqlite_file(url)
    if not path.exists():
        raise BackupError(f"the database file {path} does not exist", field="DATABASE_URL")
    source, copy = _read_only(path), sqlite3.connect(partial)
    try:
        # All pages in one step: one read snapshot; in WAL mode writers carry on meanwhile.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        version = _alembic_version(copy)
    finally:
        source.close()
        copy.close()
    if version is None:
        raise BackupError(
            "the database has no Alembic version: build it with `flask --app app db upgrade`", field="database"
        )
    return version


def _sqlite_check(source: Path, header: bytes) -> str:
    if header != SQLITE_MAGIC:
        raise BackupError(f"{source} is not an SQLite backup", field="file")
    conn = _read_only(source)
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        version = _alembic_version(conn)
    except sqlite3.DatabaseError as err:
        raise BackupError(f"{source} is damaged ({err})", field="file") from None
    finally:
        conn.close()
    if not ok:
        raise BackupError(f"{source} is damaged (quick_check failed)", field="file")
    if version is None:
        raise BackupError(f"{source} is not a Piket backup (no Alembic version)", field="file")
    return version


def _sqlite_restore(url: str, source: Path) -> str:
    path = _sqlite_file(url)
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist", field="DATABASE_URL")
    backup_conn, target = _read_only(source), sqlite3.connect(path, timeout=30)
    try:
        backup_conn.backup(target)  # replaces every page of the target, under its write lock
        target.execute("PRAGMA journal_mode=WAL")  # as the app runs it (sqlite_setup.configure_sqlite)
        return _alembic_version(target)
    finally:
        backup_conn.close()
        target.close()


# --- PostgreSQL ------------------------------------------------------------------------------------


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupFailed(
            f"{name} not found on PATH: install the PostgreSQL client programs (the server's major version or newer)"
        )
    return path


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq URL for pg_dump/pg_restore (no "+psycopg"), with the password in the environment, not argv."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )  # URL.set() cannot clear the password
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env=None) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True)


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _pg_backup(url: str, partial: Path) -> str:
    dsn, env = _libpq(url)
    done = _run([_program("pg_dump"), "--format=custom", "--file", str(partial), "--dbname", dsn], env)
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {_last_line(done.stderr)}")
    version = _pg_version(partial)
    if version is None:
        raise BackupError(
            "the database has no Alembic version: build it with `flask --app app db upgrade`", field="database"
        )
    return version


def _pg_version(dump: Path) -> str | None:
    """The Alembic version as stored in the dump (its alembic_version table's data)."""
    done = _run([_program("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(dump)])
    if done.returncode != 0:
        return None
    lines = done.stdout.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and k + 1 < len(lines) and lines[k + 1] != "\\.":
            return lines[k + 1].strip()
    return None


def _pg_tables(dump: Path) -> set[str] | None:
    """The tables in the dump's table of contents, or None when pg_restore cannot read it."""
    done = _run([_program("pg_restore"), "--list", str(dump)])
    if done.returncode != 0:
        return None
    return set(re.findall(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+) ", done.stdout, flags=re.M))


def _pg_check(source: Path, header: bytes) -> str:
    if not header.startswith(PG_MAGIC):
        raise BackupError(f"{source} is not a PostgreSQL backup (pg_dump --format=custom)", field="file")
    if _pg_tables(source) is None:
        raise BackupError(f"{source} is damaged (pg_restore cannot read it)", field="file")
    version = _pg_version(source)
    if version is None:
        raise BackupError(f"{source} is not a Piket backup (no Alembic version)", field="file")
    return version


def _pg_restore(url: str, source: Path) -> str:
    # Tables the backup does not know (a newer schema) would outlive --clean and clash with a later
    # `db upgrade` from the restored version: drop them first.
    in_dump = _pg_tables(source) or set()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for name in set(inspect(conn).get_table_names()) - in_dump:
                conn.execute(text(f'DROP TABLE "{name}" CASCADE'))
        dsn, env = _libpq(url)
        # One transaction: a failed restore leaves the database as it was.
        done = _run(
            [
                _program("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                dsn,
                str(source),
            ],
            env,
        )
        if done.returncode != 0:
            raise BackupFailed(f"pg_restore failed: {_last_line(done.stderr)}")
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as err:
        raise BackupFailed(f"cannot reach the database: {err.orig or err}") from None
    finally:
        engine.dispose()
