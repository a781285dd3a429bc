"""Pages of a region's office hours and escalation ladders (thin): the forms have a fixed number of
rows (no script), empty rows are ignored; the checks are service.py's, the same as the API's."""

import datetime as dt
import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

import vocabulary
from accounts.access import require
from accounts.roles import OVERSIGHT
from errors import Forbidden, PiketError, ValidationError
from extensions import db
from piket.ladders import rules, service
from timeutil import dutch_holidays, local, utcnow

bp = Blueprint("ladders", __name__, url_prefix="/beheer/regio")

WINDOW_ROWS = 7  # weekly windows on the page (the API takes up to rules.MAX_WINDOWS)
EXCEPTION_ROWS = 8  # dated exceptions shown empty for new ones, besides the stored ones
DAYS = [(1, "ma"), (2, "di"), (3, "wo"), (4, "do"), (5, "vr"), (6, "za"), (7, "zo")]


@bp.get("")
@require(*OVERSIGHT)
def region_list():
    now = utcnow()
    rows = [
        {
            "region": region,
            "mode": service.mode_at(region, now)[0],
            "may_edit": service.may_edit(g.user, region),
            "default": service.policy_json(region)["default"],
        }
        for region in service.care_regions()
    ]
    return render_template("piket/ladders/list.html", rows=rows, modes=service.MODE_LABELS)


# --- the ladders ---------------------------------------------------------------------------------------


def _ladder_rows(policy) -> dict:
    """The form's rows of both ladders from a policy: its steps, then empty rows up to MAX_STEPS."""
    empty = {"after": "", "level": "", "channels": []}
    return {
        ladder: [
            {"after": str(s["after"]), "level": s["level"], "channels": s.get("channels", [])} for s in policy[ladder]
        ]
        + [empty] * (rules.MAX_STEPS - len(policy[ladder]))
        for ladder in rules.LADDERS
    }


def _ladder_form(form) -> tuple[dict, dict, dict]:
    """(the policy edit as the API takes it, the form's rows as typed, {ladder: [row of each step]})."""
    data, rows, where = {}, {}, {}
    for ladder in rules.LADDERS:
        rows[ladder], data[ladder], where[ladder] = [], [], []
        for i in range(rules.MAX_STEPS):
            row = {
                "after": form.get(f"{ladder}-{i}-after", "").strip(),
                "level": form.get(f"{ladder}-{i}-level", ""),
                "channels": form.getlist(f"{ladder}-{i}-channels"),
            }
            rows[ladder].append(row)
            if row["after"] or row["level"]:
                step = {"after": row["after"], "level": row["level"]}
                if row["channels"] or row["level"] != "exhausted":
                    step["channels"] = row["channels"]
                data[ladder].append(step)
                where[ladder].append(i)
    for key in ("backup_region", "rounds", "ack_timeout_minutes"):
        data[key] = form.get(key, "").strip()
    return data, rows, where


def _form_key(field, where) -> str:
    """An error's field as the page names it: "after_hours[2].after" is the row it was typed in."""
    match = re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", field or "")
    if match and match.group(1) in where and int(match.group(2)) < len(where[match.group(1)]):
        ladder, index, attr = match.group(1), int(match.group(2)), match.group(3)
        return f"{ladder}-{where[ladder][index]}-{attr}"
    return field or "form"


def _ladder_page(region, rows, form, preview=None, errors=None, status=200):
    now = utcnow()
    return render_template(
        "piket/ladders/ladder.html",
        region=region,
        rows=rows,
        form=form,
        errors=errors or {},
        saved_preview=service.preview(now, region),
        preview=preview,
        regions=[r for r in service.care_regions() if r.id != region.id],
        may_edit=service.may_edit(g.user, region),
        levels=vocabulary.LADDER_LEVELS,
        channels=vocabulary.MESSAGE_CHANNELS,
        ladders={"after_hours": "Buiten kantooruren", "office_hours": "Kantooruren"},
        limits=rules,
    ), status


@bp.route("/<code>/ladder", methods=["GET", "POST"])
@require(*OVERSIGHT)
def ladder(code):
    region = service.region_by_code(code)
    if request.method == "GET":
        saved = service.policy(region)
        form = {
            k: "" if saved[k] is None else str(saved[k]) for k in ("backup_region", "rounds", "ack_timeout_minutes")
        }
        return _ladder_page(region, _ladder_rows(saved), form)
    service.must_edit(g.user, region)
    data, rows, where = _ladder_form(request.form)
    try:
        action = request.form.get("action", "save")
        if action not in ("preview", "save"):
            raise ValidationError("Onbekende knop; laad de pagina opnieuw.", field="form")
        if action == "preview":
            result = service.preview(utcnow(), region, edit=data)
            return _ladder_page(region, rows, request.form, preview=result)
        service.save_policy(utcnow(), region, data, g.user)
    except Forbidden:
        raise
    except PiketError as err:
        db.session.rollback()
        return _ladder_page(
            region, rows, request.form, errors={_form_key(err.field, where): err.message}, status=err.status
        )
    flash(f"Escalatieladder van {region.name} opgeslagen; geldt voor nieuwe aanvragen.")
    return redirect(url_for("ladders.ladder", code=region.code))


# --- office hours ----------------------------------------------------------------------------------


def _hours_rows(hours) -> tuple[list, list]:
    windows = [{"days": [str(d) for d in w["days"]], "from": w["from"], "to": w["to"]} for w in hours["windows"]]
    windows += [{"days": [], "from": "", "to": ""}] * max(0, WINDOW_ROWS - len(windows))
    exceptions = []
    for e in hours["exceptions"]:
        times = e["windows"] + [{"from": "", "to": ""}] * (2 - len(e["windows"]))
        exceptions.append(
            {
                "from": e["from"],
                "to": e["to"] if e["to"] != e["from"] else "",
                "kind": "hours" if e["windows"] else "closed",
                "start": times[0]["from"],
                "end": times[0]["to"],
                "start2": times[1]["from"],
                "end2": times[1]["to"],
            }
        )
    blank = {"from": "", "to": "", "kind": "closed", "start": "", "end": "", "start2": "", "end2": ""}
    return windows, exceptions + [blank] * EXCEPTION_ROWS


def _hours_form(form) -> tuple[dict, list, list, dict]:
    """(the office hours as the API takes them, window rows, exception rows, {list: [row of each item]})."""
    data, windows, exceptions, where = {"windows": [], "exceptions": []}, [], [], {"windows": [], "exceptions": []}
    counts = [form.get(key, "") for key in ("window_rows", "exception_rows")]
    if not all(c.isdigit() and len(c) < 4 for c in counts):  # not this page's form: nothing is read as "no hours"
        raise ValidationError("Het formulier is onvolledig; laad de pagina opnieuw.", field="form")
    for i in range(min(int(counts[0]), rules.MAX_WINDOWS)):
        row = {
            "days": form.getlist(f"w-{i}-days"),
            "from": form.get(f"w-{i}-from", ""),
            "to": form.get(f"w-{i}-to", ""),
        }
        windows.append(row)
        if row["days"] or row["from"] or row["to"]:
            days = [int(d) if re.fullmatch(r"[1-7]", d) else d for d in row["days"]]
            data["windows"].append({"days": days, "from": row["from"], "to": row["to"]})
            where["windows"].append(i)
    for i in range(min(int(counts[1]), rules.MAX_EXCEPTIONS + EXCEPTION_ROWS)):
        row = {k: form.get(f"e-{i}-{k}", "").strip() for k in ("from", "to", "kind", "start", "end", "start2", "end2")}
        exceptions.append(row)
        if row["kind"] not in ("", "closed", "hours"):
            raise ValidationError("kies: hele dag buiten kantooruren, of andere tijden", field=f"e-{i}-kind")
        if any(row[k] for k in ("from", "to") + (("start", "end", "start2", "end2") if row["kind"] == "hours" else ())):
            times = []
            if row["kind"] == "hours":
                times = [{"from": row["start"], "to": row["end"]}]
                if row["start2"] or row["end2"]:
                    times.append({"from": row["start2"], "to": row["end2"]})
            data["exceptions"].append({"from": row["from"], "to": row["to"], "windows": times})
            where["exceptions"].append(i)
    return data, windows, exceptions, where


def _hours_key(field, where) -> str:
    match = re.fullmatch(r"(windows|exceptions)\[(\d+)\](?:\.(\w+)(?:\[(\d+)\]\.(\w+))?)?", field or "")
    if not match or int(match.group(2)) >= len(where[match.group(1)]):
        return field or "form"
    kind, row = match.group(1), where[match.group(1)][int(match.group(2))]
    if kind == "windows":
        return f"w-{row}-{match.group(3) or 'from'}"
    if match.group(4) is not None:  # exceptions[i].windows[j].from / .to
        second = "2" if match.group(4) != "0" else ""
        return f"e-{row}-{'start' if match.group(5) == 'from' else 'end'}{second}"
    return f"e-{row}-{match.group(3) or 'from'}"


def _hours_page(region, windows, exceptions, errors=None, status=200):
    now = utcnow()
    today = local(now).date()
    holidays = sorted(
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in dutch_holidays(year).items()
        if today <= day <= today + dt.timedelta(days=90)
    )
    mode, why = service.mode_at(region, now)
    return render_template(
        "piket/ladders/hours.html",
        region=region,
        windows=windows,
        exceptions=exceptions,
        errors=errors or {},
        days=DAYS,
        holidays=holidays,
        mode=service.MODE_LABELS[mode],
        mode_reason=why,
        may_edit=service.may_edit(g.user, region),
    ), status


@bp.route("/<code>/kantooruren", methods=["GET", "POST"])
@require(*OVERSIGHT)
def office_hours(code):
    region = service.region_by_code(code)
    if request.method == "GET":
        return _hours_page(region, *_hours_rows(service.office_hours(region)))
    service.must_edit(g.user, region)
    windows, exceptions, where = [], [], {"windows": [], "exceptions": []}
    try:
        data, windows, exceptions, where = _hours_form(request.form)
        service.save_office_hours(utcnow(), region, data, g.user)
    except Forbidden:
        raise
    except PiketError as err:
        db.session.rollback()
        if not windows:  # the form could not be read: show what is stored
            windows, exceptions = _hours_rows(service.office_hours(region))
        return _hours_page(region, windows, exceptions, {_hours_key(err.field, where): err.message}, err.status)
    flash(f"Kantooruren van {region.name} opgeslagen.")
    return redirect(url_for("ladders.office_hours", code=region.code))
