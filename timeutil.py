"""Time rules: everything is decided in Europe/Amsterdam local time and stored as UTC."""
import datetime as dt
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = dt.timezone.utc


def utcnow() -> dt.datetime:
    """Now, in UTC. An app may pin it (config FROZEN_NOW) so tests of time rules do not depend
    on when they run; services never call this, they are given `now`."""
    from flask import current_app, has_app_context
    if has_app_context() and current_app.config.get("FROZEN_NOW"):
        return current_app.config["FROZEN_NOW"]
    return dt.datetime.now(UTC)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(AMSTERDAM)


def parse_iso(value: str) -> dt.datetime:
    """An ISO 8601 moment; one without an offset is read as Amsterdam local time."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC)


def intake_open(intake, moment: dt.datetime) -> bool:
    """Whether intake hours ("24/7" or a list of {days, from, to} windows) include `moment`."""
    if intake == "24/7":
        return True
    here = local(moment)
    clock = here.strftime("%H:%M")
    return any(here.isoweekday() in w["days"] and w["from"] <= clock < w["to"] for w in intake or [])


def format_local(moment: dt.datetime | None) -> str:
    return "—" if moment is None else local(moment).strftime("%d-%m-%Y %H:%M")
