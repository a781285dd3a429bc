"""The CoMensha reports (meldingen): which are still owed, and per region how many were made and how fast.

Definitions (what CoMensha reads):

- A case counts from its placement: the moment the first shelter confirmed an intake for one of its
  requests. A region is the region where the case was found.
- open_reports: every placed case whose report is not marked made, oldest placement first; days
  open are calendar days in Europe/Amsterdam since the placement.
- reports (summary): the cases placed in the window [since, until); of those, how many reports are
  marked made (by `now`) and how many are still open; the median number of days (1 decimal) from
  placement to the report, over the reports made (Python's statistics.median).
"""

from collections import defaultdict
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import lazyload

import formatting
from extensions import db
from national.tables import Table
from national.timing import NATIONAL, SUBTOTAL, median
from piket import access, reports
from piket.models import Case, PlacementRequest

DAY_S = 86400


def open_table(now, region_ids=None) -> Table:
    rows = [
        {
            "case": r["case_id"],
            "case_id": r["case_id"],
            "region_id": r["region_id"],
            "region_code": r["region_code"],
            "region": r["region"],
            "placed": formatting.when(r["placed_at"], now),
            "placed_at": r["placed_at"].isoformat(),
            "owner_id": r["owner_id"],
            "owner": r["owner"] or "—",
            "days_open": r["days_open"],
            "reminded": formatting.when(r["reminded_at"], now) if r["reminded_at"] else "nog niet",
        }
        for r in reports.open_reports(now, region_ids)
    ]
    return Table(
        "open_reports",
        "Meldingen bij CoMensha die nog openstaan",
        [
            ("case", "zaak"),
            ("region", "regio"),
            ("placed", "geplaatst"),
            ("owner", "eigenaar melding"),
            ("days_open", "dagen open"),
            ("reminded", "laatst herinnerd"),
        ],
        rows,
        per_case=True,
    )


def shown_references(now, table: Table, user) -> tuple[Table, dict[int, dict]]:
    """The open-reports table for the page, its rows named by the case reference instead of the internal
    id: the reference is how CoMensha matches a report made on its own form to the police case, so the
    report list needs it (and nothing else of the case: no profile, no callback phone). {case_id:
    {"reference", "link"}}, `link` when this viewer may open the case page (admins, the region's
    coordinators; CoMensha reads no case). Each shown reference is a read of the case: one `case.read`
    audit row per listed case (piket/access.py disclose), written only when there is a row to show.
    The API and the exports keep the internal id and no reference."""
    page_table = replace(table, columns=[c for c in table.columns if c[0] != "case"])
    ids = [r["case_id"] for r in table.rows if r.get("case_id") is not None]
    if not ids:
        return page_table, {}
    # Plain rows (case, request, reference): mapped cases with their requests cost more than the page's tables.
    rows = db.session.execute(
        select(PlacementRequest.case_id, PlacementRequest.id, Case.case_reference)
        .join(Case, Case.id == PlacementRequest.case_id)
        .where(Case.id.in_(ids))
        .order_by(PlacementRequest.case_id, PlacementRequest.id)
    ).all()
    visible = set(  # one query for the list, not can_see_case per row
        db.session.scalars(
            access.visible_requests(user, now)
            .where(PlacementRequest.case_id.in_(ids))
            .with_only_columns(PlacementRequest.case_id)
            .distinct()
        )
    )
    access.disclose(now, rows, user)  # each row has .case_id and .id, as a request does
    return page_table, {case_id: {"reference": ref, "link": case_id in visible} for case_id, _, ref in rows}


def summary(now, since, until, region_ids=None) -> Table:
    placed = reports.placed_subquery()
    query = (
        select(Case, placed.c.placed_at)
        .join(placed, placed.c.case_id == Case.id)
        .options(lazyload(Case.requests))
        .where(placed.c.placed_at >= since, placed.c.placed_at < until)
    )
    if region_ids is not None:
        query = query.where(Case.region_id.in_(list(region_ids)))
    empty = lambda: {"placed": 0, "made": 0, "open": 0, "days": []}  # noqa: E731
    groups, names = defaultdict(empty), {}
    for case, placed_at in db.session.execute(query):
        names[case.region_id] = case.region.name
        made_at = case.report_made_at if case.report_made_at is not None and case.report_made_at <= now else None
        for key in (case.region_id, None):
            group = groups[key]
            group["placed"] += 1
            if made_at is None:
                group["open"] += 1
            else:
                group["made"] += 1
                group["days"].append(max((made_at - placed_at).total_seconds(), 0) / DAY_S)
    rows = []
    for region_id in sorted(names, key=lambda rid: (names[rid], rid)) + [None]:
        group = groups.get(region_id) or empty()
        rows.append(
            {
                "region_id": region_id,
                "region": names[region_id] if region_id is not None else (NATIONAL if region_ids is None else SUBTOTAL),
                "placed": group["placed"],
                "made": group["made"],
                "open": group["open"],
                "median_days": median(group["days"]),
            }
        )
    return Table(
        "reports",
        "Meldingen bij CoMensha per regio",
        [
            ("region", "regio"),
            ("placed", "geplaatste zaken"),
            ("made", "melding gedaan"),
            ("open", "melding open"),
            ("median_days", "mediaan dagen tot melding"),
        ],
        rows,
        counts=("placed", "made", "open"),
        guarded={"median_days": "made"},
        row_key=("region_id",),
        total_by=(),
        sums={"placed": ("made", "open")},
    )
