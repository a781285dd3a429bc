"""formatting.py: how people read dates, numbers and intake hours (and the Jinja filters)."""

import datetime as dt

import pytest
from flask import render_template_string

import formatting

NBSP = "\u00a0"


def words(text):
    return text.replace(NBSP, " ")


def test_a_date_reads_weekday_day_month_time_in_amsterdam_time(now):
    assert words(formatting.when(now, now)) == "zo 22 nov 02:30"  # 01:30 UTC is 02:30 CET
    summer = dt.datetime(2026, 7, 1, 22, 15, tzinfo=dt.UTC)
    assert words(formatting.when(summer, now)) == "do 2 jul 00:15"  # CEST: past midnight locally
    assert words(formatting.when(dt.datetime(2027, 1, 2, 8, 0, tzinfo=dt.UTC), now)) == "za 2 jan 2027 09:00"
    assert formatting.when(None, now) == "—"
    assert " " not in formatting.when(now, now)  # no wrapping inside a date: every space is non-breaking


def test_a_day_clock_and_the_year_of_the_apps_clock(app, now):
    assert words(formatting.day(dt.date(2026, 12, 2), now)) == "wo 2 dec"
    assert words(formatting.day(dt.date(2025, 12, 31))) == "wo 31 dec 2025"  # the app's pinned clock is 2026
    assert formatting.clock(now) == "02:30" and formatting.clock(None) == ""


@pytest.mark.parametrize(
    "value,digits,text",
    [(1.5, None, "1,5"), (2.0, None, "2"), (3, None, "3"), (0.125, 2, "0,12"), (12, 1, "12,0"), ("x", None, "x")],
)
def test_numbers_take_a_decimal_comma(value, digits, text):
    assert formatting.number(value, digits) == text


@pytest.mark.parametrize(
    "days,text",
    [
        ([1, 2, 3, 4, 5], "ma–vr"),
        ([1, 3, 5], "ma, wo, vr"),
        ([6, 7], "za, zo"),
        ([1, 2, 3, 5, 6, 7], "ma–wo, vr–zo"),
        (["1", "2", "3"], "ma–wo"),  # as a form sends them
    ],
)
def test_weekdays_join_runs_with_an_en_dash(days, text):
    assert formatting.weekdays(days) == text


def test_intake_hours_in_words():
    windows = [{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}, {"days": [6], "from": "10:00", "to": "12:00"}]
    assert words(formatting.intake_hours(windows)) == "ma–vr 09:00–17:00; za 10:00–12:00"
    assert formatting.intake_hours("24/7").startswith("dag en nacht")
    assert formatting.intake_hours([]) == "geen"


def test_the_filters_are_registered(app, now):
    with app.test_request_context():
        html = render_template_string(
            "{{ moment | when }}|{{ 1.5 | number }}|{{ intake | intake_hours }}|{{ when(moment) }}",
            moment=now,
            intake=[{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}],
        )
    assert words(html) == "zo 22 nov 02:30|1,5|ma–vr 09:00–17:00|zo 22 nov 02:30"
