"""`flask --app app piket import-rota FILE [--level ...]` and `flask --app app piket who --region R [--at ...]`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

import validation as v
from accounts.cli import fail
from beds.models import Region
from errors import PiketError, ValidationError
from extensions import db
from piket.rotas import service
from piket.rotas.models import LEVELS
from timeutil import utcnow

piket_cli = AppGroup("piket", help="Piketroosters: import a rota, who is on duty.")


@piket_cli.command("import-rota", help="Import shifts from a CSV (region,email,start,end; local times).")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--level", type=click.Choice(LEVELS), default="primary", show_default=True)
def import_rota(file, level):
    try:
        counts = service.import_csv(utcnow(), file.read(), level=level, actor=None, source="cli")
    except PiketError as err:
        for line in err.details.get("errors", []):
            click.echo(line, err=True)
        fail(err)
    click.echo(
        f"{counts['created']} dienst(en) geïmporteerd, {counts['unchanged']} al aanwezig, "
        f"{counts['replaced']} vervangen"
    )


@piket_cli.command("who", help="Who is on duty: primary, backup and national.")
@click.option("--region", required=True, help="region code, e.g. rotterdam")
@click.option("--at", "at", default=None, help='local time "YYYY-MM-DD HH:MM" (default: now)')
def who(region, at):
    try:
        moment = v.local_time(at, "at") if at is not None else utcnow()
        found = db.session.scalar(select(Region).where(Region.code == region.strip()))
        if found is None:
            raise ValidationError(f"onbekende regio {region[:60]!r}", field="region")
    except PiketError as err:
        fail(err)
    for level, person in service.on_duty_all(moment, found.id).items():
        shown = f"{person.name or '-'}, {person.email}, {person.phone or 'geen telefoon'}" if person else "niemand"
        click.echo(f"{service.LEVEL_LABELS[level]}: {shown}")
