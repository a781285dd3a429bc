"""Changing a rota from now on: shifts, rotations and swaps edited and removed, the past kept as it
was, the import's overlap and daylight-saving checks, every change audited and in effect at once."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from errors import Forbidden, NotFound, ValidationError
from extensions import db
from piket.rotas import service
from piket.rotas.models import RotaOverride, RotaRotation, RotaShift
from tests.piket.rotas.conftest import at, hours


def audits(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def who(rota, moment):
    person = service.on_duty_in(rota, moment)
    return person.email if person else None


# --- shifts ---------------------------------------------------------------------------------------


def test_a_future_shift_is_changed_audited_and_in_effect_at_once(rota, people, shift, users, now):
    row = shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    assert who(rota, at(2026, 11, 24, 20)) == "anna@test.nl"
    service.update_shift(now, rota.id, row.id, {"user": people["b"].email, "start": "2026-11-24 18:00"}, users["admin"])
    assert who(rota, at(2026, 11, 24, 20)) == "bram@test.nl" and who(rota, at(2026, 11, 24, 17, 30)) is None
    assert row.end == at(2026, 11, 25, 9)  # a field left out stays
    entry = audits("rota.shift_edit")[-1]
    assert entry.before["user_id"] == people["a"].id and entry.after["user_id"] == people["b"].id
    assert entry.before["start"] != entry.after["start"] and entry.actor == users["admin"].email


def test_a_shift_is_added_by_hand_and_removed(rota, people, users, now):
    row = service.add_shift(
        now,
        rota.id,
        {"user": str(people["a"].id), "start": "2026-11-24 17:00", "end": "2026-11-25 09:00"},
        users["admin"],
    )
    assert row.source == "manual" and who(rota, at(2026, 11, 24, 20)) == "anna@test.nl"
    assert service.delete_shift(now, rota.id, row.id, users["admin"]) is None
    assert count(RotaShift) == 0 and who(rota, at(2026, 11, 24, 20)) is None
    assert audits("rota.shift_delete")[-1].before["user_id"] == people["a"].id


def test_a_running_shift_can_only_end_earlier_and_not_before_now(rota, people, shift, users, now):
    row = shift(rota, people["a"], now - dt.timedelta(hours=8), now + dt.timedelta(hours=6))
    start, end = row.start, row.end
    for data, field in (
        ({"start": "2026-11-22 04:00"}, "start"),  # its start is history
        ({"end": "2026-11-22 12:00"}, "end"),  # longer: add something new instead
        ({"end": "2026-11-22 02:00"}, "end"),  # before now (02:30)
        ({"user": people["b"].email}, "user"),  # the rest is handed over with a swap
    ):
        with pytest.raises(ValidationError) as err:
            service.update_shift(now, rota.id, row.id, data, users["admin"])
        assert err.value.field == field
        db.session.rollback()
        db.session.refresh(row)
        assert (row.start, row.end, row.user_id) == (start, end, people["a"].id)  # nothing stored
    service.update_shift(now, rota.id, row.id, {"end": "2026-11-22 06:00"}, users["admin"])
    assert row.start == start and row.end == at(2026, 11, 22, 6)


def test_removing_a_running_shift_ends_it_now_and_a_past_shift_stays(rota, people, shift, users, now):
    running = shift(rota, people["a"], now - dt.timedelta(hours=8), now + dt.timedelta(hours=6))
    past = shift(rota, people["b"], now - dt.timedelta(days=2), now - dt.timedelta(days=1))
    ended = service.delete_shift(now, rota.id, running.id, users["admin"])
    assert ended.id == running.id and ended.end == now and ended.start == now - dt.timedelta(hours=8)
    assert who(rota, now - dt.timedelta(hours=1)) == "anna@test.nl" and who(rota, now) is None
    assert audits("rota.shift_end")[-1].after["end"] == now.isoformat()
    with pytest.raises(ValidationError):
        service.delete_shift(now, rota.id, past.id, users["admin"])
    with pytest.raises(ValidationError) as err:
        service.update_shift(now, rota.id, past.id, {"end": "2026-11-23 09:00"}, users["admin"])
    assert err.value.field == "end"
    db.session.rollback()
    assert count(RotaShift) == 2 and db.session.get(RotaShift, past.id).end == now - dt.timedelta(days=1)


def test_a_new_or_moved_shift_may_not_start_in_the_past(rota, people, shift, users, now):
    row = shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    with pytest.raises(ValidationError) as err:
        service.update_shift(now, rota.id, row.id, {"start": "2026-11-21 17:00"}, users["admin"])
    assert err.value.field == "start"
    with pytest.raises(ValidationError) as err:
        service.add_shift(
            now,
            rota.id,
            {"user": people["b"].email, "start": "2026-11-21 17:00", "end": "2026-11-22 09:00"},
            users["admin"],
        )
    assert err.value.field == "start"


def test_an_overlapping_shift_is_refused_as_by_the_import(rota, people, shift, users, now):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9), source="import")
    other = shift(rota, people["b"], at(2026, 11, 25, 9), at(2026, 11, 25, 17))  # touching is fine
    with pytest.raises(ValidationError) as err:
        service.add_shift(
            now,
            rota.id,
            {"user": people["c"].email, "start": "2026-11-25 08:00", "end": "2026-11-25 10:00"},
            users["admin"],
        )
    assert err.value.field == "start" and "overlapt met de dienst van" in err.value.message
    with pytest.raises(ValidationError) as err:
        service.update_shift(now, rota.id, other.id, {"start": "2026-11-25 08:59"}, users["admin"])
    assert err.value.field == "start"
    db.session.rollback()
    assert count(RotaShift) == 2 and db.session.get(RotaShift, other.id).start == at(2026, 11, 25, 9)
    assert not audits("rota.shift_add") and not audits("rota.shift_edit")


def test_only_the_owner_and_admins_change_shifts(rota, people, shift, users, now):
    row = shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    for actor in (people["a"], users["comensha"]):
        with pytest.raises(Forbidden):
            service.update_shift(now, rota.id, row.id, {"end": "2026-11-25 08:00"}, actor)
        with pytest.raises(Forbidden):
            service.delete_shift(now, rota.id, row.id, actor)
    rota.owner_id = people["c"].id
    db.session.commit()
    service.update_shift(now, rota.id, row.id, {"end": "2026-11-25 08:00"}, people["c"])
    assert row.end == at(2026, 11, 25, 8)


def test_a_shift_of_another_rota_is_not_found(make_rota, people, shift, users, now):
    primary, backup = make_rota("primary"), make_rota("backup")
    row = shift(backup, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    with pytest.raises(NotFound):
        service.update_shift(now, primary.id, row.id, {"end": "2026-11-25 08:00"}, users["admin"])


def test_a_person_who_may_not_take_a_duty_is_refused(rota, people, shift, users, now):
    row = shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    for person in ("nophone", "inactive", "police"):
        with pytest.raises(ValidationError) as err:
            service.update_shift(now, rota.id, row.id, {"user": people[person].email}, users["admin"])
        assert err.value.field == "user"
    db.session.rollback()
    assert db.session.get(RotaShift, row.id).user_id == people["a"].id


# --- daylight saving ----------------------------------------------------------------------------------


def test_a_shift_edit_across_the_spring_change_2027(rota, people, shift, users, now):
    row = shift(rota, people["a"], at(2027, 3, 27, 9), at(2027, 3, 28, 9))
    with pytest.raises(ValidationError) as err:  # 02:30 does not exist on 28 March 2027
        service.update_shift(now, rota.id, row.id, {"end": "2027-03-28 02:30"}, users["admin"])
    assert err.value.field == "end" and "bestaat niet" in err.value.message
    db.session.rollback()
    service.update_shift(now, rota.id, row.id, {"start": "2027-03-27 21:00", "end": "2027-03-28 09:00"}, users["admin"])
    assert hours(row) == 11  # 12 hours on the clock, one of them skipped


def test_a_shift_edit_across_the_autumn_change_2026(rota, people, shift, users):
    before = at(2026, 10, 20, 12)  # the service takes `now`: a week before the change
    row = shift(rota, people["a"], at(2026, 10, 24, 21), at(2026, 10, 25, 9))
    with pytest.raises(ValidationError) as err:  # 02:30 happens twice on 25 October 2026
        service.update_shift(before, rota.id, row.id, {"end": "2026-10-25 02:30"}, users["admin"])
    assert err.value.field == "end" and "twee keer" in err.value.message
    db.session.rollback()
    service.update_shift(before, rota.id, row.id, {"end": "2026-10-25T02:30+01:00"}, users["admin"])  # the second
    assert row.end == at(2026, 10, 25, 2, 30, fold=1) and hours(row) == 6.5  # 21:00 to the second 02:30


def test_a_running_rotation_changed_across_the_spring_change(rota, people, rotation, users, now):
    row = rotation(rota, [people["a"], people["b"]], dt.date(2027, 3, 26), handover="09:00")
    later = at(2027, 3, 27, 12)  # the 27th's shift (Bram) runs over the change
    new = service.update_rotation(later, rota.id, row.id, {"handover": "10:00"}, users["admin"])
    assert new.id != row.id and new.start_date == dt.date(2027, 3, 28) and new.handover == "10:00"
    assert row.until_date == dt.date(2027, 3, 27)  # the running shift is kept
    segments = service.plan(rota, at(2027, 3, 26, 9), at(2027, 3, 30, 10))
    assert [(s.start, s.end, s.user_id) for s in segments][:4] == [
        (at(2027, 3, 26, 9), at(2027, 3, 27, 9), people["a"].id),
        (at(2027, 3, 27, 9), at(2027, 3, 28, 9), people["b"].id),  # kept as it was planned
        (at(2027, 3, 28, 9), at(2027, 3, 28, 10), None),  # the later hand-over leaves an hour open: shown as a gap
        (at(2027, 3, 28, 10), at(2027, 3, 29, 10), people["a"].id),  # the new rotation, from its first turn
    ]
    assert hours(segments[1]) == 23  # 24 hours on the clock, one skipped


def test_a_rotation_edit_across_the_autumn_change(rota, people, rotation, users):
    before = at(2026, 10, 20, 12)
    row = rotation(rota, [people["a"]], dt.date(2026, 10, 22), handover="09:00")
    service.update_rotation(before, rota.id, row.id, {"handover": "21:00", "shift_hours": "12"}, users["admin"])
    (seg,) = [s for s in service.plan(rota, at(2026, 10, 24, 21), at(2026, 10, 25, 9)) if s.user_id]
    assert (seg.start, seg.end) == (at(2026, 10, 24, 21), at(2026, 10, 25, 9)) and hours(seg) == 13


# --- rotations ----------------------------------------------------------------------------------------


def test_a_planned_rotation_is_changed_in_place_and_removed(rota, people, rotation, users, now):
    row = rotation(rota, [people["a"]], dt.date(2026, 12, 1))
    same = service.update_rotation(
        now, rota.id, row.id, {"people": [people["b"].email, people["c"].email], "days": [1, 3, 5]}, users["admin"]
    )
    assert same.id == row.id and row.people == [people["b"].id, people["c"].id] and row.days == [1, 3, 5]
    assert audits("rota.rotation_edit")[-1].before["people"] == [people["a"].id]
    with pytest.raises(ValidationError) as err:
        service.update_rotation(now, rota.id, row.id, {"start_date": "2026-11-01"}, users["admin"])
    assert err.value.field == "start_date"
    assert service.delete_rotation(now, rota.id, row.id, users["admin"]) is None
    assert count(RotaRotation) == 0 and audits("rota.rotation_delete")


def test_a_running_rotation_is_ended_and_a_new_one_begins_the_past_stays(rota, people, rotation, users, now):
    row = rotation(rota, [people["a"], people["b"]], dt.date(2026, 11, 1), handover="09:00")
    window = (at(2026, 11, 1), now)
    past = service.plan(rota, *window)
    running = who(rota, now)
    new = service.update_rotation(now, rota.id, row.id, {"people": [people["c"].email]}, users["admin"])
    assert service.plan(rota, *window) == past and who(rota, now) == running  # the past and the running shift stay
    assert row.until_date == dt.date(2026, 11, 21)  # the shift begun Saturday 09:00 runs out
    assert new.start_date == dt.date(2026, 11, 22) and new.people == [people["c"].id]  # from the next hand-over
    assert who(rota, at(2026, 11, 22, 10)) == "cees@test.nl"
    entry = audits("rota.rotation_edit")[-1]
    assert entry.before["until_date"] is None and entry.after["ended"]["until_date"] == "2026-11-21"
    assert service.rotation_state(row, now) == "ended" and service.rotation_state(new, now) == "planned"
    with pytest.raises(ValidationError) as err:  # an explicit date in the past is refused
        service.update_rotation(now, rota.id, new.id, {"start_date": "2026-11-20"}, users["admin"])
    assert err.value.field == "start_date"


def test_changing_only_the_end_of_a_running_rotation_ends_it_there(rota, people, rotation, users, now):
    row = rotation(rota, [people["a"]], dt.date(2026, 11, 1))
    with pytest.raises(ValidationError) as err:
        service.update_rotation(now, rota.id, row.id, {"until_date": "2026-11-10"}, users["admin"])
    assert err.value.field == "until_date"
    assert service.update_rotation(now, rota.id, row.id, {"until_date": "2026-11-30"}, users["admin"]).id == row.id
    assert row.until_date == dt.date(2026, 11, 30) and count(RotaRotation) == 1


def test_removing_a_running_rotation_ends_it(rota, people, rotation, users, now):
    row = rotation(rota, [people["a"]], dt.date(2026, 11, 1))
    assert service.delete_rotation(now, rota.id, row.id, users["admin"]).until_date == dt.date(2026, 11, 21)
    assert who(rota, now) == "anna@test.nl" and who(rota, at(2026, 11, 22, 10)) is None
    with pytest.raises(ValidationError):  # already ended: it stays as it was
        service.delete_rotation(now, rota.id, row.id, users["admin"])


def test_only_admins_change_rotations(rota, people, rotation, now):
    row = rotation(rota, [people["a"]], dt.date(2026, 12, 1))
    rota.owner_id = people["a"].id
    db.session.commit()
    with pytest.raises(Forbidden):
        service.update_rotation(now, rota.id, row.id, {"handover": "10:00"}, people["a"])
    with pytest.raises(Forbidden):
        service.delete_rotation(now, rota.id, row.id, people["a"])


# --- swaps --------------------------------------------------------------------------------------------


def swap(rota, person, start, end, by):
    row = RotaOverride(rota_id=rota.id, user_id=person.id, start=start, end=end, created_by_id=by.id, created_at=start)
    db.session.add(row)
    db.session.commit()
    return row


def test_swaps_are_changed_and_removed_from_now_on(rota, people, shift, users, now):
    shift(rota, people["a"], at(2026, 11, 21, 17), at(2026, 11, 25, 9))
    running = swap(rota, people["b"], now - dt.timedelta(hours=1), now + dt.timedelta(hours=5), users["admin"])
    future = swap(rota, people["b"], at(2026, 11, 23, 17), at(2026, 11, 24, 9), users["admin"])
    past = swap(rota, people["c"], at(2026, 11, 21, 18), at(2026, 11, 21, 20), users["admin"])
    service.update_override(now, rota.id, future.id, {"user": people["c"].email, "reason": "ruil"}, users["admin"])
    assert who(rota, at(2026, 11, 23, 20)) == "cees@test.nl" and future.reason == "ruil"
    with pytest.raises(ValidationError) as err:
        service.update_override(now, rota.id, running.id, {"start": "2026-11-22 03:00"}, users["admin"])
    assert err.value.field == "start"
    with pytest.raises(ValidationError):
        service.update_override(now, rota.id, past.id, {"end": "2026-11-21 19:00"}, users["admin"])
    with pytest.raises(ValidationError):
        service.delete_override(now, rota.id, past.id, users["admin"])
    db.session.rollback()
    assert service.delete_override(now, rota.id, running.id, users["admin"]).end == now
    assert who(rota, now) == "anna@test.nl"
    assert service.delete_override(now, rota.id, future.id, users["admin"]) is None
    assert count(RotaOverride) == 2 and db.session.get(RotaOverride, past.id).end == at(2026, 11, 21, 20)
    assert [
        e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("rota.override_%")))
    ] == [
        "rota.override_edit",
        "rota.override_end",
        "rota.override_delete",
    ]


def test_whoever_entered_a_swap_may_shorten_it_not_stretch_it(rota, people, shift, users, now):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    row = swap(rota, people["b"], at(2026, 11, 24, 17), at(2026, 11, 24, 23), people["a"])
    service.update_override(now, rota.id, row.id, {"end": "2026-11-24 22:00"}, people["a"])
    assert row.end == at(2026, 11, 24, 22)
    with pytest.raises(Forbidden):
        service.update_override(now, rota.id, row.id, {"end": "2026-11-25 08:00"}, people["a"])
    with pytest.raises(Forbidden):  # someone else
        service.delete_override(now, rota.id, row.id, people["c"])
    service.delete_override(now, rota.id, row.id, people["a"])
    assert count(RotaOverride) == 0
