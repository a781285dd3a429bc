"""Would a page go to nobody (piket/readiness.py)? After the demo nothing; every hole it must find,
it names: a gap in a rota, a missing rota, an office-hours queue without a coordinator, a person on
duty without a verified phone; and a back-up region's primary fills a back-up gap."""

import datetime as dt

from sqlalchemy import select

from accounts import service as accounts
from beds import demo as beds_demo
from beds.models import Region
from extensions import db
from piket import demo, readiness
from piket.models import EscalationPolicy
from piket.rotas import service as rotas
from piket.rotas.models import Rota, RotaRotation

MONDAY_0230 = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # office hours (09:00-17:00) within 24 hours


def load(now):
    beds_demo.load(now)
    demo.load(now)
    db.session.commit()


def region(code) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def end_rotation(rota, day):
    rotation = db.session.scalar(select(RotaRotation).where(RotaRotation.rota_id == rota.id))
    rotation.until_date = day
    db.session.commit()


def messages(findings):
    return [f"{f.subject}: {f.message}" for f in findings]


def test_a_gap_in_a_back_up_rota_is_named_with_its_time(app, now):
    load(now)
    utrecht = region("utrecht")
    end_rotation(rotas.rota_for(utrecht.id, "backup"), (now - dt.timedelta(days=1)).date())
    found = readiness.paging_findings(now)
    assert len(found) == 1, messages(found)
    assert found[0].region_id == utrecht.id and found[0].severity == readiness.Severity.PROBLEM
    # The last shift started yesterday 09:00 and ended today 09:00 (local): nobody from then on.
    assert "Piket achtervang Utrecht heeft niemand ingeroosterd van" in found[0].message
    assert "zo\u00a022\u00a0nov\u00a009:00" in found[0].message


def test_a_back_up_region_fills_the_gap(app, now):
    load(now)
    utrecht = region("utrecht")
    end_rotation(rotas.rota_for(utrecht.id, "backup"), (now - dt.timedelta(days=1)).date())
    policy = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.region_id == utrecht.id))
    policy.backup_region_id = region("amersfoort").id
    db.session.commit()
    assert readiness.paging_findings(now) == []


def test_a_missing_national_rota_is_told_once_not_once_per_region(app, now):
    load(now)
    db.session.delete(db.session.scalar(select(Rota).where(Rota.level == "national")))
    db.session.commit()
    found = readiness.paging_findings(now)
    assert messages(found) == [
        "landelijk: Piket nationaal bestaat niet: de oproepen op die stap van de ladder gaan naar niemand."
    ]


def test_the_office_hours_queue_needs_a_coordinator_with_a_verified_phone(app, now):
    load(now)
    assert readiness.paging_findings(now) == []  # Sunday: no office hours within 24 hours
    coordinator = accounts.user_by_email(demo.COORDINATOR)
    coordinator.phone_verified_at = None
    db.session.commit()
    found = messages(readiness.paging_findings(MONDAY_0230))
    assert any(m.startswith("Rotterdam: Een oproep aan de regio tijdens kantooruren") for m in found), found
    # ... and the same person, on duty in every primary rota, is named once per rota, not per step.
    on_duty = [m for m in found if "zonder geverifieerd telefoonnummer" in m]
    assert len(on_duty) == len(db.session.scalars(select(Rota).where(Rota.level == "primary")).all())


def test_no_false_gap_across_the_daylight_saving_changes(app):
    autumn, spring = dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC), dt.datetime(2027, 3, 27, 12, tzinfo=dt.UTC)
    load(autumn - dt.timedelta(days=3))  # the demo's rotations start then and run on
    for moment in (autumn, spring):  # the next 24 hours hold the change: a 25-hour and a 23-hour shift
        assert readiness.paging_findings(moment) == [], moment


def test_a_coordinator_sees_what_concerns_their_regions_and_the_country(app, now, make_user):
    load(now)
    for code in ("utrecht", "rotterdam"):
        end_rotation(rotas.rota_for(region(code).id, "backup"), (now - dt.timedelta(days=1)).date())
    found = readiness.paging_findings(now)
    assert len(found) == 2
    coordinator = make_user("coordinator", regions=["rotterdam"])
    assert [f.subject for f in readiness.visible_to(coordinator, found)] == ["Rotterdam"]
    admin = accounts.user_by_email(demo.OWNER)
    assert readiness.visible_to(admin, found) == found


def test_the_rota_list_warns_when_a_page_would_go_to_nobody(app, now, client, login):
    load(now)
    admin = accounts.user_by_email(demo.OWNER)
    db.session.commit()
    page = login(admin, beds_demo.PASSWORD).get("/piket/roosters").get_data(as_text=True)
    assert 'id="paged-to-nobody"' not in page
    end_rotation(rotas.rota_for(region("utrecht").id, "backup"), (now - dt.timedelta(days=1)).date())
    page = client.get("/piket/roosters").get_data(as_text=True)
    assert 'id="paged-to-nobody"' in page and "Piket achtervang Utrecht heeft niemand ingeroosterd" in page
