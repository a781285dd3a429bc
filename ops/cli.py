"""`flask --app app backup [FILE]` and `flask --app app restore FILE [--force]`.

Bad input (a missing, unreadable or foreign file, a non-empty database without --force): one line,
exit status 2. A broken environment (no pg_dump, the database refuses): one line, exit status 1.
"""

import os
import sys
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

import settings
from extensions import db
from ops import backup as backups
from timeutil import utcnow


def _fail(err: Exception, status: int):
    field = f"{err.field}: " if getattr(err, "field", None) else ""
    click.echo(f"error: {field}{getattr(err, 'message', err)}", err=True)
    sys.exit(status)


def default_file(url: str, now) -> Path:
    """instance/backups/piket-<UTC timestamp>.<kind>; the instance folder as settings.py finds it."""
    instance = Path(os.environ.get("PIKET_INSTANCE_DIR") or settings.ROOT / "instance")
    return instance / "backups" / f"piket-{now:%Y%m%dT%H%M%SZ}{backups.SUFFIX[backups.kind(url)]}"


@click.command("backup", help="Back up the whole database to FILE (default: instance/backups/piket-<UTC time>).")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@with_appcontext
def backup_command(file):
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        target = file or default_file(url, utcnow())
        version = backups.backup(url, target)
    except backups.BackupError as err:
        _fail(err, 2)
    except backups.BackupFailed as err:
        _fail(err, 1)
    click.echo(f"backup written to {target} (schema version {version})")


@click.command("restore", help="Restore the backup FILE into this (empty) database; --force replaces its data.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already has data.")
@with_appcontext
def restore_command(file, force):
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()  # no pooled connection of ours may hold a lock the restore needs
    try:
        version = backups.restore(url, file, force=force)
    except backups.BackupError as err:
        _fail(err, 2)
    except backups.BackupFailed as err:
        _fail(err, 1)
    click.echo(f"restored {file} (schema version {version})")
    head = ScriptDirectory(str(settings.ROOT / "migrations")).get_current_head()
    if version != head:
        click.echo(f"this code's schema is {head}: run `flask --app app db upgrade` before starting the service")
