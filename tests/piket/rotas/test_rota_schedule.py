"""The effective schedule (pure): daylight-saving changes, layers, overlaps, merging."""

import datetime as dt

from piket.rotas.schedule import Rotation, Segment, Shift, duties, effective, rotation_shifts
from tests.piket.rotas.conftest import at, hours
from timeutil import AMSTERDAM, UTC

DAILY = (1, 2, 3, 4, 5, 6, 7)


def assert_contiguous(segments, start, end):
    """No hour without a segment, none counted twice: the segments tile [start, end) exactly."""
    assert segments[0].start == start and segments[-1].end == end
    for before, after in zip(segments, segments[1:], strict=False):
        assert before.end == after.start
        assert before.start < before.end
    total = sum((s.end - s.start for s in segments), dt.timedelta())
    assert total == end - start


def shift_covering(segments, moment):
    return next(s for s in segments if s.start <= moment < s.end)


# --- the required acceptance test: both daylight-saving changes of 2027 ---------------------------


def test_daily_rotation_across_both_dst_changes_of_2027():
    rotation = Rotation(dt.date(2027, 1, 4), "09:00", 24, DAILY, (1, 2, 3))
    for start, end, change, real_hours in (
        (at(2027, 3, 14), at(2027, 4, 11), at(2027, 3, 28, 12), 23),  # spring: 02:00 -> 03:00
        (at(2027, 10, 17), at(2027, 11, 14), at(2027, 10, 31, 12), 25),
    ):  # autumn: 03:00 -> 02:00
        segments = effective(start, end, [rotation])
        assert_contiguous(segments, start, end)
        assert all(s.user_id is not None for s in segments), "an hour without duty"
        # Every hand-over at 09:00 local, on both sides of the change.
        for s in segments[1:]:
            here = s.start.astimezone(AMSTERDAM)
            assert (here.hour, here.minute) == (9, 0)
        # Consecutive days go to the next person in turn, so nothing merges: one segment per shift.
        assert [hours(s) for s in segments[1:-1]].count(24) == len(segments) - 3
        # The shift over the change starts 09:00 the day before and lasts 23 (spring) or 25 (autumn) real hours.
        over = shift_covering(segments, change - dt.timedelta(hours=12))
        assert over.start.astimezone(AMSTERDAM).hour == 9
        assert hours(over) == real_hours
        # Hour by hour over the whole interval: exactly one person on duty.
        moment = start
        while moment < end:
            assert sum(1 for s in segments if s.start <= moment < s.end) == 1
            moment += dt.timedelta(hours=1)


def test_the_shift_of_28_march_is_23_hours_and_of_31_october_25():
    rotation = Rotation(dt.date(2027, 1, 1), "00:00", 24, DAILY, (1, 2))
    spring = shift_covering(effective(at(2027, 3, 27), at(2027, 3, 30), [rotation]), at(2027, 3, 28, 12))
    autumn = shift_covering(effective(at(2027, 10, 30), at(2027, 11, 2), [rotation]), at(2027, 10, 31, 12))
    assert (spring.start, spring.end) == (at(2027, 3, 28), at(2027, 3, 29)) and hours(spring) == 23
    assert (autumn.start, autumn.end) == (at(2027, 10, 31), at(2027, 11, 1)) and hours(autumn) == 25


def test_weekly_rotation_across_both_changes():
    rotation = Rotation(dt.date(2027, 1, 4), "09:00", 168, (1,), (1, 2, 3))  # Monday 09:00, a week each
    for start, end, week_start, real_hours in (
        (at(2027, 3, 1, 9), at(2027, 4, 26, 9), at(2027, 3, 22, 9), 167),
        (at(2027, 10, 4, 9), at(2027, 11, 29, 9), at(2027, 10, 25, 9), 169),
    ):
        segments = effective(start, end, [rotation])
        assert_contiguous(segments, start, end)
        assert all(s.user_id is not None for s in segments)
        assert all(s.start.astimezone(AMSTERDAM).strftime("%a %H:%M") == "Mon 09:00" for s in segments)
        over = next(s for s in segments if s.start == week_start)
        assert hours(over) == real_hours
        assert [s.user_id for s in segments[:4]] == [
            segments[0].user_id,
            segments[1].user_id,
            segments[2].user_id,
            segments[0].user_id,
        ]
        assert len({s.user_id for s in segments[:3]}) == 3


def test_a_handover_inside_the_spring_gap_still_abuts():
    rotation = Rotation(dt.date(2027, 3, 1), "02:30", 24, DAILY, (1, 2, 3))
    start, end = at(2027, 3, 25), at(2027, 3, 31)
    shifts = rotation_shifts(rotation, start, end)
    for before, after in zip(shifts, shifts[1:], strict=False):
        assert before.end == after.start  # 02:30 on 28 March does not exist; both sides read it alike
    segments = effective(start, end, [rotation])
    assert_contiguous(segments, start, end)
    assert all(s.user_id is not None for s in segments)
    assert sum(hours(s) for s in segments) == (end - start).total_seconds() / 3600


def test_turns_follow_the_start_date_whatever_the_window():
    rotation = Rotation(dt.date(2026, 11, 2), "09:00", 24, (1, 2, 3, 4, 5), (10, 20, 30))  # weekdays only
    shifts = rotation_shifts(rotation, at(2026, 11, 2), at(2026, 11, 14))
    assert [s.user_id for s in shifts] == [10, 20, 30, 10, 20, 30, 10, 20, 30, 10]
    # The same shift seen through a later window has the same owner.
    later = rotation_shifts(rotation, at(2026, 11, 12, 12), at(2026, 11, 13, 12))
    assert [(s.start, s.user_id) for s in later] == [(shifts[8].start, 30), (shifts[9].start, 10)]


def test_until_date_and_short_shifts_leave_gaps():
    rotation = Rotation(dt.date(2026, 11, 2), "17:00", 15, DAILY, (1,), until_date=dt.date(2026, 11, 3))
    segments = effective(at(2026, 11, 2), at(2026, 11, 6), [rotation])
    assert [(s.start, s.end, s.user_id) for s in segments] == [
        (at(2026, 11, 2), at(2026, 11, 2, 17), None),
        (at(2026, 11, 2, 17), at(2026, 11, 3, 8), 1),
        (at(2026, 11, 3, 8), at(2026, 11, 3, 17), None),
        (at(2026, 11, 3, 17), at(2026, 11, 4, 8), 1),
        (at(2026, 11, 4, 8), at(2026, 11, 6), None),
    ]


# --- layers and overlaps ------------------------------------------------------------------------


def test_override_beats_shift_beats_rotation():
    rotation = Rotation(dt.date(2026, 11, 1), "09:00", 24, DAILY, (1,))
    shifts = [Shift(at(2026, 11, 3, 9), at(2026, 11, 4, 9), 2)]
    overrides = [Shift(at(2026, 11, 3, 20), at(2026, 11, 3, 23), 3, rank=1)]
    segments = effective(at(2026, 11, 3), at(2026, 11, 5), [rotation], shifts, overrides)
    assert [(s.start, s.end, s.user_id, s.source) for s in segments] == [
        (at(2026, 11, 3), at(2026, 11, 3, 9), 1, "rotation"),
        (at(2026, 11, 3, 9), at(2026, 11, 3, 20), 2, "shift"),
        (at(2026, 11, 3, 20), at(2026, 11, 3, 23), 3, "override"),
        (at(2026, 11, 3, 23), at(2026, 11, 4, 9), 2, "shift"),
        (at(2026, 11, 4, 9), at(2026, 11, 5), 1, "rotation"),
    ]  # the rotation's two days merged


def test_the_later_starting_rotation_shift_takes_over():
    # A 30-hour shift every day: each overlaps the next by 6 hours; the next one holds from its start.
    rotation = Rotation(dt.date(2026, 11, 1), "09:00", 30, DAILY, (1, 2))
    segments = effective(at(2026, 11, 2, 9), at(2026, 11, 4, 9), [rotation])
    assert [(s.start, s.user_id) for s in segments] == [(at(2026, 11, 2, 9), 2), (at(2026, 11, 3, 9), 1)]
    assert all(hours(s) == 24 for s in segments)


def test_the_last_entered_override_wins():
    overrides = [
        Shift(at(2026, 11, 3, 18), at(2026, 11, 4, 8), 5, rank=1),
        Shift(at(2026, 11, 3, 17), at(2026, 11, 4, 9), 6, rank=2),
    ]
    segments = effective(at(2026, 11, 3, 17), at(2026, 11, 4, 9), overrides=overrides)
    assert segments == [Segment(at(2026, 11, 3, 17), at(2026, 11, 4, 9), 6, "override")]


def test_nobody_is_a_segment_and_duties_merge_across_layers():
    shifts = [Shift(at(2026, 11, 3, 9), at(2026, 11, 3, 17), 1)]
    overrides = [Shift(at(2026, 11, 3, 17), at(2026, 11, 3, 20), 1, rank=1)]
    segments = effective(at(2026, 11, 3, 8), at(2026, 11, 3, 22), shifts=shifts, overrides=overrides)
    assert [s.user_id for s in segments] == [None, 1, 1, None]
    assert [s.source for s in segments] == [None, "shift", "override", None]
    assert duties(segments) == [Segment(at(2026, 11, 3, 9), at(2026, 11, 3, 20), 1, "shift")]


def test_times_are_utc():
    segments = effective(at(2026, 11, 3), at(2026, 11, 4), [Rotation(dt.date(2026, 11, 1), "09:00", 24, DAILY, (1, 2))])
    assert segments[1].start == dt.datetime(2026, 11, 3, 8, 0, tzinfo=UTC)  # 09:00 CET
