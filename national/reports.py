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

from sqlalchemy import select
from sqlalchemy.orm import lazyload

import formatting
from extensions import db
from national.tables import Table
from national.timing import NATIONAL, SUBTOTAL, median
from piket import reports
from piket.models import Case

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
