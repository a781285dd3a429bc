"""What every benchmark starts with: an empty database of its own, SQLite by default or the
PostgreSQL database that DATABASE_URL names (dropped and created afresh)."""

import os
import tempfile
from pathlib import Path


def fresh_postgres_database(url):
    """Drop and create the database the URL names, so the run starts empty."""
    from sqlalchemy import create_engine, text

    server, name = url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def fresh_database(prefix) -> Path:
    """A new instance folder; DATABASE_URL set to an SQLite file in it unless given. Returns the folder."""
    instance = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["PIKET_INSTANCE_DIR"] = str(instance)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{instance / 'bench.db'}")
    if os.environ["DATABASE_URL"].startswith("postgres"):
        fresh_postgres_database(os.environ["DATABASE_URL"])
    return instance
