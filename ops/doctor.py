"""`flask --app app doctor`: is this installation ready to page someone tonight?

It checks what no single page shows: the database and its schema, the worker's heartbeat, the
notification settings, and whether every step of every region's ladder reaches a person with a
verified phone in the next 24 hours (piket/readiness.py). One line per finding; exit status 1 when
anything would make a page or an alarm reach nobody, 0 otherwise (warnings included).
"""

import sys

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

import formatting
import settings
from extensions import db
from piket import heartbeat, readiness
from piket.readiness import Finding, Severity
from timeutil import utcnow


def _schema() -> list[Finding]:
    """The database answers and its schema is the code's (migrations applied)."""
    head = ScriptDirectory(str(settings.ROOT / "migrations")).get_current_head()
    try:
        if "alembic_version" not in inspect(db.session.connection()).get_table_names():
            return [
                Finding(
                    Severity.PROBLEM,
                    "database",
                    "De database heeft geen schema: voer `flask --app app db upgrade` uit.",
                )
            ]
        current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError as err:
        return [Finding(Severity.PROBLEM, "database", f"De database antwoordt niet ({type(err).__name__}).")]
    if current != head:
        return [
            Finding(
                Severity.PROBLEM,
                "database",
                f"Het schema is versie {current}, de code verwacht {head}: voer `flask --app app db upgrade` uit.",
            )
        ]
    return []


def _worker(now) -> list[Finding]:
    state = heartbeat.state(now, current_app.config["WORKER_STALE_SECONDS"])
    if state["beat_at"] is None:
        # A new installation has not started its worker yet; once it has, its silence is an error.
        return [
            Finding(Severity.WARNING, "worker", "De worker heeft nog nooit gedraaid: start `flask --app app worker`.")
        ]
    if not state["running"]:
        return [
            Finding(
                Severity.PROBLEM,
                "worker",
                f"De worker draait niet (laatste hartslag {formatting.when(state['beat_at'])}): niemand wordt opgeroepen.",
            )
        ]
    if not state["enough"]:
        return [
            Finding(
                Severity.PROBLEM,
                "worker",
                f"Er draait {state['alive']} worker, verwacht zijn er {state['expected']} (WORKERS_EXPECTED): "
                "valt die ene uit, dan wordt niemand opgeroepen.",
            )
        ]
    return []


def _notify() -> list[Finding]:
    config = current_app.config
    out = []
    if config["NOTIFY_PROVIDER"] == "twilio":
        missing = [k for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER") if not config[k]]
        if missing:
            out.append(Finding(Severity.PROBLEM, "twilio", f"Niet ingesteld: {', '.join(missing)}."))
        if not config["PUBLIC_BASE_URL"].startswith("https://"):
            out.append(
                Finding(
                    Severity.PROBLEM,
                    "twilio",
                    f"PUBLIC_BASE_URL ({config['PUBLIC_BASE_URL']}) is geen https-adres: Twilio bereikt de webhooks niet "
                    "en antwoorden (JA, toets 1, afleverberichten) komen niet aan.",
                )
            )
    else:
        out.append(
            Finding(
                Severity.WARNING,
                "meldingen",
                f"NOTIFY_PROVIDER is {config['NOTIFY_PROVIDER']}: sms en oproepen gaan naar de console, niet naar telefoons.",
            )
        )
    if not config["NATIONAL_PIKET_NUMBER"]:
        out.append(
            Finding(
                Severity.WARNING,
                "politie",
                "NATIONAL_PIKET_NUMBER is leeg: de politie ziet geen nummer om te bellen als niemand antwoordt.",
            )
        )
    return out


def findings(now) -> list[Finding]:
    schema = _schema()
    if schema:
        return schema  # without the tables nothing else can be read
    try:
        return _worker(now) + _notify() + readiness.paging_findings(now)
    except SQLAlchemyError as err:
        return [Finding(Severity.PROBLEM, "database", f"De gegevens zijn niet te lezen ({type(err).__name__}).")]
    finally:
        db.session.rollback()  # a check never writes


@click.command(
    "doctor", help="Check the installation: database, worker, Twilio settings, rotas and ladders. Exit 1 on a problem."
)
@with_appcontext
def doctor_command():
    found = findings(utcnow())
    for finding in found:
        label = "FOUT   " if finding.severity == Severity.PROBLEM else "LET OP "
        click.echo(f"{label} {finding.subject}: {finding.message}")
    problems = sum(f.severity == Severity.PROBLEM for f in found)
    if problems:
        click.echo(f"{problems} probleem/problemen: een oproep of alarm kan niemand bereiken.", err=True)
        sys.exit(1)
    click.echo("OK: elke stap van elke ladder bereikt de komende 24 uur iemand met een geverifieerd telefoonnummer.")
