"""Piket: the application factory. Read top to bottom, this is the table of contents."""
from flask import Flask

import settings
from errors import register_error_handlers
from extensions import configure_sqlite, csrf, db, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(settings.load())
    app.config.update(overrides or {})

    # Data
    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"))
    with app.app_context():
        configure_sqlite(db.engine)
    import models  # noqa: F401  every table, so Alembic and create_all see them all

    # Security: CSRF on every form, security headers on every response, who is asking
    csrf.init_app(app)
    from web import security_headers, template_helpers
    from accounts.access import load_user
    app.before_request(load_user)
    app.after_request(security_headers)
    app.context_processor(template_helpers)

    # Pages
    from web import home_bp
    from accounts.views import bp as accounts_pages
    from beds.views import bp as beds_pages
    from audit.views import bp as audit_pages
    from piket.views import bp as piket_pages
    for blueprint in (home_bp, accounts_pages, beds_pages, piket_pages, audit_pages):
        app.register_blueprint(blueprint)

    # JSON API (bearer tokens, so no CSRF) and its OpenAPI description
    from beds.api import bp as beds_api
    from piket.api import bp as piket_api
    from audit.api import bp as audit_api
    from openapi import bp as openapi_bp
    for blueprint in (beds_api, piket_api, audit_api, openapi_bp):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)

    register_error_handlers(app)

    # Command line: flask --app app demo | users ...
    from accounts.cli import users_cli
    from beds.demo import demo_command
    from piket.worker import worker_command
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(worker_command)
    return app
