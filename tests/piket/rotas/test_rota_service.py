"""Who is on duty, rotas and rotations, overrides and who may make them, gaps."""

import datetime as dt

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from errors import Forbidden, ValidationError
from extensions import db
from piket.rotas import service
from piket.rotas.models import RotaOverride
from tests.piket.rotas.conftest import at


def test_on_duty_follows_the_layers(rota, people, rotation, shift, users):
    rotation(rota, [people["a"]], dt.date(2026, 11, 1))
    shift(rota, people["b"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    region = rota.region_id
    assert service.on_duty(at(2026, 11, 24, 12), region, "primary").id == people["a"].id
    assert service.on_duty(at(2026, 11, 24, 20), region, "primary").id == people["b"].id
    service.add_override(
        at(2026, 11, 24, 12),
        rota.id,
        {"user": people["c"].email, "start": "2026-11-24 22:00", "end": "2026-11-25 02:00", "reason": "ziek"},
        users["admin"],
    )
    assert service.on_duty(at(2026, 11, 24, 23), region, "primary").id == people["c"].id
    assert service.on_duty(at(2026, 11, 25, 3), region, "primary").id == people["b"].id
    assert service.on_duty(at(2026, 11, 24, 20), region, "backup") is None  # no backup rota
    assert service.on_duty(at(2026, 11, 24, 20), region + 100, "primary") is None  # a region without rotas


def test_on_duty_all_levels(make_rota, people, shift):
    primary, backup, national = make_rota("primary"), make_rota("backup"), make_rota("national")
    shift(primary, people["a"], at(2026, 12, 24, 17), at(2026, 12, 25, 9))
    shift(backup, people["b"], at(2026, 12, 24, 17), at(2026, 12, 25, 9))
    shift(national, people["landelijk"], at(2026, 12, 24, 9), at(2026, 12, 31, 9))
    found = service.on_duty_all(at(2026, 12, 24, 23), primary.region_id)
    assert {k: v.email for k, v in found.items()} == {
        "primary": "anna@test.nl",
        "backup": "bram@test.nl",
        "national": "landelijk@test.nl",
    }
    later = service.on_duty_all(at(2026, 12, 25, 10), primary.region_id)
    assert later["primary"] is None and later["backup"] is None and later["national"].email == "landelijk@test.nl"


def test_create_rota_and_rotation(registry, people, users, now):
    rota = service.create_rota(
        now, {"region": "rotterdam", "level": "backup", "owner": people["a"].email}, users["admin"]
    )
    assert rota.name == "Piket achtervang Rotterdam" and rota.owner_id == people["a"].id
    with pytest.raises(ValidationError) as err:
        service.create_rota(now, {"region": "rotterdam", "level": "backup", "owner": people["a"].email}, users["admin"])
    assert err.value.field == "level"
    with pytest.raises(ValidationError) as err:
        service.create_rota(now, {"region": "", "level": "primary", "owner": people["a"].email}, users["admin"])
    assert err.value.field == "region"
    national = service.create_rota(
        now, {"region": "", "level": "national", "owner": users["comensha"].email}, users["admin"]
    )
    assert national.region_id is None
    with pytest.raises(ValidationError):
        service.create_rota(now, {"region": "", "level": "national", "owner": users["comensha"].email}, users["admin"])

    service.add_rotation(
        now,
        rota.id,
        {
            "start_date": "2026-11-23",
            "handover": "09:00",
            "shift_hours": "24",
            "days": ["1", "2", "3", "4", "5", "6", "7"],
            "people": "anna@test.nl, bram@test.nl",
        },
        users["admin"],
    )
    assert service.on_duty(at(2026, 11, 23, 10), rota.region_id, "backup").email == "anna@test.nl"
    assert service.on_duty(at(2026, 11, 24, 10), rota.region_id, "backup").email == "bram@test.nl"
    with pytest.raises(ValidationError) as err:
        service.add_rotation(
            now,
            rota.id,
            {
                "start_date": "2026-11-23",
                "handover": "09:00",
                "shift_hours": "24",
                "days": ["1"],
                "people": "anna@test.nl, agent@test.nl",
            },
            users["admin"],
        )
    assert err.value.field == "people[1]"
    with pytest.raises(Forbidden):
        service.add_rotation(now, rota.id, {}, people["a"])
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "rota")).all()
    assert actions.count("rota.create") == 2 and actions.count("rota.rotation_add") == 1


def test_the_person_on_duty_may_hand_over_their_own_slot(rota, people, shift, now):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    data = {"user": str(people["b"].id), "start": "2026-11-24 20:00", "end": "2026-11-25 09:00"}
    service.add_override(now, rota.id, data, people["a"])
    assert service.on_duty(at(2026, 11, 24, 21), rota.region_id, "primary").id == people["b"].id
    # Someone else's slot, or a stretch that is only partly theirs: refused.
    with pytest.raises(Forbidden):
        service.add_override(
            now,
            rota.id,
            {"user": people["a"].email, "start": "2026-11-24 21:00", "end": "2026-11-24 23:00"},
            people["c"],
        )
    with pytest.raises(Forbidden):
        service.add_override(
            now,
            rota.id,
            {"user": people["c"].email, "start": "2026-11-24 15:00", "end": "2026-11-24 19:00"},
            people["a"],
        )
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rota.override_add")).actor == "anna@test.nl"


def test_the_owner_may_swap_any_slot(make_rota, people, shift, now):
    rota = make_rota(owner=people["c"])
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    service.add_override(
        now, rota.id, {"user": people["b"].email, "start": "2026-11-24 17:00", "end": "2026-11-25 09:00"}, people["c"]
    )
    assert service.on_duty(at(2026, 11, 24, 18), rota.region_id, "primary").id == people["b"].id


@pytest.mark.parametrize(
    "data,field",
    [
        ({"user": "anna@test.nl", "start": "2026-11-24 20:00", "end": "2026-11-24 19:00"}, "end"),
        ({"user": "anna@test.nl", "start": "2026-11-20 20:00", "end": "2026-11-21 08:00"}, "end"),  # in the past
        ({"user": "anna@test.nl", "start": "2027-03-28 02:15", "end": "2027-03-28 09:00"}, "start"),  # does not exist
        ({"user": "geentelefoon@test.nl", "start": "2026-11-24 20:00", "end": "2026-11-25 08:00"}, "user"),
        ({"user": "agent@test.nl", "start": "2026-11-24 20:00", "end": "2026-11-25 08:00"}, "user"),
        ({"user": "", "start": "2026-11-24 20:00", "end": "2026-11-25 08:00"}, "user"),
        ({"user": "anna@test.nl", "start": "", "end": "2026-11-25 08:00"}, "start"),
    ],
)
def test_override_validation_names_the_field(rota, people, users, now, data, field):
    with pytest.raises(ValidationError) as err:
        service.add_override(now, rota.id, data, users["admin"])
    assert err.value.field == field
    assert db.session.scalar(select(RotaOverride)) is None


def test_gaps_are_after_hours_without_duty(rota, people, shift, rotation):
    # Mon 23 Nov 2026: duty every weekday night 17:00-09:00, none in the weekend.
    rotation(
        rota, [people["a"], people["b"]], dt.date(2026, 11, 23), handover="17:00", shift_hours=16, days=(1, 2, 3, 4)
    )
    now = at(2026, 11, 23, 12)
    found = service.gaps(now, rota, days=14)
    first = found[0]
    # Friday 17:00 to Monday 09:00 is the first gap (Mon-Thu nights are covered, days are office hours).
    assert (first.start, first.end) == (at(2026, 11, 27, 17), at(2026, 11, 30, 9))
    assert all(g.user_id is None for g in found)
    assert len(found) == 2 and found[1].start == at(2026, 12, 4, 17)
    # A Friday-night shift and a weekend override shrink the gap.
    shift(rota, people["c"], at(2026, 11, 27, 17), at(2026, 11, 28, 9))
    found = service.gaps(now, rota, days=14)
    assert (found[0].start, found[0].end) == (at(2026, 11, 28, 9), at(2026, 11, 30, 9))


def test_a_holiday_in_the_week_is_a_gap_by_day(rota, people, rotation):
    # Nights covered all week, days are office hours, except Christmas Friday 25 Dec 2026 (a holiday).
    rotation(rota, [people["a"]], dt.date(2026, 12, 1), handover="17:00", shift_hours=16, days=(1, 2, 3, 4, 5, 6, 7))
    found = service.gaps(at(2026, 12, 21, 12), rota, days=7)
    assert [(g.start, g.end) for g in found] == [
        (at(2026, 12, 25, 9), at(2026, 12, 25, 17)),
        (at(2026, 12, 26, 9), at(2026, 12, 26, 17)),  # Boxing Day, Saturday
        (at(2026, 12, 27, 9), at(2026, 12, 27, 17)),
    ]
