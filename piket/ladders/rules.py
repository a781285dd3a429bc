"""The rules of a region's office hours and escalation ladders, written once: the pages, the API and
openapi.py read them here. Pure: no Flask, no database (the caller says which regions exist).

A ladder is a list of steps {"after": minutes, "level", "channels"} in strictly increasing minutes; it
ends with one "exhausted" step (nobody said yes: loud). Office hours are weekly windows
{"days": [1..7], "from": "HH:MM", "to": "HH:MM"} plus exceptions, dates or date ranges that have other
hours or are after hours all day (windows []), in Europe/Amsterdam. Every reader raises
ValidationError naming the field by its path ("after_hours[2].after"), so nothing half-checked is stored.
"""

import datetime as dt
import re

import validation as v
import vocabulary
from errors import ValidationError
from validation import Range

LADDERS = ("after_hours", "office_hours")  # a region's two ladders: buiten kantooruren, kantooruren
STEP_LEVELS = tuple(vocabulary.LADDER_LEVELS)  # primary, backup, national, region, exhausted
PAGING_LEVELS = tuple(level for level in STEP_LEVELS if level != "exhausted")
CHANNELS = tuple(vocabulary.MESSAGE_CHANNELS)  # sms, voice
MAX_STEPS = 8  # steps of one ladder (the page shows this many rows)
STEP_MINUTE = Range(0, 720)  # a step's minute after the request was made
ROUNDS = Range(1, 5)  # runs of the ladder before it is exhausted
ACK_TIMEOUT = Range(0, 240)  # minutes an accepted request may go without a held place; 0: never
MAX_WINDOWS = 14  # weekly office-hours windows
MAX_EXCEPTIONS = 60  # dated exceptions to the office hours
MAX_EXCEPTION_WINDOWS = 2  # windows on one exception's days (e.g. a morning and an evening)
MAX_EXCEPTION_DAYS = 31  # the longest date range of one exception
CLOCK = r"([01]\d|2[0-3]):[0-5]\d"  # a window's start
CLOCK_END = CLOCK + r"|24:00"  # a window's end: "24:00" is midnight at the end of the day
DATE = r"\d{4}-\d{2}-\d{2}"
POLICY_FIELDS = (*LADDERS, "backup_region", "rounds", "ack_timeout_minutes")
HOURS_FIELDS = ("windows", "exceptions")
DAY_NAMES = {1: "maandag", 2: "dinsdag", 3: "woensdag", 4: "donderdag", 5: "vrijdag", 6: "zaterdag", 7: "zondag"}


def _object(data, path, fields):
    if not isinstance(data, dict):
        raise ValidationError("moet een object zijn", field=path)
    unknown = sorted(k for k in data if k not in fields)
    if unknown:
        raise ValidationError(f"onbekend veld; kies uit: {', '.join(fields)}", field=str(unknown[0])[:60])


# --- ladders ---------------------------------------------------------------------------------------


def check_ladder(steps, path) -> list[dict]:
    """One ladder: its steps in strictly increasing minutes, known levels and channels, ending in
    exactly one "exhausted" step (after at least one step that pages someone)."""
    if not isinstance(steps, list):
        raise ValidationError("moet een lijst van stappen zijn", field=path)
    if len(steps) < 2:
        raise ValidationError("minstens één stap die iemand oproept, en als laatste: opgeven", field=path)
    if len(steps) > MAX_STEPS:
        raise ValidationError(f"hoogstens {MAX_STEPS} stappen", field=path)
    clean = []
    for i, step in enumerate(steps):
        where = f"{path}[{i}]"
        if not isinstance(step, dict):
            raise ValidationError("moet een object met after, level en channels zijn", field=where)
        unknown = sorted(k for k in step if k not in ("after", "level", "channels"))
        if unknown:
            raise ValidationError("onbekend veld; kies uit: after, level, channels", field=f"{where}.{unknown[0]}"[:80])
        after = v.integer(step, "after", f"{where}.after", within=STEP_MINUTE)
        if clean and after <= clean[-1]["after"]:
            raise ValidationError(
                f"moet later zijn dan de vorige stap (minuut {clean[-1]['after']})", field=f"{where}.after"
            )
        level = v.choice(step, "level", STEP_LEVELS, f"{where}.level")
        last = i == len(steps) - 1
        if level == "exhausted":
            if not last:
                raise ValidationError("opgeven kan alleen de laatste stap zijn", field=f"{where}.level")
            if step.get("channels"):
                raise ValidationError(
                    "opgeven belt en sms't altijd de coördinatoren en beheerders; laat de kanalen leeg",
                    field=f"{where}.channels",
                )
            clean.append({"after": after, "level": level})
            continue
        if last:
            raise ValidationError("de laatste stap moet opgeven zijn (niemand nam aan: alarm)", field=f"{where}.level")
        channels = v.choices(step, "channels", CHANNELS, f"{where}.channels", allow_empty=False)
        clean.append({"after": after, "level": level, "channels": channels})
    return clean


def check_policy(data, current: dict, region_code: str, region_codes) -> dict:
    """A region's escalation policy from a JSON body or a page: both ladders, the back-up region (a
    care region's code that exists and is not this region; null for none), rounds and the
    acknowledgement time-out. Fields left out keep their `current` value."""
    _object(data, "body", POLICY_FIELDS)
    clean = {key: check_ladder(data[key], key) if key in data else current[key] for key in LADDERS}
    backup = data.get("backup_region", current["backup_region"])
    if backup in ("", None):
        backup = None
    elif not isinstance(backup, str) or backup not in region_codes:
        raise ValidationError("onbekende regio; kies een zorgregio", field="backup_region")
    elif backup == region_code:
        raise ValidationError("kies een andere regio dan deze", field="backup_region")
    clean["backup_region"] = backup
    clean["rounds"] = v.integer(data, "rounds", within=ROUNDS, default=current["rounds"])
    clean["ack_timeout_minutes"] = v.integer(
        data, "ack_timeout_minutes", within=ACK_TIMEOUT, default=current["ack_timeout_minutes"]
    )
    return clean


# --- office hours ------------------------------------------------------------------------------


def _clock_window(window, where) -> dict:
    start = v.text(window, "from", f"{where}.from", max_length=5, pattern=CLOCK)
    end = v.text(window, "to", f"{where}.to", max_length=5, pattern=CLOCK_END)
    if start >= end:
        raise ValidationError(
            "moet later zijn dan het begin (schrijf een nachtvenster als twee vensters)", field=f"{where}.to"
        )
    return {"from": start, "to": end}


def _no_overlap(windows, path, day_of=lambda w: (None,)):
    for j, later in enumerate(windows):
        for i, earlier in enumerate(windows[:j]):
            shared = [d for d in day_of(later) if d in day_of(earlier)]
            if shared and later["from"] < earlier["to"] and earlier["from"] < later["to"]:
                on = f" op {DAY_NAMES[shared[0]]}" if shared[0] is not None else ""
                raise ValidationError(f"overlapt met venster {i + 1}{on}", field=f"{path}[{j}].from")


def check_windows(windows, path="windows") -> list[dict]:
    """Weekly windows: days 1..7 (1 = maandag), from < to as "HH:MM", no two overlapping on a day.
    An empty list: never office hours (the after-hours ladder always)."""
    if not isinstance(windows, list):
        raise ValidationError("moet een lijst van vensters zijn", field=path)
    if len(windows) > MAX_WINDOWS:
        raise ValidationError(f"hoogstens {MAX_WINDOWS} vensters", field=path)
    clean = []
    for i, window in enumerate(windows):
        where = f"{path}[{i}]"
        if not isinstance(window, dict):
            raise ValidationError("moet een object met days, from en to zijn", field=where)
        days = v.weekdays(window.get("days"), f"{where}.days", "kies minstens één dag (1 = maandag ... 7 = zondag)")
        clean.append({"days": sorted(set(days)), **_clock_window(window, where)})
    _no_overlap(clean, path, day_of=lambda w: w["days"])
    return clean


def _date(value, field) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(DATE, value):
        raise ValidationError("schrijf een datum als JJJJ-MM-DD", field=field)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError("deze datum bestaat niet", field=field) from None


def check_exceptions(exceptions, path="exceptions") -> list[dict]:
    """Dates or date ranges ("from", optional "to", inclusive) with their own windows [{"from", "to"}]
    ([] after hours all day); no two covering the same date. Dutch public holidays stay after hours."""
    if not isinstance(exceptions, list):
        raise ValidationError("moet een lijst van uitzonderingen zijn", field=path)
    if len(exceptions) > MAX_EXCEPTIONS:
        raise ValidationError(f"hoogstens {MAX_EXCEPTIONS} uitzonderingen", field=path)
    clean = []
    for i, exception in enumerate(exceptions):
        where = f"{path}[{i}]"
        if not isinstance(exception, dict):
            raise ValidationError("moet een object met from, to en windows zijn", field=where)
        first = _date(exception.get("from"), f"{where}.from")
        last = _date(exception.get("to"), f"{where}.to") if exception.get("to") not in (None, "") else first
        if last < first:
            raise ValidationError("moet op of na de eerste datum liggen", field=f"{where}.to")
        if (last - first).days + 1 > MAX_EXCEPTION_DAYS:
            raise ValidationError(f"hoogstens {MAX_EXCEPTION_DAYS} dagen per uitzondering", field=f"{where}.to")
        windows = exception.get("windows", [])
        if not isinstance(windows, list) or len(windows) > MAX_EXCEPTION_WINDOWS:
            raise ValidationError(
                f"moet een lijst van hoogstens {MAX_EXCEPTION_WINDOWS} vensters zijn ([]: de hele dag buiten kantooruren)",
                field=f"{where}.windows",
            )
        times = []
        for j, window in enumerate(windows):
            if not isinstance(window, dict):
                raise ValidationError("moet een object met from en to zijn", field=f"{where}.windows[{j}]")
            times.append(_clock_window(window, f"{where}.windows[{j}]"))
        _no_overlap(times, f"{where}.windows")
        for k, other in enumerate(clean):
            if first.isoformat() <= other["to"] and other["from"] <= last.isoformat():
                raise ValidationError(f"valt samen met uitzondering {k + 1}", field=f"{where}.from")
        clean.append(
            {"from": first.isoformat(), "to": last.isoformat(), "windows": sorted(times, key=lambda w: w["from"])}
        )
    return sorted(clean, key=lambda e: e["from"])


def check_office_hours(data, current: dict) -> dict:
    """A region's office hours from a JSON body or a page: {"windows", "exceptions"}; a field left
    out keeps its `current` value."""
    _object(data, "body", HOURS_FIELDS)
    return {
        "windows": check_windows(data["windows"]) if "windows" in data else current["windows"],
        "exceptions": check_exceptions(data["exceptions"]) if "exceptions" in data else current["exceptions"],
    }
