"""Who sees which national figures, over which period: the one place that scopes and suppresses.

CoMensha and admins see the whole country with every count. A coordinator sees the regional view:
only the regions they coordinate, with counts of victims under 3 suppressed and no way back to
them (national/smallcounts.py).
Police and shelter staff see none of it.
"""

import datetime as dt

import validation as v
from accounts.roles import NATIONAL, Role
from errors import Forbidden, ValidationError
from national import demand, freshness, occupancy, reports, smallcounts, timing
from national.tables import Table

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
        raise ValidationError(f"kies uit {', '.join(map(str, PERIODS))} dagen", field="days")
    return days


def topic_tables(now, topic, user, cfg, days=DEFAULT_DAYS) -> list[Table]:
    """The tables of one topic for this user, scoped to their regions and suppressed outside CoMensha."""
    if topic not in TOPICS:
        raise ValueError(topic)
    regions = scope(user)
    if regions is None:
        return _tables(now, topic, None, cfg, days)
    return regional(now, regions, cfg, days)[topic]


def _tables(now, topic, regions, cfg, days) -> list[Table]:
    since, until = now - dt.timedelta(days=days), now
    if topic == "occupancy":
        turned_away = demand.turned_away_by_region(now, days=30)
        current = occupancy.current(now, regions, turned_away=turned_away)
        return [
            current["occupancy_regions"],
            current["occupancy_types"],
            occupancy.trend(now, days, regions),
            occupancy.inventory(now, since, until, regions),
        ]
    if topic == "freshness":
        return [freshness.table(now, cfg, regions)]
    if topic == "unmet_demand":
        return list(demand.unmet(now, since, until, regions).values())
    if topic == "time_to_placement":
        return [timing.time_to_placement(now, since, until, regions), timing.escalations(now, since, until, regions)]
    if topic == "reports":
        return [reports.open_table(now, regions), reports.summary(now, since, until, regions)]
    raise ValueError(topic)


WINDOWED = ("unmet_demand", "time_to_placement", "reports")  # topics whose counts depend on the period


def regional(now, regions, cfg, days=DEFAULT_DAYS) -> dict[str, list[Table]]:
    """A coordinator's view of every topic, small counts protected (national/smallcounts.py). Every
    period's counts are computed and protected together, so comparing periods recovers nothing."""
    by_period, topic_of = {}, {}
    for d in PERIODS:
        tables = []
        for topic in TOPICS if d == days else WINDOWED:
            for table in _tables(now, topic, regions, cfg, d):
                topic_of[table.key] = topic
                tables.append(table)
        by_period[d] = tables
    shown = smallcounts.protect(by_period)[days]
    return {topic: [t for t in shown if topic_of[t.key] == topic] for topic in TOPICS}


def dashboard(now, user, cfg, days=DEFAULT_DAYS) -> dict[str, list[Table]]:
    regions = scope(user)
    if regions is not None:
        return regional(now, regions, cfg, days)
    return {topic: _tables(now, topic, None, cfg, days) for topic in TOPICS}


def find_table(tables: list[Table], key: str | None) -> Table:
    """One table of a topic for a CSV export: the first unless `table` names another."""
    if key in (None, ""):
        return tables[0]
    for table in tables:
        if table.key == key:
            return table
    raise ValidationError(f"onbekende tabel; kies uit: {', '.join(t.key for t in tables)}", field="table")
