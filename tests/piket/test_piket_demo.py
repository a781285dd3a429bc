"""The piket's demo data (piket/demo.py): after `flask --app app demo` a request in any care region
pages the demo coordinator, at any hour, then the demo back-up and the demo national piket, so the
whole ladder can be walked by hand; and no step of any ladder pages nobody (piket/readiness.py)."""

import datetime as dt

from sqlalchemy import func, select

from accounts import service as accounts
from beds import demo as beds_demo
from beds.models import Region
from extensions import db
from piket import demo, readiness, service
from piket.rotas import service as rotas
from piket.rotas.models import Rota, RotaRotation
from tests.conftest import case_body, sent_to


def load(now):
    beds_demo.load(now)
    return demo.load(now)


def care_regions():
    return db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.id)).all()


def test_the_demo_coordinator_is_on_duty_in_every_care_region_around_the_clock(app, now):
    counts = load(now)
    regions = care_regions()
    assert counts == {"piket_people": 2, "phones": 5, "rotas": 2 * len(regions) + 1, "ladders": len(regions) - 1}
    assert len(regions) >= 25
    coordinator = accounts.user_by_email(demo.COORDINATOR)
    assert coordinator.phone == demo.PHONES[demo.COORDINATOR]
    assert accounts.user_by_email(demo.POLICE).phone == demo.PHONES[demo.POLICE]
    # Now (Sunday 02:30), at the 09:00 hand-over and just before it, on a weekday, and past the spring DST change.
    local_0900 = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
    moments = [
        now,
        local_0900 - dt.timedelta(seconds=1),
        local_0900,
        now + dt.timedelta(days=2, hours=12),
        dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC),
        now + dt.timedelta(days=300),
    ]
    for region in regions:
        rota = rotas.rota_for(region.id, "primary")
        assert rota is not None, region.code
        for moment in moments:
            assert rotas.on_duty_in(rota, moment).id == coordinator.id, (region.code, moment)
        assert rotas.gaps(now, rota) == []  # nobody is texted about a hole in the demo rota
    # The back-up and national rotas have people of their own: a later step never pages the same person again.
    backup, national = accounts.user_by_email(demo.BACKUP), accounts.user_by_email(demo.NATIONAL)
    for region in regions:
        assert rotas.on_duty(now, region.id, "backup").id == backup.id
        assert region.dial_code is not None  # the national number's menu reaches every care region
    assert rotas.on_duty(now, None, "national").id == national.id
    # Every demo phone is verified, the admin's too (the alarms go there).
    for email, phone in demo.PHONES.items():
        user = accounts.user_by_email(email)
        assert user.phone == phone and user.phone_verified_at is not None, email
    assert readiness.paging_findings(now) == []


def test_loading_again_adds_nothing_and_keeps_what_people_changed(app, now):
    load(now)
    coordinator = accounts.user_by_email(demo.COORDINATOR)
    coordinator.phone = "+31611112222"
    rotterdam = db.session.scalar(select(Region).where(Region.code == "rotterdam"))
    db.session.delete(db.session.scalar(select(RotaRotation).join(Rota).where(Rota.region_id == rotterdam.id)))
    db.session.commit()
    rotations = db.session.scalar(select(func.count()).select_from(RotaRotation))
    assert load(now) == {"piket_people": 0, "phones": 0, "rotas": 0, "ladders": 0}
    db.session.expire_all()
    assert accounts.user_by_email(demo.COORDINATOR).phone == "+31611112222"
    assert (
        db.session.scalar(select(func.count()).select_from(RotaRotation)) == rotations
    )  # Rotterdam's rota left as it was
    assert db.session.scalar(select(func.count()).select_from(Rota)) == 2 * len(care_regions()) + 1


def test_a_night_request_in_a_demo_region_pages_the_demo_coordinator(app, now, tick, fake):
    load(now)
    police = accounts.user_by_email(demo.POLICE)
    body = case_body(found={"region": "utrecht"}, callback_phone=police.phone)
    service.create_case(now, service.parse_case(body, police), police)
    tick(now)
    phone = demo.PHONES[demo.COORDINATOR]
    # One page for the case, about both groups: one SMS and one call, not one per group.
    assert len(sent_to(fake, phone, "sms")) == 1 and len(sent_to(fake, phone, "call")) == 1
    assert "zaak met 2 groepen" in sent_to(fake, phone, "sms")[0]["body"]
    assert all("/a/" in m["body"] for m in sent_to(fake, phone, "sms"))


def test_the_demo_command_loads_the_rotas_and_says_who_is_on_duty(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert demo.COORDINATOR in result.output and demo.PHONES[demo.COORDINATOR] in result.output
    assert db.session.scalar(select(func.count()).select_from(Rota)) == 2 * len(care_regions()) + 1


def test_every_care_region_has_a_dial_code_for_the_national_number(app, now):
    """The caller keys the region's number on the national piket number: the demo gives each one."""
    from piket import hotline

    load(now)
    codes = [r.dial_code for r in care_regions()]
    assert None not in codes and len(set(codes)) == len(codes)
    assert hotline.region_from_answer("12#", None).code == "rotterdam"


def test_a_demo_loaded_before_dial_codes_gets_them_and_keeps_one_set_by_hand(app, now):
    load(now)
    regions = care_regions()
    for region in regions:
        region.dial_code = None
    regions[0].dial_code = 999
    db.session.commit()
    load(now)
    db.session.expire_all()
    codes = [r.dial_code for r in care_regions()]
    assert codes[0] == 999 and None not in codes


def test_a_night_request_that_nobody_answers_walks_the_whole_demo_ladder(app, now, tick, fake):
    load(now)
    police = accounts.user_by_email(demo.POLICE)
    body = case_body(found={"region": "utrecht"}, callback_phone=police.phone)
    service.create_case(now, service.parse_case(body, police), police)
    for minute in (0, 10, 20, 30):
        tick(now + dt.timedelta(minutes=minute))
    for email in (demo.COORDINATOR, demo.BACKUP, demo.NATIONAL, demo.OWNER):
        assert sent_to(fake, demo.PHONES[email], "sms"), email  # primary, back-up, national, then the admin's alarm
