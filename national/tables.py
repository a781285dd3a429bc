"""Every figure on the national page is a Table: the page renders it, the API exports it as JSON or
CSV, and suppression works on it. One shape, so a table on the page is always a table in the export."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace

SMALL = 3  # counts of victims under this are hidden outside the CoMensha role
CODE = "code"  # the label of a column of codes: for programs (API, JSON); people read the label column beside it


@dataclass
class Table:
    key: str  # stable name, used in the API (`?table=`) and the CSV file name
    title: str  # Dutch heading on the page
    columns: list[tuple[str, str]]  # (key, Dutch label), in order
    rows: list[dict]
    # Columns that count victims (requests, persons, placements): 1 and 2 are suppressed outside CoMensha.
    counts: tuple[str, ...] = ()
    # Figures computed from few victims: {column: count column}; hidden whenever that count is suppressed.
    guarded: dict[str, str] = field(default_factory=dict)
    suppressed: bool = False
    # What national/smallcounts.py needs to keep hidden counts hidden (see there):
    # the columns naming a row across periods (empty: the figures do not depend on the period);
    row_key: tuple[str, ...] = ()
    # rows with region_id None are the totals of the rows sharing these columns (None: no total rows);
    total_by: tuple[str, ...] | None = None
    # {count column: its parts in the same row}, e.g. placed = made + open;
    sums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # {count column: (table key, column, period or None)}: the sum of that column over the other
    # table's rows with the same region_id (None: the same period);
    parts_in: dict[str, tuple[str, str, int | None]] = field(default_factory=dict)
    # recomputes a row's flags from what is still shown, once a count of it is hidden;
    reflag: Callable[[dict], None] | None = None
    # one row per case: the number of rows is a count, so a suppressed view lists none.
    per_case: bool = False
    withheld: set = field(default_factory=set)  # {(row index, column)} hidden so a small count stays hidden

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "columns": [k for k, _ in self.columns],
            "suppressed": self.suppressed,
            "rows": self.rows,
            # cells hidden only so that a count under 3 elsewhere cannot be recovered: [row index, column]
            "withheld": sorted([i, k] for i, k in self.withheld),
            **({"per_case_withheld": True} if self.per_case and self.suppressed else {}),
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([csv_cell(k) for k, _ in self.columns])
        for row in self.rows:
            writer.writerow([csv_cell(row.get(k)) for k, _ in self.columns])
        return out.getvalue()


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) in a shelter's
# name); OWASP's advice: start such a text with a single quote, so it is shown as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as an exported CSV cell: empty for None, text that could be a formula made plain text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL


def suppress(table: Table) -> Table:
    """Counts of 1 or 2 (and figures computed from them) become None: no victim can be recognised."""
    rows = []
    for row in table.rows:
        row = dict(row)
        hidden = {k for k in table.counts if small(row.get(k))}
        hidden |= {k for k, by in table.guarded.items() if by in hidden or small(row.get(by))}
        for k in hidden:
            row[k] = None
        rows.append(row)
    return replace(table, rows=rows, suppressed=True)
