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


def rows(table) -> list[tuple[dict, Markup]]:
    """[(row, its cells as `<td>` HTML), ...] in the table's order: one Markup per row, joined as
    plain strings (every cell is escaped by `cell`), so a year's cells cost no template loop."""
    keys = [key for key, _ in table.columns]
    opening = {key: f'<td data-col="{escape(key)}">' for key in keys}
    return [
        (row, Markup("".join(f"{opening[key]}{cell(table, row, key, i)}</td>" for key in keys)))
        for i, row in enumerate(table.rows)
    ]
