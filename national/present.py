"""A Table's cells as HTML, built in Python: the freshness table alone has thousands of cells, and a
Jinja macro per cell cost more than all the queries of the page together."""

import csv
import datetime as dt
import io
import re

from markupsafe import Markup, escape

import formatting
import vocabulary
from national.tables import CODE, csv_cell

DASH = Markup('<span class="muted">–</span>')
HIDDEN = Markup('<span class="muted" title="minder dan 3: niet getoond">&lt;3</span>')
# Hidden so that a count under 3 elsewhere cannot be recovered by subtraction (national/smallcounts.py).
WITHHELD = Markup('<span class="muted" title="niet getoond: anders is een aantal onder 3 terug te rekenen">×</span>')


def cell(table, row, key, index=None) -> Markup:
    value = row.get(key)
    if value is None and (index, key) in table.withheld:
        return WITHHELD
    if value is None:
        return HIDDEN if table.suppressed and (key in table.counts or key in table.guarded) else DASH
    if key == "alarm":
        return Markup('<span class="alarm-label alarm-{0}">{1}</span>').format(
            value, vocabulary.OCCUPANCY_ALARMS.get(value, value)
        )
    if key == "freshness":
        return Markup('<span class="fresh-{0}">{1}</span>').format(row.get("freshness_code", ""), value)
    return escape(text(key, value))


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def text(key, value):
    """A cell's value as a person reads it: ja/nee, a decimal comma, a date in words, an alarm's label."""
    if value is True or value is False:
        return "ja" if value else "nee"
    if key == "alarm":
        return vocabulary.OCCUPANCY_ALARMS.get(value, value)
    if isinstance(value, float):
        return formatting.number(value)
    if isinstance(value, dt.datetime):
        return formatting.when(value)
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return formatting.day(dt.date.fromisoformat(str(value)))
    return value


def shown(table) -> list[tuple[str, str]]:
    """The columns a person reads: not the code columns (their Dutch label column stands beside them)."""
    return [(key, label) for key, label in table.columns if label != CODE]


def people_csv(table) -> str:
    """The table as a CSV for people (the page's download): Dutch headers and the page's words and
    numbers. The API's CSV (Table.as_csv) keeps the codes and plain numbers: it is a contract."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = shown(table)
    writer.writerow([csv_cell(label) for _, label in columns])
    for row in table.rows:
        writer.writerow([csv_cell(text(key, row.get(key))) for key, _ in columns])
    return out.getvalue()


def rows(table) -> list[tuple[dict, Markup]]:
    """[(row, its cells as `<td>` HTML), ...] in the table's order: one Markup per row, joined as
    plain strings (every cell is escaped by `cell`), so a year's cells cost no template loop."""
    keys = [key for key, _ in shown(table)]
    opening = {key: f'<td data-col="{escape(key)}">' for key in keys}
    return [
        (row, Markup("".join(f"{opening[key]}{cell(table, row, key, i)}</td>" for key in keys)))
        for i, row in enumerate(table.rows)
    ]
