"""Freshness per shelter and the reminder SMS: one click (who may, to whom, once an hour) and the
worker's daily reminder to stale shelters in local daytime."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from accounts import service as accounts
from audit.models import AuditEntry
from beds.models import BedPool, Shelter
from errors import Forbidden, NotFound, ValidationError
from extensions import db
from national import freshness
from notify.models import NotificationAttempt

UTC = dt.UTC
CFG = {"FRESH_HOURS": 2, "STALE_HOURS": 8, "PUBLIC_BASE_URL": "https://piket.test"}


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def attempts():
    return db.session.scalars(select(NotificationAttempt).order_by(NotificationAttempt.id)).all()


def audits():
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shelter.freshness_reminder")).all()


@pytest.fixture
def staff(registry, now):
    """Vrouwenopvang Amsterdam (no intake number): two staff with a phone, one without, one inactive."""
    ams = registry["shelters"]["ams-vo"]

    def make(email, phone, active=True):
        user = accounts.create_user(
            now, email=email, password="correct-horse-1", role="shelter_staff", phone=phone, shelter_ids=[ams.id]
        )
        user.active = active
        db.session.commit()
        return user

    return {
        "a": make("a@vo.nl", "+31611111111"),
        "b": make("b@vo.nl", "+31622222222"),
        "no_phone": make("c@vo.nl", None),
        "gone": make("d@vo.nl", "+31633333333", active=False),
    }


@pytest.fixture
def never(registry):
    """A shelter whose pool nobody ever confirmed."""
    r = registry["regions"]["den-haag"]
    shelter = Shelter(
        key="DH-NEW",
        name="Nieuwe opvang Den Haag",
        type="omp",
        region=r,
        municipality="Den Haag",
        lat=52.07,
        lon=4.3,
        intake="24/7",
        genders=["male"],
        residence=["lawful"],
        exploitation=["labour"],
        excludes=[],
        intake_phone="070 123 4567",
        pools=[BedPool(key="bed", kind="bed", capacity=3, occupied=0, confirmed_at=None)],
    )
    db.session.add(shelter)
    db.session.commit()
    return shelter


# --- the table --------------------------------------------------------------------------------------


def test_table_stalest_first_with_ages(registry, never, now):
    # At NOW (Sunday 02:30 local): COSM and Mannenopvang Rotterdam confirmed 30 min ago (fresh), Noodbed
    # Den Haag 3 h ago (aging, between 2 and 8), Vrouwenopvang Amsterdam 9 h ago (stale), the new one never.
    table = freshness.table(now, CFG)
    assert table.key == "freshness"
    assert [(r["shelter"], r["age_hours"], r["freshness_code"], r["freshness"]) for r in table.rows] == [
        ("Nieuwe opvang Den Haag", None, "stale", "verouderd"),
        ("Vrouwenopvang Amsterdam", 9.0, "stale", "verouderd"),
        ("Noodbed Den Haag", 3.0, "aging", "verouderend"),
        ("COSM Rotterdam", 0.5, "fresh", "actueel"),  # equal ages: by name
        ("Mannenopvang Rotterdam", 0.5, "fresh", "actueel"),
    ]
    ams = table.rows[1]
    assert (ams["organisation"], ams["region"], ams["type"]) == ("Stichting Demo", "Amsterdam", "vrouwenopvang")
    assert ams["last_confirmed"] == "za\u00a021\u00a0nov\u00a017:30" and ams["last_reminded"] == "—"  # 16:30 UTC, CET
    assert ams["shelter_id"] == registry["shelters"]["ams-vo"].id
    assert table.rows[0]["last_confirmed"] == "—" and table.rows[0]["has_phone"] is True
    assert table.rows[2]["has_phone"] is False  # Noodbed Den Haag: no intake number, no staff


def test_table_shows_the_last_reminder_and_filters_regions(registry, staff, users, now):
    freshness.remind(now, registry["shelters"]["ams-vo"].id, users["comensha"], CFG)
    later = now + dt.timedelta(hours=2)
    freshness.remind(later, registry["shelters"]["ams-vo"].id, users["comensha"], CFG)
    rows = freshness.table(later, CFG, region_ids={registry["regions"]["amsterdam"].id}).rows
    assert [r["shelter"] for r in rows] == ["Vrouwenopvang Amsterdam"]
    assert rows[0]["last_reminded"] == "zo\u00a022\u00a0nov\u00a004:30"  # the later one, in local time


# --- the one-click reminder -------------------------------------------------------------------------


def test_remind_sends_an_sms_to_each_staff_member_with_a_phone(registry, staff, users, now):
    ams = registry["shelters"]["ams-vo"]
    assert freshness.remind(now, ams.id, users["comensha"], CFG) == 2
    sent = attempts()
    assert [(a.to_number, a.user_id, a.channel, a.purpose, a.status) for a in sent] == [
        ("+31611111111", staff["a"].id, "sms", "freshness_reminder", "pending"),
        ("+31622222222", staff["b"].id, "sms", "freshness_reminder", "pending"),
    ]
    assert sent[0].body == (
        "Piket: de vrije plaatsen van Vrouwenopvang Amsterdam zijn 9 uur niet bijgewerkt. "
        "Werk ze bij op https://piket.test/opvang"
    )
    assert all(a.dedupe_key.startswith(f"fresh:{ams.id:08d}:") for a in sent)
    [entry] = audits()
    assert (entry.entity_id, entry.actor_id, entry.after) == (str(ams.id), users["comensha"].id, {"messages": 2})


def test_without_staff_phones_the_intake_number_gets_the_beds_sms(registry, users, now):
    cosm = registry["shelters"]["rot-cosm"]  # its staff member has no phone; intake +31101234567
    assert freshness.remind(now, cosm.id, users["coordinator"], CFG) == 1  # a coordinator of Rotterdam
    [sent] = attempts()
    assert (sent.to_number, sent.user_id) == ("+31101234567", None)
    assert "Antwoord BEDDEN" in sent.body and "COSM Rotterdam zijn 0 uur" in sent.body


def test_a_long_silence_is_told_in_days(registry, staff, users, now):
    for pool in registry["shelters"]["ams-vo"].pools:
        pool.confirmed_at = now - dt.timedelta(hours=75)
    db.session.commit()
    freshness.remind(now, registry["shelters"]["ams-vo"].id, users["admin"], CFG)
    assert "zijn 3 dagen niet bijgewerkt" in attempts()[0].body


def test_a_shelter_never_confirmed(never, users, now):
    assert freshness.remind(now, never.id, users["admin"], CFG) == 1
    assert "nog nooit bijgewerkt" in attempts()[0].body and attempts()[0].to_number == "+31701234567"


@pytest.mark.parametrize("role", ["police", "shelter_staff", "coordinator"])
def test_others_may_not_remind(registry, staff, users, now, role):
    # The coordinator is Rotterdam's; Vrouwenopvang Amsterdam is not theirs. The staff member is COSM's.
    with pytest.raises(Forbidden) as err:
        freshness.remind(now, registry["shelters"]["ams-vo"].id, users[role], CFG)
    assert err.value.field == "shelter_id"
    assert attempts() == [] and audits() == []


def test_an_unknown_or_closed_shelter_is_not_found(registry, users, now):
    registry["shelters"]["rot-mo"].active = False
    db.session.commit()
    for shelter_id in (registry["shelters"]["rot-mo"].id, 9999):
        with pytest.raises(NotFound):
            freshness.remind(now, shelter_id, users["admin"], CFG)


def test_a_second_click_within_the_hour_queues_nothing(registry, staff, users, now):
    ams = registry["shelters"]["ams-vo"].id
    clicked = utc(2026, 11, 22, 9, 50)
    assert freshness.remind(clicked, ams, users["comensha"], CFG) == 2
    assert freshness.remind(clicked + dt.timedelta(minutes=5), ams, users["admin"], CFG) == 0
    assert freshness.remind(clicked + dt.timedelta(minutes=20), ams, users["comensha"], CFG) == 0  # next clock hour too
    assert len(attempts()) == 2 and len(audits()) == 1
    assert freshness.remind(clicked + dt.timedelta(minutes=61), ams, users["comensha"], CFG) == 2
    assert len(attempts()) == 4


def test_no_phone_at_all_is_a_validation_error_and_stores_nothing(registry, users, now):
    with pytest.raises(ValidationError) as err:
        freshness.remind(now, registry["shelters"]["dh-nood"].id, users["comensha"], CFG)
    assert err.value.status == 422 and err.value.field == "shelter_id" and "geen telefoonnummer" in err.value.message
    assert attempts() == [] and audits() == []


# --- the worker's daily reminder --------------------------------------------------------------------


@pytest.fixture
def stale_setup(registry, staff, never):
    """Stale: Vrouwenopvang Amsterdam (staff phones), the never-confirmed one (intake number), and
    Noodbed Den Haag (no phone at all: skipped). Confirmed "just now" for the others by the test."""
    db.session.commit()
    return registry["shelters"]


def confirm(shelter, at):
    for pool in shelter.pools:
        pool.confirmed_at = at
    db.session.commit()


def stale_world(shelters, moment):
    """Make Rotterdam's two shelters fresh at `moment`, Amsterdam's and Den Haag's stale."""
    for key in ("rot-cosm", "rot-mo"):
        confirm(shelters[key], moment - dt.timedelta(minutes=10))
    for key in ("ams-vo", "dh-nood"):
        confirm(shelters[key], moment - dt.timedelta(hours=20))


@pytest.mark.parametrize("day, offset", [(dt.date(2026, 12, 15), 1), (dt.date(2027, 6, 15), 2)])  # CET, CEST
def test_remind_stale_only_in_local_daytime(stale_setup, day, offset):
    def local_time(hour, minute=0):
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC) - dt.timedelta(hours=offset)

    stale_world(stale_setup, local_time(8, 0))
    assert freshness.remind_stale(local_time(8, 59), CFG) == 0
    assert freshness.remind_stale(local_time(20, 0), CFG) == 0
    assert attempts() == []
    # 09:00 local: Amsterdam's two staff + the never-confirmed shelter's intake number; Den Haag has no phone.
    assert freshness.remind_stale(local_time(9, 0), CFG) == 3
    assert sorted(a.to_number for a in attempts()) == ["+31611111111", "+31622222222", "+31701234567"]
    assert all(a.dedupe_key.split(":")[2] == f"d{day:%Y%m%d}" for a in attempts())
    assert {e.actor for e in audits()} == {"system"} and len(audits()) == 2


def test_remind_stale_once_per_local_day(stale_setup):
    morning = utc(2026, 12, 15, 8, 0)  # 09:00 CET
    stale_world(stale_setup, morning)
    assert freshness.remind_stale(morning, CFG) == 3
    assert freshness.remind_stale(morning + dt.timedelta(hours=3), CFG) == 0
    # 19:59 local, same day: only COSM Rotterdam (confirmed 08:50 local, stale after 8 h) is new: its intake number.
    assert freshness.remind_stale(utc(2026, 12, 15, 18, 59), CFG) == 1
    assert attempts()[-1].to_number == "+31101234567"
    assert freshness.remind_stale(morning + dt.timedelta(days=1), CFG) == 4  # the next day, all still stale
    assert len(attempts()) == 8


def test_remind_stale_skips_fresh_and_just_clicked_shelters(stale_setup, users):
    morning = utc(2026, 12, 15, 9, 0)  # 10:00 CET
    stale_world(stale_setup, morning)
    freshness.remind(morning - dt.timedelta(minutes=30), stale_setup["ams-vo"].id, users["comensha"], CFG)
    assert freshness.remind_stale(morning, CFG) == 1  # only the never-confirmed one; Amsterdam was just reminded
    confirm(stale_setup["ams-vo"], morning + dt.timedelta(hours=1))  # they updated: fresh, no daily reminder
    assert freshness.remind_stale(morning + dt.timedelta(hours=2), CFG) == 0
    assert db.session.scalar(select(func.count()).select_from(NotificationAttempt)) == 3  # 2 clicked + 1 daily
