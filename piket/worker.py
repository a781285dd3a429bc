"""`flask --app app worker`: the process that runs the periodic jobs (APScheduler) and pages.

Web workers never run the scheduler. What is due lives in the database, so a restart loses
nothing: the next tick finds what is overdue and does it. Two workers (on one host or two) may run
side by side: every job claims its rows. `flask --app app worker status` lists each worker's
heartbeat and warns when fewer than WORKERS_EXPECTED are alive, because paging depends on them.

Paging without polling delay: the escalate job runs in a pager thread of its own. On PostgreSQL a
listener thread LISTENs (its own connection) on notify's wake channel; a committed request, or a
message that is due now, NOTIFYs it (notify.service.wake_workers) and the pager runs at once; between
wake-ups it sleeps until the next step or message is due (at most WORKER_LISTEN_POLL_S). When the listening
connection is lost, or on SQLite, the pager polls every ESCALATE_EVERY_S; the listener reconnects.
Messages are sent by a bounded pool of threads (NOTIFY_SEND_THREADS), so a slow provider call
delays no other page.

Every job run takes `now` from the database's clock (database_now), so claims, leases and due
times agree across hosts whose clocks differ.
"""

import datetime as dt
import logging
import sys
import threading

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

import formatting
from errors import log_unexpected
from extensions import db
from notify import jobs as notify_jobs
from notify import service as notify
from piket import escalation, heartbeat
from timeutil import database_now

log = logging.getLogger("piket.worker")
HEARTBEAT_SECONDS = 10
LISTEN_NAME = "piket-worker-listen"  # the listening connection's application_name (pg_stat_activity)
RECONNECT_WAITS = (0.5, 1, 2, 5)  # seconds before listening again after the connection was lost (then every 5 s)


def run_job(app, name, function, ran=None):
    """Run one job with the database's `now`; `ran` ({name: {"runs", "last_at"}}) counts it for the heartbeat."""
    with app.app_context():
        try:
            now = database_now()
            done = function(now)
            if ran is not None:
                ran[name] = {"runs": ran.get(name, {}).get("runs", 0) + 1, "last_at": now.isoformat()}
            if done:
                log.info("%s: %s", name, done)
        except Exception as err:  # one failing tick must not stop the worker; the next tick retries
            log_unexpected(log, err, "job %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()


def job_table(app, started, ran=None) -> dict:
    """name: (function(now), every N seconds), as app.py lists them; an interval given as a setting's
    name (e.g. ESCALATE_EVERY_S) is read from the app's config."""
    jobs = {
        name: (function, app.config[every] if isinstance(every, str) else every)
        for name, (function, every) in app.extensions["worker_jobs"].items()
    }
    name = heartbeat.worker_name()
    jobs["heartbeat"] = (
        lambda now: heartbeat.beat(now, started, name=name, jobs=dict(ran) if ran is not None else None),
        HEARTBEAT_SECONDS,
    )
    return jobs


# --- waking up: LISTEN on PostgreSQL ------------------------------------------------------------------


class Listener:
    """LISTENs on notify's wake channel on a connection of its own and sets `wake` on each
    notification. `listening` is False while the connection is down (the pager then polls)."""

    def __init__(self, url, wake: threading.Event):
        self.url, self.wake = url, wake
        self.listening = False
        self.stopped = threading.Event()
        self.connected = threading.Event()  # set on each (re)connection (tests wait for it)

    def start(self):
        threading.Thread(target=self.run, name="listen", daemon=True).start()
        return self

    def stop(self):
        self.stopped.set()

    def run(self):
        import psycopg

        failures = 0
        while not self.stopped.is_set():
            try:
                with psycopg.connect(
                    self.url, autocommit=True, connect_timeout=5, application_name=LISTEN_NAME
                ) as conn:
                    conn.execute(f"LISTEN {notify.WAKE_CHANNEL}")
                    self.listening, failures = True, 0
                    self.connected.set()
                    log.info("listening for new requests and messages (LISTEN %s)", notify.WAKE_CHANNEL)
                    self.wake.set()  # whatever was committed while nobody listened
                    while not self.stopped.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.wake.set()
                        conn.execute("SELECT 1")  # notice a dead connection without waiting for a notification
            except Exception as err:  # the database went away: poll meanwhile, and listen again
                if self.listening or failures == 0:
                    log.warning("not listening any more (%s): polling every few tenths of a second", type(err).__name__)
            self.listening = False
            self.connected.clear()
            wait = RECONNECT_WAITS[min(failures, len(RECONNECT_WAITS) - 1)]
            failures += 1
            self.stopped.wait(wait)


def listen_url(app) -> str | None:
    """The database URL for psycopg's own connection, or None when the database cannot LISTEN."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Pager:
    """Runs the escalate job and the outbox when woken (a NOTIFY), when something falls due, and at
    least every WORKER_LISTEN_POLL_S; every ESCALATE_EVERY_S while nothing listens."""

    def __init__(self, app, escalate, ran, listener=None, wake=None):
        self.app, self.escalate, self.ran, self.listener = app, escalate, ran, listener
        self.wake = wake or threading.Event()
        self.stopped = threading.Event()
        self.poll_s = app.config["ESCALATE_EVERY_S"]
        self.listen_poll_s = app.config["WORKER_LISTEN_POLL_S"]  # listening: still look this often (a lost NOTIFY)

    def start(self):
        threading.Thread(target=self.run, name="pager", daemon=True).start()
        return self

    def stop(self):
        self.stopped.set()
        self.wake.set()

    def cycle(self):
        run_job(self.app, "escalate", self.escalate, self.ran)
        run_job(self.app, "dispatch_notifications", notify_jobs.dispatch, self.ran)

    def sleep_s(self) -> float:
        if self.listener is None or not self.listener.listening:
            return self.poll_s
        with self.app.app_context():
            try:
                now = database_now()
                due = [t for t in (escalation.next_due(), notify.next_due()) if t is not None]
                db.session.rollback()
            except Exception:  # the database is away: poll
                db.session.rollback()
                return self.poll_s
            finally:
                db.session.remove()
        if not due:
            return self.listen_poll_s
        wait = (min(due) - now).total_seconds()
        if wait <= 0:  # due and still there after this cycle (another worker has it, or it failed): look again soon
            return self.poll_s
        return min(self.listen_poll_s, wait + 0.01)

    def run(self):
        while not self.stopped.is_set():
            self.wake.clear()  # a NOTIFY during the cycle sets it again: no wake-up is lost
            self.cycle()
            self.wake.wait(self.sleep_s())


# --- the command --------------------------------------------------------------------------------------


@click.group(
    "worker",
    invoke_without_command=True,
    help="Run the periodic jobs (escalation, notifications, hold expiry, ...). Two may run side by side.",
)
@click.pass_context
@with_appcontext
def worker_command(ctx):
    if ctx.invoked_subcommand is not None:
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per tick; skipped runs still warn
    app = current_app._get_current_object()
    started = database_now()
    ran: dict = {}
    senders = notify.Senders(app, app.config["NOTIFY_SEND_THREADS"], clock=database_now)
    app.extensions["notify_senders"] = senders
    jobs = job_table(app, started, ran)
    escalate, _ = jobs.pop("escalate")
    url = listen_url(app)
    wake = threading.Event()
    listener = Listener(url, wake).start() if url else None
    Pager(app, escalate, ran, listener, wake).start()
    scheduler = BlockingScheduler(timezone="UTC")
    for name, (function, every) in jobs.items():
        # coalesce + max_instances=1: a late or slow tick never runs twice at once.
        scheduler.add_job(
            run_job,
            "interval",
            seconds=every,
            args=(app, name, function, ran),
            id=name,
            coalesce=True,
            max_instances=1,
            next_run_time=dt.datetime.now(dt.UTC),  # the scheduler's own clock is this host's, not the database's
            misfire_grace_time=None,
        )
    how = "woken by NOTIFY" if listener else f"polling every {app.config['ESCALATE_EVERY_S']} s"
    click.echo(f"worker {heartbeat.worker_name()}: running escalate ({how}), {', '.join(jobs)}")
    try:
        scheduler.start()
    finally:
        senders.shutdown(wait=False)


@worker_command.command("status", help="Are the workers alive? Exit status 1 when fewer than WORKERS_EXPECTED are.")
@with_appcontext
def status_command():
    state = heartbeat.state(database_now(), current_app.config["WORKER_STALE_SECONDS"])
    for w in state["workers"]:
        jobs = ", ".join(f"{name} {job['runs']}×" for name, job in sorted(w["jobs"].items()))
        click.echo(
            f"{'actief' if w['alive'] else 'DOOD  '} {w['hostname']} pid {w['pid']}: laatste hartslag {w['age_s']} s "
            f"geleden, gestart {formatting.when(w['started_at'])}" + (f"; {jobs}" if jobs else "")
        )
    if state["running"] and state["enough"]:
        click.echo(f"workers: {state['alive']} actief (verwacht: {state['expected']})")
        return
    if not state["running"]:
        seen = f"laatste hartslag {formatting.when(state['beat_at'])}" if state["beat_at"] else "nooit gezien"
        click.echo(f"WAARSCHUWING: de worker draait niet ({seen}). Zonder worker wordt niemand opgeroepen.", err=True)
    else:
        click.echo(f"WAARSCHUWING: {state['alive']} van de {state['expected']} verwachte workers actief.", err=True)
    sys.exit(1)
