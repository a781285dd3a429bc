"""Every figure on the national page is a Table: the page renders it, the API exports it as JSON or
CSV, and suppression works on it. One shape, so a table on the page is always a table in the export."""

import csv
import io
from dataclasses import dataclass, field, replace

SMALL = 3  # counts of victims under this are hidden outside the CoMensha role


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

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "columns": [k for k, _ in self.columns],
            "suppressed": self.suppressed,
            "rows": self.rows,
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
