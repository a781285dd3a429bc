"""Dutch public holidays and office hours (holidays count as after hours)."""

import datetime as dt

from piket.rotas import service
from tests.piket.rotas.conftest import at
from timeutil import dutch_holidays, is_holiday


def test_holidays_of_2027():
    days = dutch_holidays(2027)
    assert days[dt.date(2027, 3, 28)] == "Eerste Paasdag"
    assert days[dt.date(2027, 3, 29)] == "Tweede Paasdag"  # Easter Monday, the day after the clocks change
    assert days[dt.date(2027, 5, 6)] == "Hemelvaartsdag"
    assert days[dt.date(2027, 5, 16)] == "Eerste Pinksterdag" and days[dt.date(2027, 5, 17)] == "Tweede Pinksterdag"
    assert days[dt.date(2027, 4, 27)] == "Koningsdag"
    assert {dt.date(2027, 1, 1), dt.date(2027, 5, 5), dt.date(2027, 12, 25), dt.date(2027, 12, 26)} <= set(days)
    assert len(days) == 10


def test_kings_day_moves_to_saturday_when_the_27th_is_a_sunday():
    assert is_holiday(dt.date(2025, 4, 26)) and not is_holiday(dt.date(2025, 4, 27))
    assert dutch_holidays(2025)[dt.date(2025, 4, 26)] == "Koningsdag"
    assert is_holiday(dt.date(2026, 4, 27)) and not is_holiday(dt.date(2026, 4, 26))


def test_easter_over_the_years():
    easter = {
        2024: dt.date(2024, 3, 31),
        2025: dt.date(2025, 4, 20),
        2026: dt.date(2026, 4, 5),
        2038: dt.date(2038, 4, 25),
        2285: dt.date(2285, 3, 22),
    }  # the latest and earliest possible dates
    for year, day in easter.items():
        assert dutch_holidays(year)[day] == "Eerste Paasdag"
    assert not is_holiday(dt.date(2027, 3, 30))


def test_default_office_hours(registry):
    rotterdam = registry["regions"]["rotterdam"].id
    assert service.in_office_hours(rotterdam, at(2026, 11, 23, 9, 0))  # Monday
    assert service.in_office_hours(rotterdam, at(2026, 11, 23, 16, 59))
    assert not service.in_office_hours(rotterdam, at(2026, 11, 23, 17, 0))
    assert not service.in_office_hours(rotterdam, at(2026, 11, 23, 8, 59))
    assert not service.in_office_hours(rotterdam, at(2026, 11, 22, 12, 0))  # Sunday


def test_a_holiday_is_after_hours(registry):
    rotterdam = registry["regions"]["rotterdam"].id
    assert not service.in_office_hours(rotterdam, at(2027, 3, 29, 11, 0))  # Easter Monday
    assert service.in_office_hours(rotterdam, at(2027, 3, 30, 11, 0))  # the Tuesday after
    assert not service.in_office_hours(rotterdam, at(2026, 12, 25, 11, 0))  # Christmas, a Friday
    assert not service.in_office_hours(None, at(2027, 5, 6, 11, 0))  # Ascension, national default hours


def test_a_region_with_its_own_hours(registry, users, now):
    rotterdam = registry["regions"]["rotterdam"].id
    service.set_office_hours(now, rotterdam, [{"days": [1, 2, 3, 4], "from": "08:00", "to": "18:00"}], users["admin"])
    assert service.in_office_hours(rotterdam, at(2026, 11, 23, 8, 0))
    assert service.in_office_hours(rotterdam, at(2026, 11, 23, 17, 30))
    assert not service.in_office_hours(rotterdam, at(2026, 11, 27, 11, 0))  # Friday: not in these hours
    # Other regions keep the default.
    assert service.in_office_hours(registry["regions"]["amsterdam"].id, at(2026, 11, 27, 11, 0))


def test_office_test_agrees_with_in_office_across_dst_holidays_and_exceptions():
    """The national figures' fast classifier (schedule.office_test) against the interval rule
    (schedule.in_office), every 7 minutes through the October 2026 clock change, Christmas and an
    exception with shorter hours and one closed all day."""
    from piket.rotas import schedule

    windows = [
        {"days": [1, 2, 3, 4, 5], "from": "08:30", "to": "17:00"},
        {"days": [6], "from": "10:00", "to": "24:00"},
        {"days": [7], "from": "00:00", "to": "03:00"},
    ]
    exceptions = [
        {"from": "2026-10-26", "to": "2026-10-26", "windows": [{"from": "09:00", "to": "12:00"}]},
        {"from": "2026-12-23", "to": "2026-12-24", "windows": []},
    ]
    fast = schedule.office_test(windows, exceptions)
    for start in (dt.datetime(2026, 10, 23, tzinfo=dt.UTC), dt.datetime(2026, 12, 21, tzinfo=dt.UTC)):
        moments = [start + dt.timedelta(minutes=7 * k) for k in range(8 * 24 * 60 // 7)]
        expected = [schedule.in_office(windows, m, exceptions) for m in moments]
        assert [fast(m) for m in moments] == expected
        assert True in expected and False in expected
    default = schedule.office_test(None)
    monday_10 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert default(monday_10) and not default(monday_10 + dt.timedelta(hours=7))
