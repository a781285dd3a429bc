"""`flask --app app worker`: the one process that runs the periodic jobs (APScheduler).

Web workers never run the scheduler. What is due lives in the database, so a restart loses
nothing: the next tick finds what is overdue and does it. `flask --app app worker status` tells
whether it is alive (its heartbeat), because paging depends on it.
"""

import logging
import sys

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from errors import log_unexpected
from extensions import db
from piket import heartbeat
from timeutil import format_local, utcnow

log = logging.getLogger("piket.worker")
HEARTBEAT_SECONDS = 10


def run_job(app, name, function):
    with app.app_context():
        try:
            done = function(utcnow())
            if done:
                log.info("%s: %s", name, done)
        except Exception as err:  # one failing tick must not stop the worker; the next tick retries
            log_unexpected(log, err, "job %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()


def job_table(app, started) -> dict:
    """name: (function(now), every N seconds), as app.py lists them; an interval given as a setting's
    name (e.g. ESCALATE_EVERY_S) is read from the app's config."""
    jobs = {
        name: (function, app.config[every] if isinstance(every, str) else every)
        for name, (function, every) in app.extensions["worker_jobs"].items()
    }
    jobs["heartbeat"] = (lambda now: heartbeat.beat(now, started), HEARTBEAT_SECONDS)
    return jobs


@click.group(
    "worker",
    invoke_without_command=True,
    help="Run the periodic jobs (escalation, notifications, hold expiry, ...). One per installation.",
)
@click.pass_context
@with_appcontext
def worker_command(ctx):
    if ctx.invoked_subcommand is not None:
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per tick; skipped runs still warn
    app = current_app._get_current_object()
    started = utcnow()
    jobs = job_table(app, started)
    scheduler = BlockingScheduler(timezone="UTC")
    for name, (function, every) in jobs.items():
        # coalesce + max_instances=1: a late or slow tick never runs twice at once.
        scheduler.add_job(
            run_job,
            "interval",
            seconds=every,
            args=(app, name, function),
            id=name,
            coalesce=True,
            max_instances=1,
            next_run_time=utcnow(),
            misfire_grace_time=None,
        )
    click.echo(f"worker: running {', '.join(jobs)}")
    scheduler.start()


@worker_command.command("status", help="Is the worker alive? Exit status 1 when it is not.")
@with_appcontext
def status_command():
    state = heartbeat.state(utcnow(), current_app.config["WORKER_STALE_SECONDS"])
    if state["running"]:
        click.echo(
            f"worker: actief (laatste hartslag {state['age_s']} s geleden, {state['hostname']} pid {state['pid']}, "
            f"gestart {format_local(state['started_at'])})"
        )
        return
    seen = f"laatste hartslag {format_local(state['beat_at'])}" if state["beat_at"] else "nooit gezien"
    click.echo(f"WAARSCHUWING: de worker draait niet ({seen}). Zonder worker wordt niemand opgeroepen.", err=True)
    sys.exit(1)
