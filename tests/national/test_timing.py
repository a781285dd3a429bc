"""Time to placement and escalations, against figures computed by hand on the fixed dataset in conftest.py
(its docstring lists every request with its minutes). Office hours: Mon-Fri 09:00-17:00 local by default,
Den Haag 08:00-20:00; Christmas Day (Fri 2026-12-25) is after hours all day."""

import pytest

from tests.national.conftest import SINCE, UNTIL, at


def row(table, region, period=None):
    found = [r for r in table.rows if r["region"] == region and (period is None or r["period_code"] == period)]
    assert len(found) == 1, (region, period, table.rows)
    return found[0]


def figures(r, x):
    return r[f"n_{x}"], r[f"median_{x}"], r[f"p90_{x}"]


def test_rows_per_region_and_period_then_the_nation(app, dataset, now):
    from national import timing

    table = timing.time_to_placement(now, SINCE, UNTIL)
    # Created in the window: 14 (R7 was created 10-31 21:00 local, before it).
    assert [(r["region"], r["period"], r["requests"]) for r in table.rows] == [
        ("Amsterdam", "kantooruren", 1),  # R10 (Wed 09:30)
        ("Amsterdam", "buiten kantooruren", 3),  # R4, R16 (Christmas 10:00 and 11:00), R17 (21:00)
        ("Den Haag", "kantooruren", 2),  # R14 (09:00), R15 (19:00: within Den Haag's own 08:00-20:00)
        ("Den Haag", "buiten kantooruren", 1),  # R3 (Mon 23:00)
        ("Rotterdam", "kantooruren", 2),  # R1 (Mon 10:00), R5 (Mon 14:00)
        ("Rotterdam", "buiten kantooruren", 5),  # R2 (Sat), R6 (Fri 20:00), R11 (Sat), R12 (Sun), R13 (Fri 23:00)
        ("Nederland", "kantooruren", 5),  # 1 + 2 + 2
        ("Nederland", "buiten kantooruren", 9),  # 3 + 1 + 5
    ]
    assert table.key == "time_to_placement"
    assert table.counts == ("requests", "n_accept", "n_chosen", "n_confirmed")
    assert table.guarded["median_accept"] == "n_accept" and table.guarded["p90_confirmed"] == "n_confirmed"


def test_rotterdam_after_hours(app, dataset, now):
    from national import timing

    r = row(timing.time_to_placement(now, SINCE, UNTIL), "Rotterdam", "after_hours")
    # accept: R6 3, R11 7, R12 12, R13 40 (R2 never) -> [3, 7, 12, 40]: median (7+12)/2 = 9.5,
    # p90 = ceil(0.9*4 = 3.6) = 4th = 40
    assert figures(r, "accept") == (4, 9.5, 40.0)
    # chosen: R6 10 (P-a, its first), R11 25, R12 40 -> median 25, p90 = ceil(2.7) = 3rd = 40
    assert figures(r, "chosen") == (3, 25.0, 40.0)
    # confirmed: R6 90, R11 45, R12 100 -> [45, 90, 100]: median 90, p90 = 3rd = 100
    assert figures(r, "confirmed") == (3, 90.0, 100.0)


def test_rotterdam_office_hours(app, dataset, now):
    from national import timing

    r = row(timing.time_to_placement(now, SINCE, UNTIL), "Rotterdam", "office")
    # accept: R1 4, R5 10 -> median (4+10)/2 = 7, p90 = ceil(1.8) = 2nd = 10
    assert figures(r, "accept") == (2, 7.0, 10.0)
    # chosen: R1's first choice +20 (P-b; P-e at +40 came later), R5 30 -> median 25, p90 30
    assert figures(r, "chosen") == (2, 25.0, 30.0)
    # confirmed: R5 60 only (R1 never) -> n 1, median 60, p90 = ceil(0.9) = 1st = 60
    assert figures(r, "confirmed") == (1, 60.0, 60.0)


def test_fractional_minutes_and_region_office_hours(app, dataset, now):
    from national import timing

    table = timing.time_to_placement(now, SINCE, UNTIL)
    office = row(table, "Den Haag", "office")
    # accept: R14 15.5 (15 min 30 s), R15 2.5 -> median (2.5+15.5)/2 = 9.0, p90 = 2nd = 15.5; nothing chosen
    assert figures(office, "accept") == (2, 9.0, 15.5)
    assert figures(office, "chosen") == (0, None, None)
    after = row(table, "Den Haag", "after_hours")
    # R3: accepted +8, P-c chosen +20, refused: never confirmed
    assert figures(after, "accept") == (1, 8.0, 8.0) and figures(after, "confirmed") == (0, None, None)


def test_christmas_is_after_hours(app, dataset, now):
    from national import timing

    table = timing.time_to_placement(now, SINCE, UNTIL)
    # R16 was created Friday 25 December 11:00 local: office hours on any other Friday.
    after = row(table, "Amsterdam", "after_hours")
    # accept: R16 1, R17 70 (R4 never) -> median 35.5, p90 = ceil(1.8) = 2nd = 70
    assert figures(after, "accept") == (2, 35.5, 70.0)
    assert figures(after, "chosen") == (1, 5.0, 5.0) and figures(after, "confirmed") == (1, 30.0, 30.0)
    # Amsterdam office: R10 alone (Wed 09:30), accepted +6
    assert figures(row(table, "Amsterdam", "office"), "accept") == (1, 6.0, 6.0)


def test_national_rows(app, dataset, now):
    from national import timing

    table = timing.time_to_placement(now, SINCE, UNTIL)
    office = row(table, "Nederland", "office")
    assert office["region_id"] is None
    # accept: R15 2.5, R1 4, R10 6, R5 10, R14 15.5 -> median 3rd = 6, p90 = ceil(4.5) = 5th = 15.5
    assert figures(office, "accept") == (5, 6.0, 15.5)
    assert figures(office, "chosen") == (2, 25.0, 30.0)  # R1 20, R5 30
    assert figures(office, "confirmed") == (1, 60.0, 60.0)  # R5
    after = row(table, "Nederland", "after_hours")
    # accept: R16 1, R6 3, R11 7, R3 8, R12 12, R13 40, R17 70 -> median 4th = 8, p90 = ceil(6.3) = 7th = 70
    assert figures(after, "accept") == (7, 8.0, 70.0)
    # chosen: R16 5, R6 10, R3 20, R11 25, R12 40 -> median 3rd = 20, p90 = ceil(4.5) = 5th = 40
    assert figures(after, "chosen") == (5, 20.0, 40.0)
    # confirmed: R16 30, R11 45, R6 90, R12 100 -> median (45+90)/2 = 67.5, p90 = ceil(3.6) = 4th = 100
    assert figures(after, "confirmed") == (4, 67.5, 100.0)


def test_region_filter_and_its_total(app, dataset, now):
    from national import timing

    rotterdam = dataset["regions"]["rotterdam"].id
    table = timing.time_to_placement(now, SINCE, UNTIL, region_ids={rotterdam})
    # Only Rotterdam, and a total over the regions shown, which is not the country's.
    assert [(r["region"], r["period_code"], r["requests"]) for r in table.rows] == [
        ("Rotterdam", "office", 2),
        ("Rotterdam", "after_hours", 5),
        ("Totaal", "office", 2),
        ("Totaal", "after_hours", 5),
    ]
    assert figures(row(table, "Totaal", "after_hours"), "accept") == (4, 9.5, 40.0)


def test_small_groups_hide_their_medians(app, dataset, now):
    from national import timing
    from national.tables import suppress

    table = suppress(timing.time_to_placement(now, SINCE, UNTIL))
    r = row(table, "Rotterdam", "office")
    # n_accept 2 is small: hidden, and its median and p90 with it; requests 2 hidden too.
    assert (r["requests"], r["n_accept"], r["median_accept"], r["p90_accept"]) == (None, None, None, None)
    r = row(table, "Rotterdam", "after_hours")
    assert figures(r, "accept") == (4, 9.5, 40.0)  # 4 is shown
    assert figures(r, "chosen") == (3, 25.0, 40.0)


def test_empty_window(app, dataset, now):
    from national import timing

    table = timing.time_to_placement(now, at(1, 1, 0), at(2, 1, 0))
    # No requests: only the national rows, with nothing to take a median of.
    assert [(r["region"], r["requests"], r["median_accept"], r["p90_confirmed"]) for r in table.rows] == [
        ("Nederland", 0, None, None),
        ("Nederland", 0, None, None),
    ]
    assert timing.escalations(now, at(1, 1, 0), at(2, 1, 0)).rows == [
        {
            "region_id": None,
            "region": "Nederland",
            "requests": 0,
            "reached_backup": 0,
            "reached_national": 0,
            "exhausted": 0,
        }
    ]


@pytest.mark.parametrize(
    "values, median, p90",
    [
        ([5], 5, 5),
        ([3, 7, 12, 40], 9.5, 40),  # ceil(3.6) = 4th
        (list(range(1, 11)), 5.5, 9),  # ceil(9.0) = 9th, not the 10th
        (list(range(1, 71)), 35.5, 63),  # ceil(63.0) = 63rd: 0.9 * 70 is 63.00000000000001 in floating point
        (list(range(1, 21)), 10.5, 18),  # ceil(18) = 18th
        (list(range(1, 12)), 6, 10),  # ceil(9.9) = 10th
    ],
)
def test_percentile_definitions(values, median, p90):
    from national import timing

    assert timing.median(values) == median and timing.p90(values) == p90
    assert timing.median([]) is None and timing.p90([]) is None


def test_escalations(app, dataset, now):
    from national import timing

    table = timing.escalations(now, SINCE, UNTIL)
    assert [
        (r["region"], r["requests"], r["reached_backup"], r["reached_national"], r["exhausted"]) for r in table.rows
    ] == [
        # R4, R10, R16, R17; R17 paged national and was exhausted (event), though accepted late
        ("Amsterdam", 4, 0, 1, 1),
        ("Den Haag", 3, 0, 0, 0),  # R3, R14, R15: no paging events
        # R1, R2, R5, R6, R11, R12, R13. backup: R2, R11 (R12's back-up step was skipped: nobody paged);
        # national: R2, R12; exhausted: R2 (by its status, it has no event)
        ("Rotterdam", 7, 2, 2, 1),
        ("Nederland", 14, 2, 3, 2),
    ]
    assert table.counts == ("requests", "reached_backup", "reached_national", "exhausted")
    filtered = timing.escalations(now, SINCE, UNTIL, region_ids={dataset["regions"]["amsterdam"].id})
    assert [(r["region"], r["requests"], r["reached_national"], r["exhausted"]) for r in filtered.rows] == [
        ("Amsterdam", 4, 1, 1),
        ("Totaal", 4, 1, 1),
    ]


def test_an_office_hours_exception_is_after_hours(app, dataset, now, registry):
    """R10 (Amsterdam, Wed 2 December 09:30 local) falls on a day its region declared closed: after hours."""
    from extensions import db
    from national import timing
    from piket.rotas.models import RegionHours

    amsterdam = registry["regions"]["amsterdam"]
    db.session.add(
        RegionHours(
            region_id=amsterdam.id,
            windows=[{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}],
            exceptions=[{"from": "2026-12-02", "to": "2026-12-02", "windows": []}],
        )
    )
    db.session.commit()

    table = timing.time_to_placement(now, SINCE, UNTIL)
    assert not [r for r in table.rows if r["region"] == "Amsterdam" and r["period_code"] == "office"]
    assert figures(row(table, "Amsterdam", "after_hours"), "accept") == (3, 6.0, 70.0)  # R10 6, R16 1, R17 70
