"""Time rules: everything is decided in Europe/Amsterdam local time and stored as UTC."""

import datetime as dt
import functools
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def utcnow() -> dt.datetime:
    """Now, in UTC. An app may pin it (config FROZEN_NOW) so tests of time rules do not depend
    on when they run; services never call this, they are given `now`."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("FROZEN_NOW"):
        return current_app.config["FROZEN_NOW"]
    return dt.datetime.now(UTC)


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


def format_local(moment: dt.datetime | None) -> str:
    return "—" if moment is None else local(moment).strftime("%d-%m-%Y %H:%M")


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


def is_holiday(day: dt.date) -> bool:
    return day in dutch_holidays(day.year)
