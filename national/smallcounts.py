"""Small counts: the one rule for every view outside CoMensha (the regional page, its API and CSV).

No count of victims under 3 (1 or 2) can be read or recovered from what a coordinator sees:

1. Primary: a count of 1 or 2 is hidden ("<3"), and so is every figure computed from it (`guarded`).
2. Complementary: a hidden count must not follow by subtraction. Every sum the tables show is a
   relation total = parts: a region's rows against the `Totaal` row (`total_by`), a count against its
   parts in the same row (`sums`, e.g. placed = made + open), and a count against another table's
   (`parts_in`, e.g. escalations' requests = time to placement's office + after-hours requests).
   A hidden part hides the total (even two hidden parts: "<3" and "<3" making 4 are both 2), and a
   total hidden while all its parts show hides its smallest part. Repeated until nothing changes.
3. Periods: the same figure over 30, 90 and 365 days differs by the count of the days in between;
   where two shown values differ by 1 or 2, the longer period's is hidden (and 2 applies again).
4. Flags: a row with a hidden count gets its flags recomputed from what is still shown (`reflag`:
   the occupancy alarm without the turned-away persons).
5. Lists with a row per case (`per_case`) are not shown: their length is a count.

Cells hidden by 2 and 3, and totals of hidden parts, are `withheld` (shown as "×": any number, hidden
so that a count under 3 stays hidden);
the view computes every period at once, so the answer for one period never depends on which was asked.
CoMensha and admins see every count (national/service.py decides who gets this rule).
"""

from dataclasses import replace

from national.tables import SMALL, Table, small


def protect(by_period: dict[int, list[Table]]) -> dict[int, list[Table]]:
    """Every period's tables with small counts hidden and no way back to them (see above)."""
    out = {
        d: [replace(t, rows=[dict(r) for r in t.rows], suppressed=True, withheld=set()) for t in tables]
        for d, tables in by_period.items()
    }
    index = {(d, t.key): t for d, tables in out.items() for t in tables}
    hidden = set()  # (period, table key, row index, column)

    def value(cell):
        d, key, i, col = cell
        return index[(d, key)].rows[i].get(col)

    def hide(cell, withheld=True):
        hidden.add(cell)
        if withheld:
            index[cell[:2]].withheld.add(cell[2:])

    for (d, key), t in index.items():
        for i, row in enumerate(t.rows):
            for col in t.counts:
                if small(row.get(col)):
                    hide((d, key, i, col), withheld=False)

    relations = _relations(index)
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            if total not in hidden:
                if any(p in hidden for p in parts):
                    hide(total)
                    changed = True
            elif not any(p in hidden for p in parts):
                shown = [p for p in parts if (value(p) or 0) > 0]
                if shown:
                    hide(min(shown, key=lambda p: (value(p), p)))
                    changed = True
        for later in _period_steps(index, hidden, value):
            hide(later)
            changed = True

    # A total of hidden parts reads "×" even when it is under 3 itself: "<3" and "<3" making "<3"
    # would say both parts are 1.
    for total, parts in relations:
        if total in hidden and any(p in hidden for p in parts):
            index[total[:2]].withheld.add(total[2:])

    for (_d, _key), t in index.items():
        for i, row in enumerate(t.rows):
            gone = {col for col in t.counts if (_d, _key, i, col) in hidden}
            gone |= {k for k, by in t.guarded.items() if by in gone}
            for col in gone:
                row[col] = None
            if gone and t.reflag:
                t.reflag(row)
        if t.per_case:
            t.rows.clear()
    return out


def _relations(index) -> list[tuple[tuple, list[tuple]]]:
    """Every (total cell, [part cells]) the tables show."""
    relations = []
    for (d, key), t in index.items():
        if t.total_by is not None:
            groups = {}
            for i, row in enumerate(t.rows):
                groups.setdefault(tuple(row.get(c) for c in t.total_by), []).append(i)
            for rows in groups.values():
                totals = [i for i in rows if t.rows[i].get("region_id") is None]
                parts = [i for i in rows if t.rows[i].get("region_id") is not None]
                for i in totals:
                    for col in t.counts:
                        relations.append(((d, key, i, col), [(d, key, j, col) for j in parts]))
        for i, row in enumerate(t.rows):
            for col, cols in t.sums.items():
                relations.append(((d, key, i, col), [(d, key, i, c) for c in cols]))
            for col, (other, other_col, period) in t.parts_in.items():
                source = index.get((d if period is None else period, other))
                if source is None:
                    continue
                # A total row (region_id None) sums the other table's total rows, or all its rows if it has none.
                whole = row.get("region_id") is None and source.total_by is None
                parts = [
                    (d if period is None else period, other, j, other_col)
                    for j, r in enumerate(source.rows)
                    if whole or r.get("region_id") == row.get("region_id")
                ]
                relations.append(((d, key, i, col), parts))
    return relations


def _period_steps(index, hidden, value) -> list[tuple]:
    """Cells of a longer period that differ from the same shown cell of a shorter one by 1 or 2."""
    steps = []
    periods = sorted({d for d, _key in index})
    keys = {key for _d, key in index}
    for key in keys:
        tables = [(d, index[(d, key)]) for d in periods if (d, key) in index]
        if not tables or not tables[0][1].row_key:
            continue
        rows_by = [(d, {tuple(r.get(c) for c in t.row_key): i for i, r in enumerate(t.rows)}, t) for d, t in tables]
        for a, (d1, rows1, t1) in enumerate(rows_by):
            for d2, rows2, _t2 in rows_by[a + 1 :]:
                for rk, i2 in rows2.items():
                    i1 = rows1.get(rk)
                    if i1 is None:
                        continue
                    for col in t1.counts:
                        c1, c2 = (d1, key, i1, col), (d2, key, i2, col)
                        if c1 in hidden or c2 in hidden:
                            continue
                        v1, v2 = value(c1), value(c2)
                        if isinstance(v1, int) and isinstance(v2, int) and 0 < v2 - v1 < SMALL:
                            steps.append(c2)
    return steps
