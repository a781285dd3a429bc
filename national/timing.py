"""Time to placement and escalations, per region, office hours against after-hours.

Definitions (what CoMensha reads):

- The requests counted are those created in the window [since, until); a region is the region
  where the case was found. "Nederland" is the total over all regions shown ("Totaal" when the
  view is limited to some regions).
- Office hours or after-hours: whether the region's office was open at the moment the request was
  created (the region's office hours and their exceptions, Europe/Amsterdam local time; Dutch public holidays are after-hours).
- Three intervals, in minutes (1 decimal), each from the moment the request was created:
  * accept: until a care coordinator accepted it;
  * chosen: until the first placement proposal was chosen (a bed held);
  * confirmed: until the shelter confirmed the intake.
  A request counts in an interval only once that moment has happened; `n_<interval>` says how many did.
- median: the middle value of the sorted intervals; for an even number, the mean of the two middle
  values (Python's statistics.median).
- p90 (90th percentile), nearest rank: the ceil(0.9 x n)-th smallest value. With 10 values the 9th,
  with 4 values the 4th (ceil(3.6) = 4), with 1 value that value.
- No values: no median and no p90 (empty).
- Escalations: of the requests created in the window, how many reached the back-up (someone of the
  back-up level was actually paged), the national piket (paged), and how many were exhausted (nobody
  accepted in time; also when someone accepted late).
"""

import statistics
from collections import defaultdict

from sqlalchemy import select

from beds.models import Region
from extensions import db
from national.tables import Table
from piket.lifecycle import RequestStatus
from piket.models import Case, Placement, PlacementRequest, RequestEvent
from piket.rotas import schedule
from piket.rotas import service as rotas

INTERVALS = ("accept", "chosen", "confirmed")
PERIODS = {"office": "kantooruren", "after_hours": "buiten kantooruren"}
NATIONAL = "Nederland"
SUBTOTAL = "Totaal"  # the total of a view limited to some regions is not the country's


def median(values):
    return round(statistics.median(values), 1) if values else None


def p90(values):
    """Nearest rank: the ceil(0.9 n)-th smallest; in integers ((9n + 9) // 10), so no float rounds it up."""
    if not values:
        return None
    return round(sorted(values)[(9 * len(values) + 9) // 10 - 1], 1)


def _requests(since, until, region_ids):
    """(id, created_at, accepted_at, status, region id, region name) of requests created in the window."""
    query = (
        select(
            PlacementRequest.id,
            PlacementRequest.created_at,
            PlacementRequest.accepted_at,
            PlacementRequest.status,
            Case.region_id,
            Region.name,
        )
        .join(Case, Case.id == PlacementRequest.case_id)
        .join(Region, Region.id == Case.region_id)
        .where(PlacementRequest.created_at >= since, PlacementRequest.created_at < until)
    )
    if region_ids is not None:
        query = query.where(Case.region_id.in_(list(region_ids)))
    return query


def _total_name(region_ids) -> str:
    return NATIONAL if region_ids is None else SUBTOTAL


def _minutes(start, end) -> float:
    return (end - start).total_seconds() / 60


def time_to_placement(now, since, until, region_ids=None) -> Table:
    query = _requests(since, until, region_ids)
    requests = db.session.execute(query).all()
    ids = query.with_only_columns(PlacementRequest.id)
    chosen, confirmed = {}, {}
    for request_id, chosen_at, status, decided_at in db.session.execute(
        select(Placement.request_id, Placement.chosen_at, Placement.status, Placement.decided_at).where(
            Placement.request_id.in_(ids)
        )
    ):
        if chosen_at is not None and (request_id not in chosen or chosen_at < chosen[request_id]):
            chosen[request_id] = chosen_at
        if status == "confirmed" and decided_at is not None:
            confirmed[request_id] = decided_at

    hours, tests = rotas.office_hours_by_region(), {}  # every region's hours and exceptions in one query

    def period(region_id, moment) -> str:
        if region_id not in tests:
            tests[region_id] = schedule.office_test(*hours.get(region_id, (None, ())))
        return "office" if tests[region_id](moment) else "after_hours"

    groups = defaultdict(lambda: {"requests": 0, **{x: [] for x in INTERVALS}})
    names = {}
    for request_id, created_at, accepted_at, _status, region_id, name in requests:
        names[region_id] = name
        moments = {"accept": accepted_at, "chosen": chosen.get(request_id), "confirmed": confirmed.get(request_id)}
        when = period(region_id, created_at)
        for key in ((region_id, when), (None, when)):
            group = groups[key]
            group["requests"] += 1
            for x, moment in moments.items():
                if moment is not None:
                    group[x].append(_minutes(created_at, moment))

    rows = []
    regions = sorted(names, key=lambda rid: (names[rid], rid)) + [None]
    for region_id in regions:
        for code, label in PERIODS.items():
            if region_id is not None and (region_id, code) not in groups:
                continue
            group = groups.get((region_id, code)) or {"requests": 0, **{x: [] for x in INTERVALS}}
            row = {
                "region_id": region_id,
                "region": names[region_id] if region_id is not None else _total_name(region_ids),
                "period_code": code,
                "period": label,
                "requests": group["requests"],
            }
            for x in INTERVALS:
                row[f"n_{x}"], row[f"median_{x}"], row[f"p90_{x}"] = len(group[x]), median(group[x]), p90(group[x])
            rows.append(row)

    columns = [("region", "regio"), ("period", "periode"), ("requests", "aanvragen")]
    words = {"accept": "tot aangenomen", "chosen": "tot plaats gekozen", "confirmed": "tot intake bevestigd"}
    for x in INTERVALS:
        columns += [
            (f"n_{x}", f"aantal {words[x]}"),
            (f"median_{x}", f"mediaan minuten {words[x]}"),
            (f"p90_{x}", f"90e percentiel minuten {words[x]}"),
        ]
    guarded = {f"{stat}_{x}": f"n_{x}" for x in INTERVALS for stat in ("median", "p90")}
    return Table(
        "time_to_placement",
        "Tijd tot plaatsing (minuten)",
        columns,
        rows,
        counts=("requests", "n_accept", "n_chosen", "n_confirmed"),
        guarded=guarded,
        row_key=("region_id", "period_code"),
        total_by=("period_code",),
    )


def escalations(now, since, until, region_ids=None) -> Table:
    query = _requests(since, until, region_ids)
    requests = db.session.execute(query).all()
    ids = query.with_only_columns(PlacementRequest.id)
    reached = defaultdict(set)  # request id -> {"backup", "national", "exhausted"}
    for request_id, kind, detail in db.session.execute(
        select(RequestEvent.request_id, RequestEvent.kind, RequestEvent.detail).where(
            RequestEvent.request_id.in_(ids), RequestEvent.kind.in_(("paged", "exhausted"))
        )
    ):
        if kind == "exhausted":
            reached[request_id].add("exhausted")
        elif (detail or {}).get("level") in ("backup", "national"):
            reached[request_id].add(detail["level"])

    empty = {"requests": 0, "reached_backup": 0, "reached_national": 0, "exhausted": 0}
    counts, names = defaultdict(lambda: dict(empty)), {}
    for request_id, _created, _accepted, status, region_id, name in requests:
        names[region_id] = name
        levels = reached[request_id] | ({"exhausted"} if status == RequestStatus.EXHAUSTED else set())
        for key in (region_id, None):
            row = counts[key]
            row["requests"] += 1
            row["reached_backup"] += "backup" in levels
            row["reached_national"] += "national" in levels
            row["exhausted"] += "exhausted" in levels
    rows = [
        {"region_id": rid, "region": names[rid], **counts[rid]} for rid in sorted(names, key=lambda r: (names[r], r))
    ]
    rows.append({"region_id": None, "region": _total_name(region_ids), **(counts.get(None) or empty)})
    return Table(
        "escalations",
        "Escalaties",
        [
            ("region", "regio"),
            ("requests", "aanvragen"),
            ("reached_backup", "achtervang opgeroepen"),
            ("reached_national", "landelijk piket opgeroepen"),
            ("exhausted", "niemand bereikt"),
        ],
        rows,
        counts=("requests", "reached_backup", "reached_national", "exhausted"),
        row_key=("region_id",),
        total_by=(),
        parts_in={"requests": ("time_to_placement", "requests", None)},  # office + after-hours
    )
