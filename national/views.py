"""The national page (CoMensha, admins; coordinators get their regional view), its downloads,
the one-click freshness reminder and the what-if (thin: parse, call a service, render)."""

import json

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

import vocabulary
from accounts.access import require
from accounts.roles import NATIONAL, OVERSIGHT
from errors import BadRequest, PiketError, ValidationError
from national import charts, freshness, present, reports, service, whatif
from timeutil import utcnow
from validation import check_depth
from web import download, large_body

bp = Blueprint("national", __name__)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
EDIT_ROWS = 3  # rows of extra places on the what-if form
FORM_FIELDS = {"shelter": "shelter", "kind": "kind", "extra": "extra", "room_size": "room"}  # edit key: form field
TREND_SERIES = [("capacity", "capaciteit"), ("occupied", "bezet"), ("free", "vrij")]


def _days():
    return service.parse_days({"days": request.args.get("dagen", "")})


@bp.get("/landelijk")
@require(*OVERSIGHT)
def national_page():
    days, now = _days(), utcnow()
    tables = service.dashboard(now, g.user, current_app.config, days)
    by_key = {t.key: t for topic in tables.values() for t in topic}
    open_reports, references = reports.shown_references(now, by_key["open_reports"], g.user)
    regions = service.scope(g.user)
    figures = {
        "map": charts.region_map(by_key["occupancy_regions"].rows, "Bezetting per regio"),
        "trend": charts.line_chart(by_key["occupancy_trend"].rows, TREND_SERIES, f"Bezetting, laatste {days} dagen"),
        "reasons": charts.bar_chart(by_key["unmet_by_reason"].rows, "label", "requests", "Onvervulde vraag per reden"),
    }
    return render_template(
        "national/page.html",
        tables=tables,
        by_key=by_key,
        figures=figures,
        days=days,
        periods=service.PERIODS,
        regional=regions is not None,
        topics=service.TOPICS,
        alarms=vocabulary.OCCUPANCY_ALARMS,
        present_rows=present.rows,
        open_reports=open_reports,
        references=references,
        shown_columns=present.shown,
    )


@bp.get("/landelijk/export/<topic>.<fmt>")
@require(*OVERSIGHT)
def national_export(topic, fmt):
    """The page's tables for download (session login; the API offers the same with a token)."""
    if topic not in service.TOPICS:
        raise ValidationError(f"onbekend onderwerp; kies uit: {', '.join(service.TOPICS)}", field="topic")
    if fmt not in ("csv", "json"):
        raise ValidationError("kies csv of json", field="format")
    tables = service.topic_tables(utcnow(), topic, g.user, current_app.config, _days())
    if fmt == "json":
        body = json.dumps({t.key: t.as_json() for t in tables}, ensure_ascii=False, indent=1)
        return download(body, "application/json", f"{topic}.json")
    table = service.find_table(tables, request.args.get("table"))
    return download(present.people_csv(table), "text/csv", f"{table.key}.csv")


@bp.post("/landelijk/herinnering/<int:shelter_id>")
@require(*OVERSIGHT)
def freshness_reminder(shelter_id):
    try:
        queued = freshness.remind(utcnow(), shelter_id, g.user, current_app.config)
        flash("Herinnering verstuurd." if queued else "Deze opvang kreeg het afgelopen uur al een herinnering.")
    except PiketError as err:
        flash(err.message)
    return redirect(url_for("national.national_page", dagen=request.args.get("dagen") or None) + "#actualiteit")


@bp.route("/landelijk/wat-als", methods=["GET", "POST"])
@require(*NATIONAL)
@large_body  # a scenario file
def what_if():
    """Extra places (edited on the form, or an uploaded scenario): how many of last month's unplaced requests fit."""
    now, cfg = utcnow(), current_app.config
    errors, result, form = {}, None, request.form
    if request.method == "POST":
        try:
            upload = request.files.get("scenario")
            raw = upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""
            scenario = _uploaded(raw) if raw else None  # by content: a browser may send a file without a name
            edits = None if scenario else _form_edits(form)
            result = whatif.compare(now, cfg, edits=edits, scenario=scenario)
        except PiketError as err:
            errors[err.field or "form"] = err.message
    shelters = whatif.shelter_choices()
    return render_template(
        "national/what_if.html",
        result=result,
        errors=errors,
        form=form,
        shelters=shelters,
        rows=range(EDIT_ROWS),
        pool_kinds=vocabulary.POOL_KINDS,
        present_rows=present.rows,
        shown_columns=present.shown,
    ), (422 if errors else 200)


@bp.get("/landelijk/wat-als/scenario.json")
@require(*NATIONAL)
def what_if_scenario():
    """Today's registry and last month's unplaced requests, in the matching contract's format, to edit and upload."""
    scenario = whatif.build(utcnow(), current_app.config)
    return download(json.dumps(scenario, ensure_ascii=False, indent=1), "application/json", "wat-als-scenario.json")


def _form_edits(form) -> list[dict]:
    rows = [{k: form.get(f"e{i}-{field}", "") for k, field in FORM_FIELDS.items()} for i in range(EDIT_ROWS)]
    return whatif.edits_from_choices(rows)


def _uploaded(raw: bytes) -> dict:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValidationError("Het bestand is groter dan 5 MB.", field="scenario")
    try:
        scenario = json.loads(raw.decode("utf-8"))
        check_depth(scenario, "scenario")
    except (UnicodeDecodeError, ValueError, RecursionError, BadRequest):
        raise ValidationError("Dit is geen JSON-bestand in het scenarioformaat.", field="scenario") from None
    if not isinstance(scenario, dict):
        raise ValidationError("Het scenario moet een JSON-object zijn.", field="scenario")
    return scenario
