"""Logging for the web app, the worker and the command line, set up in one place (create_app calls
`init_app`); and the request id that follows one web request into the outbox and the worker.

Every line: time (UTC, ISO 8601), level, logger, message, and request_id when there is one.
LOG_FORMAT=json (the default: one JSON object a line, for a log collector) or text (one readable
line, `make run`). Nothing personal goes into a log line: no phone numbers, case references,
names, e-mail addresses or query strings (a search's query string is a victim's profile). Log ids
and codes; tests/ops/test_logs.py scans a night's log output for the demo's numbers and references.

The request id: a new random one per web request, unless TRUST_PROXY > 0 and the proxy sent a sane
X-Request-Id (letters, digits, `.`, `_`, `-`; 8 to 64 of them), which is then kept so a line in the
proxy's log and one here match. It is answered as X-Request-Id, stored on each outbox message the
request queues (and on a placement request's escalation, so the pages the worker sends for it
carry it too), and logged by the worker when it sends that message.
"""

import contextlib
import contextvars
import datetime as dt
import logging
import re
import sys
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-Id"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
FORMATS = ("json", "text")
QUIET = {"apscheduler": logging.WARNING}  # not a line per tick; skipped runs still warn

# Outside a web request (the worker, a command): the id of what is being worked on, if any.
_current = contextvars.ContextVar("request_id", default=None)


def request_id() -> str | None:
    """The id of the web request being served, or of the work the worker does for one; None otherwise."""
    if has_request_context():
        return g.get("request_id")
    return _current.get()


@contextlib.contextmanager
def working_for(rid: str | None):
    """The worker's lines (and the messages it queues) inside this block carry `rid`."""
    token = _current.set(rid)
    try:
        yield
    finally:
        _current.reset(token)


# --- formatting ---------------------------------------------------------------------------------


def _utc_iso(created: float) -> str:
    return dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None when there is none); a record may bring its own."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            try:
                record.request_id = request_id()
            except RuntimeError:  # no app context in a thread of its own
                record.request_id = None
        return True


class Json(JsonFormatter):
    def __init__(self):
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=False,
        )

    def add_fields(self, log_record, record, message_dict):
        log_record["time"] = _utc_iso(record.created)
        super().add_fields(log_record, record, message_dict)
        if getattr(record, "request_id", None) is None:
            log_record.pop("request_id", None)
        access = _access_fields(record)
        if access:
            log_record.update(access)


class Text(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s%(rid)s")

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return _utc_iso(record.created)

    def format(self, record):
        rid = getattr(record, "request_id", None)
        record.rid = f" request_id={rid}" if rid else ""
        return super().format(record)


def _access_fields(record) -> dict:
    """gunicorn's access log passes its atoms as the record's args: the JSON line gets them as fields.
    The path only (%(U)s), never the query string; no client address (behind the proxy it is the
    proxy's; the proxy's own log has the client)."""
    if record.name != "gunicorn.access" or not isinstance(record.args, dict):
        return {}
    atoms = record.args
    fields = {
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": _int(atoms.get("s")),
        "bytes": _int(atoms.get("B")),
        "duration_ms": _int(atoms.get("M")),
    }
    rid = atoms.get("{x-request-id}o")
    if rid and rid != "-":
        fields["request_id"] = rid
    return {k: v for k, v in fields.items() if v is not None}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return Json() if fmt == "json" else Text()


class _Stream(logging.StreamHandler):
    """To the given stream, else to whatever sys.stderr is when a line is written (a test runner swaps it)."""

    def __init__(self, stream=None):
        self._given = stream
        super().__init__(stream)

    @property
    def stream(self):
        return self._given or sys.stderr

    @stream.setter
    def stream(self, value):
        self._given = value


def handler(fmt: str, stream=None) -> logging.Handler:
    out = _Stream(stream)
    out.setFormatter(formatter(fmt))
    out.addFilter(RequestIdFilter())
    out._piket = True  # ours: replaced, not added twice, when another app is created in this process
    return out


def configure(fmt: str = "json", level: str = "INFO", stream=None) -> None:
    """The root logger writes to stderr in `fmt`; called again, it replaces its own handler only
    (a handler someone else added, e.g. pytest's, stays)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_piket", False)]:
        root.removeHandler(old)
    root.addHandler(handler(fmt, stream))
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)


# --- the web request's id -----------------------------------------------------------------------


def assign_request_id():
    """before_request, first of all: this request's id."""
    offered = request.headers.get(HEADER, "")
    from flask import current_app

    trusted = current_app.config.get("TRUST_PROXY", 0) > 0 and SANE_ID.fullmatch(offered)
    g.request_id = offered if trusted else uuid.uuid4().hex


def answer_request_id(response):
    """after_request: the id goes back to the client (and into gunicorn's access log line)."""
    rid = g.get("request_id")
    if rid:
        response.headers[HEADER] = rid
    return response


def init_app(app) -> None:
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)
    app.after_request(answer_request_id)


# --- gunicorn -----------------------------------------------------------------------------------

# The access line: method, path without its query string (a search's query string is a profile),
# status, bytes, milliseconds, the request id (the X-Request-Id the app answered). No client address:
# behind the proxy it is the proxy's own, and the proxy logs the client.
ACCESS_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'


def gunicorn_logconfig(fmt: str) -> dict:
    """gunicorn.conf.py's logconfig_dict: gunicorn's own lines and its access log in LOG_FORMAT."""
    formatter(fmt)  # a wrong LOG_FORMAT stops gunicorn at startup
    stream = {"class": "logging.StreamHandler", "formatter": "piket", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"piket": {"()": "ops.logs.formatter", "fmt": fmt}},
        "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
        "handlers": {
            "error": {**stream, "stream": "ext://sys.stderr"},
            "access": {**stream, "stream": "ext://sys.stdout"},
        },
        "root": {"level": "INFO", "handlers": []},  # the app's own handler (configure) comes with create_app
        "loggers": {
            "gunicorn.error": {
                "level": "INFO",
                "handlers": ["error"],
                "propagate": False,
                "qualname": "gunicorn.error",
            },
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["access"],
                "propagate": False,
                "qualname": "gunicorn.access",
            },
        },
    }
