"""A Table's cells as HTML, built in Python: the freshness table alone has thousands of cells, and a
Jinja macro per cell cost more than all the queries of the page together."""

from markupsafe import Markup, escape

import vocabulary

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
    if value is True or value is False:
        return Markup("ja" if value else "nee")
    return escape(value)


def rows(table) -> list[tuple[dict, list[tuple[str, Markup]]]]:
    """[(row, [(column key, cell html), ...]), ...] in the table's order."""
    keys = [key for key, _ in table.columns]
    return [(row, [(key, cell(table, row, key, i)) for key in keys]) for i, row in enumerate(table.rows)]
