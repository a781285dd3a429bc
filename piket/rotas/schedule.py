"""The effective schedule of one rota, from plain data: pure, no Flask, no database.

Three layers, strongest first: overrides, explicit shifts, recurring rotations. Within a layer the
item that started last holds the duty (a rotation's next shift takes over at its start; for
overrides, the one entered last wins). Recurring shifts are laid out on the local wall clock of
Europe/Amsterdam and each boundary is converted to UTC with one rule, so shifts abut across the
daylight-saving changes: a 24-hour shift over the spring change lasts 23 real hours, over the
autumn change 25, and no hour is dropped or doubled.

The result covers the asked interval exactly with contiguous segments; nobody on duty is a
segment with user_id None. Who-is-on-duty, gaps, iCal and reminders all read this one function.
"""

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from timeutil import AMSTERDAM, UTC, is_holiday

DEFAULT_OFFICE_HOURS = [{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "17:00"}]


class Rotation(NamedTuple):
    start_date: dt.date
    handover: str  # "HH:MM", local
    shift_hours: int  # on the local clock
    days: tuple  # ISO weekdays a shift starts on
    people: tuple  # user ids, one per shift, in turn
    until_date: dt.date | None = None
    id: int = 0


class Shift(NamedTuple):
    """An explicit shift or an override: UTC-aware start and end. `rank` orders overrides (id)."""

    start: dt.datetime
    end: dt.datetime
    user_id: int
    rank: int = 0


class Segment(NamedTuple):
    start: dt.datetime
    end: dt.datetime
    user_id: int | None
    source: str | None  # "override", "shift", "rotation"; None when nobody is on duty


def to_utc(naive_local: dt.datetime) -> dt.datetime:
    """A local wall-clock time to UTC. One rule for every boundary (fold=0: a time in the spring
    gap takes the offset before the change, an autumn time that occurs twice its first
    occurrence), so the end of one shift and the start of the next always meet."""
    return naive_local.replace(tzinfo=AMSTERDAM, fold=0).astimezone(UTC)


def clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def _starts_before(rotation: Rotation, day: dt.date) -> int:
    """How many shifts the rotation starts on dates from start_date up to (not including) `day`."""
    if day <= rotation.start_date:
        return 0
    span = (day - rotation.start_date).days
    weeks, rest = divmod(span, 7)
    count = weeks * len(set(rotation.days))
    first = rotation.start_date.isoweekday()
    count += sum(1 for k in range(rest) if ((first - 1 + k) % 7) + 1 in rotation.days)
    return count


def rotation_shifts(rotation: Rotation, start: dt.datetime, end: dt.datetime) -> list[Shift]:
    """The rotation's shifts that overlap [start, end), in UTC, each with its owner in turn."""
    if not rotation.people or not rotation.days or rotation.shift_hours <= 0:
        return []
    handover = clock(rotation.handover)
    # A shift that began up to shift_hours before `start` may still run; a day of margin for the clock.
    first = max(
        rotation.start_date, start.astimezone(AMSTERDAM).date() - dt.timedelta(days=rotation.shift_hours // 24 + 2)
    )
    last = end.astimezone(AMSTERDAM).date() + dt.timedelta(days=1)
    if rotation.until_date is not None:
        last = min(last, rotation.until_date)
    turn = _starts_before(rotation, first)
    shifts, day = [], first
    while day <= last:
        if day.isoweekday() in rotation.days:
            local_start = dt.datetime.combine(day, handover)
            shift_start = to_utc(local_start)
            shift_end = to_utc(local_start + dt.timedelta(hours=rotation.shift_hours))  # wall-clock hours
            if shift_start < end and shift_end > start:
                shifts.append(Shift(shift_start, shift_end, rotation.people[turn % len(rotation.people)]))
            turn += 1
        day += dt.timedelta(days=1)
    return shifts


def _winner(items, moment, key):
    covering = [item for item in items if item.start <= moment < item.end]
    return max(covering, key=key) if covering else None


def effective(start: dt.datetime, end: dt.datetime, rotations=(), shifts=(), overrides=()) -> list[Segment]:
    """Who is on duty over [start, end): contiguous segments (start, end, user_id | None, source),
    override > explicit shift > rotation; adjacent segments of the same person and source merged."""
    if end <= start:
        return []
    recurring = [s for r in rotations for s in rotation_shifts(r, start, end)]
    layers = (
        ("override", list(overrides), lambda s: (s.rank, s.start)),
        ("shift", list(shifts), lambda s: (s.start, s.rank)),
        ("rotation", recurring, lambda s: s.start),
    )
    bounds = {start, end}
    for _source, items, _key in layers:
        bounds.update(t for item in items for t in (item.start, item.end) if start < t < end)
    points = sorted(bounds)
    segments: list[Segment] = []
    for a, b in zip(points, points[1:], strict=False):
        user_id, source = None, None
        for name, items, key in layers:
            item = _winner(items, a, key)
            if item is not None:
                user_id, source = item.user_id, name
                break
        if segments and segments[-1].user_id == user_id and segments[-1].source == source:
            segments[-1] = segments[-1]._replace(end=b)
        else:
            segments.append(Segment(a, b, user_id, source))
    return segments


def duties(segments) -> list[Segment]:
    """Segments merged per person, whatever the layer: one continuous duty is one duty
    (one reminder, one hand-over), even when an override continues a planned shift."""
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].user_id == seg.user_id and merged[-1].end == seg.start:
            merged[-1] = merged[-1]._replace(end=seg.end)
        else:
            merged.append(seg)
    return [d for d in merged if d.user_id is not None]


# --- office hours ------------------------------------------------------------------------------


def exception_on(exceptions, day: dt.date) -> dict | None:
    """The office-hours exception covering this local date (dates or date ranges, "from" to "to"
    inclusive, ISO), or None. Its "windows" ([{"from", "to"}]) replace the day's; [] is after hours all day."""
    text = day.isoformat()
    return next((e for e in exceptions or () if e["from"] <= text <= e.get("to", e["from"])), None)


def office_intervals(
    windows, start: dt.datetime, end: dt.datetime, exceptions=()
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The office-hours intervals overlapping [start, end), in UTC; Dutch holidays have none, and a
    day with an exception has the exception's hours instead of its weekday's."""
    windows = DEFAULT_OFFICE_HOURS if windows is None else windows
    day = start.astimezone(AMSTERDAM).date() - dt.timedelta(days=1)
    last = end.astimezone(AMSTERDAM).date()
    out = []
    while day <= last:
        if not is_holiday(day):
            exception = exception_on(exceptions, day)
            todays = (
                exception["windows"] if exception is not None else [w for w in windows if day.isoweekday() in w["days"]]
            )
            for w in todays:
                a = to_utc(dt.datetime.combine(day, clock(w["from"])))
                b = to_utc(
                    dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=int(w["to"][:2]), minutes=int(w["to"][3:]))
                )  # "24:00" is the next midnight
                if a < end and b > start:
                    out.append((max(a, start), min(b, end)))
        day += dt.timedelta(days=1)
    return sorted(out)


def office_test(windows, exceptions=()) -> Callable[[dt.datetime], bool]:
    """`in_office` for many moments (the national figures classify a year of requests): each moment
    read as local weekday, date and "HH:MM" against the day's windows, without laying out intervals.
    Windows never cross midnight ("24:00" is the day's end), so the local clock decides alone."""
    windows = DEFAULT_OFFICE_HOURS if windows is None else windows

    def test(moment: dt.datetime) -> bool:
        here = moment.astimezone(AMSTERDAM)
        day = here.date()
        if is_holiday(day):
            return False
        exception = exception_on(exceptions, day)
        todays = (
            exception["windows"] if exception is not None else [w for w in windows if here.isoweekday() in w["days"]]
        )
        now_clock = here.strftime("%H:%M")
        return any(w["from"] <= now_clock < w["to"] for w in todays)

    return test


def in_office(windows, moment: dt.datetime, exceptions=()) -> bool:
    return any(
        a <= moment < b for a, b in office_intervals(windows, moment, moment + dt.timedelta(seconds=1), exceptions)
    )


def after_hours_gaps(segments, office) -> list[Segment]:
    """The parts of the nobody-on-duty segments that fall outside the office-hours intervals."""
    gaps: list[Segment] = []
    for seg in segments:
        if seg.user_id is not None:
            continue
        pieces = [(seg.start, seg.end)]
        for a, b in office:
            pieces = [p for lo, hi in pieces for p in ((lo, min(hi, a)), (max(lo, b), hi)) if p[0] < p[1]]
        for lo, hi in pieces:
            if gaps and gaps[-1].end == lo:
                gaps[-1] = gaps[-1]._replace(end=hi)
            else:
                gaps.append(Segment(lo, hi, None, None))
    return gaps


# --- the week view -------------------------------------------------------------------------------


class Entry(NamedTuple):
    """One line of a day in the week view: local start and end (clipped to the day), who, and why."""

    start: dt.datetime
    end: dt.datetime
    user_id: int | None
    kind: str  # a Segment's source, "gap" (nobody, after hours) or "office" (nobody, office hours)


def days_view(segments, gaps, first_day: dt.date, days: int = 14) -> list[tuple[dt.date, list[Entry]]]:
    """The schedule as a list per local day: each segment cut at local midnights, the nobody-on-duty
    parts split into gaps (after hours) and office hours. Times stay UTC-aware; a day over a
    daylight-saving change is 23 or 25 hours long."""
    entries: list[Entry] = []
    for seg in segments:
        if seg.user_id is not None:
            entries.append(Entry(seg.start, seg.end, seg.user_id, seg.source))
            continue
        pieces = [(seg.start, seg.end, "office")]
        for gap in gaps:
            cut = []
            for lo, hi, kind in pieces:
                if kind == "office" and gap.start < hi and lo < gap.end:
                    a, b = max(lo, gap.start), min(hi, gap.end)
                    cut += [p for p in ((lo, a, "office"), (a, b, "gap"), (b, hi, "office")) if p[0] < p[1]]
                else:
                    cut.append((lo, hi, kind))
            pieces = cut
        entries += [Entry(lo, hi, None, kind) for lo, hi, kind in pieces]
    out = []
    for n in range(days):
        day = first_day + dt.timedelta(days=n)
        lo = to_utc(dt.datetime.combine(day, dt.time()))
        hi = to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        out.append(
            (
                day,
                [
                    e._replace(start=max(e.start, lo), end=min(e.end, hi))
                    for e in entries
                    if e.start < hi and lo < e.end
                ],
            )
        )
    return out
