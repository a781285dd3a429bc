"""`flask --app app worker`: the one process that runs the periodic jobs (APScheduler).

Web workers never run the scheduler. What is due lives in the database, so a restart loses
nothing: the next tick finds what is overdue and does it.
"""
import logging

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from extensions import db
from piket.jobs import JOBS
from timeutil import utcnow

log = logging.getLogger("piket.worker")


def run_job(app, name):
    function, _every = JOBS[name]
    with app.app_context():
        try:
            done = function(utcnow())
            if done:
                log.info("%s: %s", name, done)
        except Exception:  # one failing tick must not stop the worker; the next tick retries
            log.exception("job %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()


@click.command("worker", help="Run the periodic jobs (hold expiry, ...). One per installation.")
@with_appcontext
def worker_command():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    scheduler = BlockingScheduler(timezone="UTC")
    for name, (_function, every) in JOBS.items():
        # coalesce + max_instances=1: a late or slow tick never runs twice at once.
        scheduler.add_job(run_job, "interval", seconds=every, args=(app, name), id=name,
                          coalesce=True, max_instances=1, next_run_time=utcnow())
    click.echo(f"worker: running {', '.join(JOBS)}")
    scheduler.start()
