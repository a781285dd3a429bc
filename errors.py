"""The one error hierarchy. Services raise these; register_error_handlers() turns them into HTTP.

API and webhook paths answer JSON `{"error": {"code", "message", "field"}}`; pages render the
message in Dutch. Unknown exceptions become a 500 without internals.
"""

import logging
import traceback

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

import vocabulary

log = logging.getLogger(__name__)


def log_unexpected(logger, err: BaseException, message: str, *args):
    """Log an unexpected error with its traceback. A database error is logged by its type, SQLSTATE,
    constraint and statement only: its message can quote the row (PostgreSQL's "DETAIL: Failing row
    contains (...)", "Key (email)=(...)"), i.e. case references, phone numbers and profiles."""
    if not isinstance(err, DBAPIError):
        logger.error(message, *args, exc_info=err)
        return
    diag = getattr(err.orig, "diag", None)
    where = {k: getattr(diag, k, None) for k in ("table_name", "column_name", "constraint_name")}
    logger.error(
        message + ": %s (%s, SQLSTATE %s, %s) in %s\nTraceback (most recent call last):\n%s",
        *args,
        type(err).__name__,
        type(err.orig).__name__,
        getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None),
        ", ".join(f"{k}={v}" for k, v in where.items() if v) or "no detail",
        (err.statement or "")[:500],
        "".join(traceback.format_tb(err.__traceback__)).rstrip(),
    )


class PiketError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.details = details

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "field": self.field}
        body.update(self.details)
        return {"error": body}


class BadRequest(PiketError):
    """Malformed: not JSON, wrong content type."""

    status, code = 400, "bad_request"


class ValidationError(PiketError):
    """Well-formed but wrong: a field missing, mistyped or out of range."""

    status, code = 422, "invalid"


class NotAuthenticated(PiketError):
    status, code = 401, "not_authenticated"


class Forbidden(PiketError):
    status, code = 403, "forbidden"


class NotFound(PiketError):
    status, code = 404, "not_found"


class Conflict(PiketError):
    status, code = 409, "conflict"


class TooManyRequests(PiketError):
    status, code = 429, "too_many_requests"


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


def _dutch(err: HTTPException) -> str:
    """Werkzeug's English description, said in Dutch (vocabulary.HTTP_ERRORS): by its status, or the
    CSRF check's own sentence; a description a view gave itself (abort(404, "…")) is kept."""
    if isinstance(err, CSRFError):
        return vocabulary.CSRF_ERROR
    default = type(err).description
    if err.description and err.description != default:
        return err.description
    return vocabulary.HTTP_ERRORS.get(err.code, vocabulary.HTTP_ERRORS[500])[1]


def register_error_handlers(app):
    @app.errorhandler(PiketError)
    def piket_error(err: PiketError):
        if wants_json():
            return jsonify(err.to_dict()), err.status
        return render_template("error.html", message=err.message, status=err.status), err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        message = _dutch(err)
        if wants_json():
            code = (err.name or "error").lower().replace(" ", "_")
            return jsonify({"error": {"code": code, "message": message, "field": None}}), err.code
        return render_template("error.html", message=message, status=err.code), err.code

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log_unexpected(log, err, "unhandled error on %s %s", request.method, request.path)
        message = vocabulary.HTTP_ERRORS[500][1]
        if wants_json():
            return jsonify({"error": {"code": "internal", "message": "internal error", "field": None}}), 500
        return render_template("error.html", message=message, status=500), 500
