"""Piket: the application factory. Read top to bottom, this is the table of contents."""

from flask import Flask

import formatting
import models  # noqa: F401  every table, so Alembic and create_all see them all
import settings
from accounts import jobs as accounts_jobs
from accounts.access import load_user
from accounts.api import bp as accounts_api
from accounts.cli import users_cli
from accounts.phone_api import bp as phone_api
from accounts.phone_views import bp as phone_pages
from accounts.views import bp as accounts_pages
from audit.api import bp as audit_api
from audit.views import bp as audit_pages
from beds.api import bp as beds_api
from beds.views import bp as beds_pages
from demo import demo_command
from errors import register_error_handlers
from extensions import csrf, db, migrate
from json_provider import OrjsonProvider
from national import jobs as national_jobs
from national.api import bp as national_api
from national.views import bp as national_pages
from notify.service import provider_for
from notify.webhooks import bp as notify_webhooks
from openapi import bp as openapi_bp
from ops import logs
from ops.cli import backup_command, restore_command
from ops.doctor import doctor_command
from ops.health import bp as health_bp
from ops.metrics import bp as metrics_bp
from piket import jobs as piket_jobs
from piket.api import bp as piket_api
from piket.escalation import still_wanted
from piket.ladders.api import bp as ladders_api
from piket.ladders.views import bp as ladder_pages
from piket.link_views import bp as accept_link_pages
from piket.rotas.api import bp as rotas_api
from piket.rotas.cli import piket_cli
from piket.rotas.views import bp as rota_pages
from piket.views import bp as piket_pages
from piket.webhooks import bp as piket_webhooks
from piket.worker import worker_command
from postgres_setup import configure_postgres
from sqlite_setup import configure_sqlite
from validation import DatabaseId
from web import body_limit, home_bp, no_store, security_headers, template_helpers

PAGES = (
    home_bp,
    accounts_pages,
    phone_pages,
    beds_pages,
    piket_pages,
    accept_link_pages,
    audit_pages,
    rota_pages,
    ladder_pages,
    national_pages,
)
API = (
    beds_api,
    piket_api,
    rotas_api,
    ladders_api,
    national_api,
    audit_api,
    accounts_api,
    phone_api,
    openapi_bp,
)  # bearer tokens, so no CSRF
WEBHOOKS = (notify_webhooks, piket_webhooks)  # Twilio signs each request (notify/signature.py), so no CSRF
OPERATIONS = (health_bp, metrics_bp)  # /healthz (no login) and /metrics (METRICS_TOKEN) for monitoring, GET only
COMMANDS = (
    users_cli,
    demo_command,
    worker_command,
    piket_cli,
    backup_command,
    restore_command,
    doctor_command,
)  # flask --app app users|demo|worker|piket|backup|restore|doctor
# What the one worker process runs: name -> (function(now), every N seconds).
WORKER_JOBS = {**piket_jobs.JOBS, **national_jobs.JOBS, **accounts_jobs.JOBS}


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = DatabaseId  # before any route: ids beyond the database's range are 404
    app.json = OrjsonProvider(app)  # Flask's JSON rules, written faster
    app.config.update(settings.load())
    app.config.update(overrides or {})
    logs.init_app(app)  # first: JSON (or text) lines with a request id, from every part below

    # Data
    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"))
    with app.app_context():
        configure_sqlite(db.engine)
        configure_postgres(db.engine)

    # Security: a size limit on every body, CSRF on every form, security headers on every response, who is asking
    app.before_request(body_limit)  # first: CSRF reads the form
    csrf.init_app(app)
    app.before_request(load_user)
    app.after_request(security_headers)
    app.after_request(no_store)  # case data stays out of caches
    app.context_processor(template_helpers)
    formatting.register(app)  # the Jinja filters: when, day, clock, number, weekdays, intake_hours

    # Pages, the health check, the JSON API and the webhooks
    for blueprint in PAGES + OPERATIONS:
        app.register_blueprint(blueprint)
    for blueprint in API + WEBHOOKS:
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    register_error_handlers(app)

    # Notifications: the provider is built now, so a missing Twilio setting fails at startup; the
    # outbox asks piket before it sends a page whether its request still waits for an answer
    provider_for(app)
    app.extensions["notify_wanted"] = still_wanted

    for command in COMMANDS:
        app.cli.add_command(command)
    app.extensions["worker_jobs"] = WORKER_JOBS
    return app
