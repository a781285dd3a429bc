"""Exports of the national figures: every table on the national page as JSON or CSV (thin)."""

import datetime as dt

from flask import Blueprint, current_app, g, jsonify, request

import validation as v
from accounts.access import require
from accounts.roles import NATIONAL, OVERSIGHT
from errors import ValidationError
from national import freshness, occupancy, service, whatif
from timeutil import utcnow
from web import download, large_body

bp = Blueprint("national_api", __name__, url_prefix="/api/v1")
FORMATS = ("json", "csv")
MAX_HISTORY_DAYS = 366


def export(tables, days=None):
    """JSON: every table of the topic. CSV: one table (`table=` names it; the first by default)."""
    fmt = v.choice(request.args, "format", FORMATS, default="json")
    if fmt == "csv":
        table = service.find_table(tables, request.args.get("table"))
        return download(table.as_csv(), "text/csv", f"{table.key}.csv")
    regions = service.scope(g.user)
    return jsonify(
        {
            "scope": "national" if regions is None else "regional",
            "regions": None if regions is None else sorted(regions),
            "days": days,
            "suppressed": regions is not None,
            "tables": {t.key: t.as_json() for t in tables},
        }
    )


def _topic(topic):
    days = service.parse_days(request.args)
    return export(service.topic_tables(utcnow(), topic, g.user, current_app.config, days), days)


@bp.get("/occupancy")
@require(*OVERSIGHT)
def get_occupancy():
    return _topic("occupancy")


@bp.get("/occupancy/history")
@require(*OVERSIGHT)
def get_occupancy_history():
    """The hourly or daily snapshots summed per slot and region, between `from` and `to` (at most a year)."""
    kind = v.choice(request.args, "kind", ("hourly", "daily"), default="daily")
    now = utcnow()
    until = _time("to", default=now)
    since = _time("from", default=until - dt.timedelta(days=30))
    if since >= until:
        raise ValidationError("must be before `to`", field="from")
    if (until - since).days > MAX_HISTORY_DAYS:
        raise ValidationError(f"at most {MAX_HISTORY_DAYS} days between from and to", field="from")
    return export([occupancy.history(since, until, kind, service.scope(g.user))])


def _time(name, default):
    value = request.args.get(name)
    return default if value in (None, "") else v.local_time(value, name)


@bp.get("/freshness")
@require(*OVERSIGHT)
def get_freshness():
    return _topic("freshness")


@bp.post("/freshness/<int:shelter_id>/reminder")
@require(*OVERSIGHT)
def post_freshness_reminder(shelter_id):
    queued = freshness.remind(utcnow(), shelter_id, g.user, current_app.config)
    return jsonify({"shelter_id": shelter_id, "queued": queued})


@bp.get("/unmet-demand")
@require(*OVERSIGHT)
def get_unmet_demand():
    return _topic("unmet_demand")


@bp.get("/time-to-placement")
@require(*OVERSIGHT)
def get_time_to_placement():
    return _topic("time_to_placement")


@bp.get("/comensha-reports")
@require(*OVERSIGHT)
def get_comensha_reports():
    return _topic("reports")


@bp.post("/what-if")
@require(*NATIONAL)
@large_body  # a scenario file
def post_what_if():
    body = v.json_body(request)
    edits = whatif.parse_edits(body) if body.get("edits") is not None else None
    scenario = body.get("scenario")
    result = whatif.compare(utcnow(), current_app.config, edits=edits, scenario=scenario)
    return jsonify(
        {
            "baseline": result["baseline"],
            "whatif": result["whatif"],
            "extra_placed": result["extra_placed"],
            "tables": {result["table"].key: result["table"].as_json()},
        }
    )
