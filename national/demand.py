"""Unmet demand: who did not get a bed, and why; so a centre municipality sees which places it is short of.

A request "ended without a bed" when it is cancelled or exhausted, has no confirmed placement, and
was closed in the window [since, until). Its reasons are the matcher's blocking reasons, solved when
it was cancelled while waiting for a place or exhausted (piket/proposals.py; a request counts once
under each), otherwise: `no_response` (exhausted: nobody accepted), `no_profile` (a phone request
whose profile was never filled in), `withdrawn`. Refused proposals (a shelter said no) and searches
that found no free fitting place count beside them. Months are local (Europe/Amsterdam) months.
Everything reads the anonymous aggregates (`size`, `profile_stats`, `blocking_reasons`), so the
figures survive the retention purge.
"""

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import select

import vocabulary
from beds.models import EmptySearch, Region
from extensions import db
from national.tables import Table
from piket.lifecycle import CLOSED_UNPLACED, PlacementStatus, RequestStatus
from piket.models import Case, Placement, PlacementRequest
from piket.service import profile_stats
from timeutil import local

UNKNOWN_REGION = "onbekend"


def _month(moment: dt.datetime) -> str:
    return local(moment).strftime("%Y-%m")


def _unmet_requests(since, until, region_ids=None) -> list[dict]:
    """Requests closed in [since, until) without a bed, with their case region: one query."""
    confirmed = select(Placement.id).where(
        Placement.request_id == PlacementRequest.id, Placement.status == PlacementStatus.CONFIRMED
    )
    query = (
        select(
            PlacementRequest.id,
            PlacementRequest.status,
            PlacementRequest.size,
            PlacementRequest.children,
            PlacementRequest.persons,
            PlacementRequest.profile_stats,
            PlacementRequest.blocking_reasons,
            PlacementRequest.closed_at,
            Case.region_id,
            Region.name,
        )
        .join(Case, Case.id == PlacementRequest.case_id)
        .join(Region, Region.id == Case.region_id)
        .where(
            PlacementRequest.status.in_(CLOSED_UNPLACED),
            PlacementRequest.closed_at >= since,
            PlacementRequest.closed_at < until,
            ~confirmed.exists(),
        )
    )
    if region_ids is not None:
        query = query.where(Case.region_id.in_(list(region_ids)))
    out = []
    for rid, status, size, children, persons, stats, blocking, closed_at, region_id, region_name in db.session.execute(
        query
    ):
        # Requests from before profile_stats existed still have their persons until the purge.
        stats = stats or profile_stats(persons, children) or {}
        if blocking:
            reasons = sorted(blocking)
        elif status == RequestStatus.EXHAUSTED:
            reasons = ["no_response"]
        elif not stats:
            reasons = ["no_profile"]
        else:
            reasons = ["withdrawn"]
        out.append(
            {
                "id": rid,
                "size": size or 0,
                "reasons": reasons,
                "groups": stats.get("groups") or [],
                "needs": stats.get("needs") or [],
                "closed_at": closed_at,
                "region_id": region_id,
                "region": region_name,
            }
        )
    return out


def _refusals(since, until, region_ids=None) -> list[tuple]:
    """(decided_at, refusal_reason, case region id, region name) of proposals refused in the window."""
    query = (
        select(Placement.decided_at, Placement.refusal_reason, Case.region_id, Region.name)
        .join(PlacementRequest, PlacementRequest.id == Placement.request_id)
        .join(Case, Case.id == PlacementRequest.case_id)
        .join(Region, Region.id == Case.region_id)
        .where(Placement.status == PlacementStatus.REFUSED, Placement.decided_at >= since, Placement.decided_at < until)
    )
    if region_ids is not None:
        query = query.where(Case.region_id.in_(list(region_ids)))
    return db.session.execute(query).all()


def _empty_searches(since, until, region_ids=None) -> list[tuple]:
    """(at, region_id, region name or None, target groups) of searches that found nothing in the window.
    Filtered by region, a search without one is left out: it belongs to nobody's region."""
    query = (
        select(EmptySearch.at, EmptySearch.region_id, Region.name, EmptySearch.target_groups)
        .outerjoin(Region, Region.id == EmptySearch.region_id)
        .where(EmptySearch.at >= since, EmptySearch.at < until)
    )
    if region_ids is not None:
        query = query.where(EmptySearch.region_id.in_(list(region_ids)))
    return db.session.execute(query).all()


def _by_code(requests, key) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for r in requests:
        for code in r[key]:
            grouped[code].append(r)
    return grouped


def _count_rows(grouped, codes, label, code_key) -> list[dict]:
    """One row per code: requests and persons. `codes` None: the codes that occur, most requests first."""
    if codes is None:
        codes = sorted(grouped, key=lambda c: (-len(grouped[c]), c))
    return [
        {
            code_key: c,
            "label": label(c),
            "requests": len(grouped.get(c, [])),
            "persons": sum(r["size"] for r in grouped.get(c, [])),
        }
        for c in codes
    ]


def _reason_label(code: str) -> str:
    return vocabulary.UNMET_REASONS.get(code) or vocabulary.reason_label(code)


def unmet(now, since, until, region_ids=None) -> dict[str, Table]:
    """Unmet demand in [since, until), for cases found in `region_ids` (None: the whole country).
    Target-group tables list every group, also at zero: "nobody turned away" is a figure too."""
    requests = _unmet_requests(since, until, region_ids)
    refusals = _refusals(since, until, region_ids)
    searches = _empty_searches(since, until, region_ids)
    counts = ("requests", "persons")
    tables = {}

    tables["unmet_by_reason"] = Table(
        "unmet_by_reason",
        "Zonder plaats geëindigd, naar reden",
        [("reason", "code"), ("label", "reden"), ("requests", "aanvragen"), ("persons", "personen")],
        _count_rows(_by_code(requests, "reasons"), None, _reason_label, "reason"),
        counts=counts,
        row_key=("reason",),
    )

    tables["unmet_by_contra_indication"] = Table(
        "unmet_by_contra_indication",
        "Zonder plaats geëindigd, naar contra-indicatie",
        [
            ("contra_indication", "code"),
            ("label", "contra-indicatie"),
            ("requests", "aanvragen"),
            ("persons", "personen"),
        ],
        _count_rows(
            _by_code(requests, "needs"),
            None,
            lambda c: vocabulary.label(vocabulary.CONTRA_INDICATIONS, c),
            "contra_indication",
        ),
        counts=counts,
        row_key=("contra_indication",),
    )

    tables["unmet_by_target_group"] = Table(
        "unmet_by_target_group",
        "Zonder plaats geëindigd, naar doelgroep",
        [("group", "code"), ("label", "doelgroep"), ("requests", "aanvragen"), ("persons", "personen")],
        _count_rows(
            _by_code(requests, "groups"),
            list(vocabulary.TARGET_GROUPS),
            lambda c: vocabulary.label(vocabulary.TARGET_GROUPS, c),
            "group",
        ),
        counts=counts,
        row_key=("group",),
    )

    cells = defaultdict(lambda: {"requests": 0, "persons": 0, "refusals": 0, "empty_searches": 0})
    names = {}
    for r in requests:
        cell = cells[(_month(r["closed_at"]), r["region_id"])]
        cell["requests"] += 1
        cell["persons"] += r["size"]
        names[r["region_id"]] = r["region"]
    for decided_at, _reason, region_id, name in refusals:
        cells[(_month(decided_at), region_id)]["refusals"] += 1
        names[region_id] = name
    for at, region_id, name, _groups in searches:
        cells[(_month(at), region_id)]["empty_searches"] += 1
        names[region_id] = name or UNKNOWN_REGION
    names[None] = UNKNOWN_REGION
    rows = [
        {"month": month, "region_id": region_id, "region": names[region_id], **cell}
        for (month, region_id), cell in cells.items()
    ]
    rows.sort(key=lambda row: (row["month"], row["region_id"] is None, row["region"], row["region_id"] or 0))
    tables["unmet_by_region_month"] = Table(
        "unmet_by_region_month",
        "Onvervulde vraag per regio en maand",
        [
            ("month", "maand"),
            ("region", "regio"),
            ("requests", "aanvragen zonder plaats"),
            ("persons", "personen"),
            ("refusals", "geweigerde voorstellen"),
            ("empty_searches", "zoekopdrachten zonder plaats"),
        ],
        rows,
        counts=("requests", "persons", "refusals", "empty_searches"),
        row_key=("month", "region_id"),
    )

    by_refusal = Counter(reason or "other" for _at, reason, _rid, _name in refusals)
    tables["refusals_by_reason"] = Table(
        "refusals_by_reason",
        "Geweigerde voorstellen, naar reden van de opvang",
        [("reason", "code"), ("label", "reden"), ("refusals", "weigeringen")],
        [
            {"reason": c, "label": vocabulary.label(vocabulary.REFUSAL_REASONS, c), "refusals": n}
            for c, n in sorted(by_refusal.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        counts=("refusals",),
        row_key=("reason",),
    )

    by_group = Counter(g for *_rest, groups in searches for g in set(groups or []))
    tables["empty_searches_by_target_group"] = Table(
        "empty_searches_by_target_group",
        "Zoekopdrachten zonder vrije passende plaats, naar doelgroep",
        [("group", "code"), ("label", "doelgroep"), ("searches", "zoekopdrachten")],
        [{"group": c, "label": label, "searches": by_group.get(c, 0)} for c, label in vocabulary.TARGET_GROUPS.items()],
        counts=("searches",),
        row_key=("group",),
    )
    return tables


def turned_away_by_region(now, days=30) -> dict[int, int]:
    """Persons of requests that ended without a bed in the last `days` days, by the case's region id."""
    out = Counter()
    for r in _unmet_requests(now - dt.timedelta(days=days), now + dt.timedelta(microseconds=1)):  # up to and with now
        out[r["region_id"]] += r["size"]
    return dict(out)
