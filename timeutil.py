"""Time rules: everything is decided in Europe/Amsterdam local time and stored as UTC."""

import datetime as dt
import functools
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def utcnow() -> dt.datetime:
    """Now, in UTC, on the database's clock: this host's clock corrected by how far it is from the
    database's (PostgreSQL; measured every CLOCK_CHECK_S), so web hosts and workers whose clocks
    differ agree on due times and claims. An app may pin it (config FROZEN_NOW) so tests of time
    rules do not depend on when they run; services never call this, they are given `now`."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return dt.datetime.now(UTC)
    if current_app.config.get("FROZEN_NOW"):
        return current_app.config["FROZEN_NOW"]
    return dt.datetime.now(UTC) + _database_offset(current_app)


CLOCK_CHECK_S = 60  # how often a process measures its clock against the database's


def database_now() -> dt.datetime:
    """The database's clock, read now (PostgreSQL: clock_timestamp(), on a pooled connection of its
    own, outside the session's transaction); SQLite: this host's clock. The worker reads it at the
    start of every job run. Needs an app context; FROZEN_NOW pins it as it pins utcnow()."""
    import time

    from flask import current_app
    from sqlalchemy import text

    from extensions import db

    if current_app.config.get("FROZEN_NOW"):
        return current_app.config["FROZEN_NOW"]
    if db.engine.dialect.name != "postgresql":  # one host, one clock: no offset to measure
        current_app.extensions["clock_offset"] = (time.monotonic(), dt.timedelta(0))
        return dt.datetime.now(UTC)
    before = dt.datetime.now(UTC)
    with db.engine.connect() as connection:
        moment = connection.scalar(text("SELECT clock_timestamp()")).astimezone(UTC)
    after = dt.datetime.now(UTC)
    current_app.extensions["clock_offset"] = (time.monotonic(), moment - (before + (after - before) / 2))
    return moment


def _database_offset(app) -> dt.timedelta:
    import time

    measured = app.extensions.get("clock_offset")
    if measured is not None and time.monotonic() - measured[0] < CLOCK_CHECK_S:
        return measured[1]
    try:
        database_now()
    except Exception:  # the database is away: the last offset measured (none: this host's clock)
        app.extensions["clock_offset"] = (time.monotonic(), measured[1] if measured else dt.timedelta(0))
    return app.extensions["clock_offset"][1]


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(AMSTERDAM)


def intake_open(intake, moment: dt.datetime) -> bool:
    """Whether intake hours ("24/7" or a list of {days, from, to} windows) include `moment`."""
    if intake == "24/7":
        return True
    weekday, clock = _weekday_clock(moment)
    return any(weekday in w["days"] and w["from"] <= clock < w["to"] for w in intake or [])


@functools.lru_cache(maxsize=64)
def _weekday_clock(moment: dt.datetime) -> tuple[int, str]:
    """Local weekday and "HH:MM"; a search asks this of the same moment for every shelter."""
    here = local(moment)
    return here.isoweekday(), here.strftime("%H:%M")


# --- Dutch public holidays (Algemene termijnenwet): after-hours all day ---------------------------


def _easter(year: int) -> dt.date:
    """Easter Sunday (Gregorian computus, the anonymous "Meeus/Jones/Butcher" algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741  the algorithm's own names
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    return dt.date(year, month, (h + l - 7 * m + 33 * month + 19) % 32)


def dutch_holidays(year: int) -> dict[dt.date, str]:
    """The public holidays of the Algemene termijnenwet in `year`, date -> Dutch name."""
    easter = _easter(year)
    kings = dt.date(year, 4, 27)
    if kings.isoweekday() == 7:  # never on a Sunday: then the Saturday before
        kings = dt.date(year, 4, 26)
    days = {
        dt.date(year, 1, 1): "Nieuwjaarsdag",
        easter: "Eerste Paasdag",
        easter + dt.timedelta(days=1): "Tweede Paasdag",
        kings: "Koningsdag",
        dt.date(year, 5, 5): "Bevrijdingsdag",
        easter + dt.timedelta(days=39): "Hemelvaartsdag",
        easter + dt.timedelta(days=49): "Eerste Pinksterdag",
        easter + dt.timedelta(days=50): "Tweede Pinksterdag",
        dt.date(year, 12, 25): "Eerste Kerstdag",
        dt.date(year, 12, 26): "Tweede Kerstdag",
    }
    return dict(sorted(days.items()))


@functools.lru_cache(maxsize=16)
def _holiday_dates(year: int) -> frozenset[dt.date]:
    return frozenset(dutch_holidays(year))


def is_holiday(day: dt.date) -> bool:
    return day in _holiday_dates(day.year)


def format_age(delta: dt.timedelta) -> str:
    """A stretch of time as a person reads it at a glance: "12 min", "3 uur", "2 dagen" (rounded down;
    a negative stretch reads "0 min")."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} uur"
    return f"{minutes // (24 * 60)} dagen"
