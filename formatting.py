"""How people read times, numbers and intake hours: one place for every page, SMS-free text and
export meant for people (the API keeps ISO times and plain numbers: it is a contract).

Dates read "wo 2 dec 21:52" in Europe/Amsterdam time, with the year only when it is not this year;
the parts are joined by non-breaking spaces so a narrow table cell never wraps a date over lines.
"""

import datetime as dt

import vocabulary
from timeutil import local

NBSP = "\u00a0"


def when(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "wo 2 dec 21:52"; "za 2 jan 2027 09:00" outside the year of `now` (default: the app's clock)."""
    if moment is None:
        return "—"
    here = local(moment)
    parts = [vocabulary.WEEKDAYS[here.isoweekday()], str(here.day), vocabulary.MONTHS[here.month]]
    if here.year != local(now if now is not None else _now()).year:
        parts.append(str(here.year))
    parts.append(here.strftime("%H:%M"))
    return NBSP.join(parts)


def day(value: dt.date | dt.datetime | None, now: dt.datetime | None = None) -> str:
    """A date without a time: "wo 2 dec" (and the year outside the current one)."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = local(value).date()
    parts = [vocabulary.WEEKDAYS[value.isoweekday()], str(value.day), vocabulary.MONTHS[value.month]]
    if value.year != local(now if now is not None else _now()).year:
        parts.append(str(value.year))
    return NBSP.join(parts)


def clock(moment: dt.datetime | None) -> str:
    """Local time of day, "21:52"; "" for none."""
    return "" if moment is None else local(moment).strftime("%H:%M")


def _now() -> dt.datetime:
    from timeutil import utcnow  # the app's clock (pinned in tests); outside an app, this host's

    return utcnow()


def number(value, digits: int | None = None):
    """A number as Dutch text: a decimal comma ("1,5"), no thousands separator; other values as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and digits is None and value.is_integer():
        value = int(value)
    text = f"{value:.{digits}f}" if digits is not None else str(value)
    return text.replace(".", ",")


def weekdays(days) -> str:
    """ISO weekdays in words: runs of three or more consecutive days joined by an en dash:
    [1, 2, 3, 4, 5] -> "ma–vr", [1, 3, 5] -> "ma, wo, vr", [6, 7] -> "za, zo"."""
    ordered = sorted({int(d) for d in days or []})
    runs: list[list[int]] = []
    for d in ordered:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    names = vocabulary.WEEKDAYS
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            words.extend(names[d] for d in run)
    return ", ".join(words)


def intake_hours(intake) -> str:
    """Intake hours in words: "dag en nacht" for "24/7", else "ma–vr 09:00–17:00; za 10:00–12:00"."""
    if intake == "24/7":
        return "dag en nacht (24/7)"
    if not intake:
        return "geen"
    return "; ".join(f"{weekdays(w['days'])} {w['from']}–{w['to']}" for w in intake)


def register(app) -> None:
    """The Jinja filters, in one place: {{ r.created_at | when }}, {{ x | number }}, {{ s.intake | intake_hours }}."""
    app.add_template_filter(when)
    app.add_template_filter(day)
    app.add_template_filter(clock)
    app.add_template_filter(number)
    app.add_template_filter(weekdays)
    app.add_template_filter(intake_hours)
