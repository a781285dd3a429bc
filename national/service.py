"""Who sees which national figures, over which period: the one place that scopes and suppresses.

CoMensha and admins see the whole country with every count. A coordinator sees the regional view:
only the regions they coordinate, with counts of victims under 3 suppressed (national/tables.py).
Police and shelter staff see none of it.
"""

import datetime as dt

import validation as v
from accounts.roles import NATIONAL, Role
from errors import Forbidden, ValidationError
from national import demand, freshness, occupancy, reports, timing
from national.tables import Table, suppress

PERIODS = (30, 90, 365)  # days: the page's choices for trends and for every windowed figure
DEFAULT_DAYS = 30

# Topics: the page's sections and the API's export routes; each returns its tables in page order.
TOPICS = {
    "occupancy": "Bezetting",
    "freshness": "Actualiteit",
    "unmet_demand": "Onvervulde vraag",
    "time_to_placement": "Tijd tot plaatsing",
    "reports": "Meldingen CoMensha",
}


def scope(user) -> set[int] | None:
    """None: the national view. A set of region ids: a coordinator's regional view."""
    if user.role in NATIONAL:
        return None
    if user.role == Role.COORDINATOR:
        return set(user.region_ids)
    raise Forbidden("Alleen CoMensha, beheerders en zorgcoördinatoren zien deze cijfers.")


def parse_days(args) -> int:
    if args.get("days") in (None, ""):
        return DEFAULT_DAYS
    days = v.integer(args, "days", minimum=1, maximum=366)
    if days not in PERIODS:
        raise ValidationError(f"must be one of {', '.join(map(str, PERIODS))}", field="days")
    return days


def topic_tables(now, topic, user, cfg, days=DEFAULT_DAYS) -> list[Table]:
    """The tables of one topic for this user, scoped to their regions and suppressed outside CoMensha."""
    regions = scope(user)
    since, until = now - dt.timedelta(days=days), now
    if topic == "occupancy":
        turned_away = demand.turned_away_by_region(now, days=30)
        current = occupancy.current(now, regions, turned_away=turned_away)
        tables = [
            current["occupancy_regions"],
            current["occupancy_types"],
            occupancy.trend(now, days, regions),
            occupancy.inventory(now, since, until, regions),
        ]
    elif topic == "freshness":
        tables = [freshness.table(now, cfg, regions)]
    elif topic == "unmet_demand":
        tables = list(demand.unmet(now, since, until, regions).values())
    elif topic == "time_to_placement":
        tables = [timing.time_to_placement(now, since, until, regions), timing.escalations(now, since, until, regions)]
    elif topic == "reports":
        tables = [reports.open_table(now, regions), reports.summary(now, since, until, regions)]
    else:
        raise ValueError(topic)
    return tables if regions is None else [suppress(t) for t in tables]


def dashboard(now, user, cfg, days=DEFAULT_DAYS) -> dict[str, list[Table]]:
    return {topic: topic_tables(now, topic, user, cfg, days) for topic in TOPICS}


def find_table(tables: list[Table], key: str | None) -> Table:
    """One table of a topic for a CSV export: the first unless `table` names another."""
    if key in (None, ""):
        return tables[0]
    for table in tables:
        if table.key == key:
            return table
    raise ValidationError(f"must be one of: {', '.join(t.key for t in tables)}", field="table")
