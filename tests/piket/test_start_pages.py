"""The start pages (/): a coordinator's duty, the open requests of their regions and the holds about to
expire; an officer's own open requests. And /aanvragen: newest first, sortable by time, the case reference."""

import datetime as dt
import re

from sqlalchemy import select

from audit.models import AuditEntry
from extensions import db
from piket import service
from tests.conftest import add_shift, case_body, hold_a_place, new_request

MIN = dt.timedelta(minutes=1)


def request_by(user, moment, reference, region="rotterdam"):
    """One request for one man, created at `moment` by `user` (an officer), found in `region`."""
    body = case_body(
        case_reference=reference,
        found={"region": region},
        requests=[{"persons": [{"gender": "male", "age": 40, "residence": "lawful", "exploitation": "labour"}]}],
        apart=[],
    )
    case, _ = service.create_case(moment, service.parse_case(body, user), user)
    return case.requests[0]


def listed(html, table):
    """The case references in a requests table, in the order shown."""
    body = re.search(rf'<table id="{table}".*?</table>', html, re.S).group(0)
    return re.findall(r'<a class="ref" href="/zaak/\d+">([^<]+)</a>', body)


def audit_rows():
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def test_a_coordinator_sees_the_open_requests_of_their_regions_newest_first(client, login, users, make_user, now):
    old = new_request(users, now - 3 * 60 * MIN, case_reference="PL-OUD")
    new = new_request(users, now - 12 * MIN, case_reference="PL-NIEUW")
    elsewhere = request_by(users["police"], now - 5 * MIN, "PL-AMSTERDAM", region="amsterdam")
    closed = new_request(users, now - 60 * MIN, case_reference="PL-INGETROKKEN")
    service.cancel(now - 30 * MIN, closed.id, users["police"])
    db.session.commit()
    html = login(users["coordinator"]).get("/").get_data(as_text=True)
    assert listed(html, "start-requests") == ["PL-NIEUW", "PL-OUD"]  # not Amsterdam's, not the withdrawn one
    row = re.search(rf'<tr id="req-{new.id}".*?</tr>', html, re.S).group(0)
    assert f'href="/zaak/{new.case_id}"' in row and "ontvangen" in row and ">12 min<" in row
    assert ">3 uur<" in re.search(rf'<tr id="req-{old.id}".*?</tr>', html, re.S).group(0)
    assert '<span class="state">ontvangen</span>' in row and ">received<" not in row  # the state in Dutch, not its code
    # A coordinator of Amsterdam sees Amsterdam's request and not Rotterdam's.
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    other = make_user("coordinator", regions=["amsterdam"])
    html = login(other).get("/").get_data(as_text=True)
    assert listed(html, "start-requests") == ["PL-AMSTERDAM"] and elsewhere.case_id


def test_the_start_page_audits_each_listed_case_once_and_writes_nothing_else(client, login, users, now):
    first = new_request(users, now - 20 * MIN, case_reference="PL-1")
    second = new_request(users, now - 10 * MIN, case_reference="PL-2")
    db.session.commit()
    login(users["coordinator"])
    before = len(audit_rows())
    assert client.get("/").status_code == 200
    added = audit_rows()[before:]
    assert sorted((r.action, r.entity_id, r.route) for r in added) == [
        ("case.read", str(first.case_id), "GET /"),
        ("case.read", str(second.case_id), "GET /"),
    ]
    # Who sees no case (shelter staff, CoMensha) reads none: no row.
    client.post(
        "/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)[1]}
    )
    before = len(audit_rows())
    login(users["comensha"])
    html = client.get("/").get_data(as_text=True)
    assert "PL-1" not in html and 'id="start-requests"' not in html
    assert [r.action for r in audit_rows()[before:] if r.route == "GET /"] == []


def test_an_officer_sees_only_their_own_open_requests_and_the_button_to_ask(client, login, users, make_user, now):
    mine = new_request(users, now - 15 * MIN, case_reference="PL-MIJN")
    colleague = make_user("police")
    request_by(colleague, now - 5 * MIN, "PL-COLLEGA")
    db.session.commit()
    html = login(users["police"]).get("/").get_data(as_text=True)
    assert listed(html, "start-requests") == ["PL-MIJN"]
    assert re.search(
        r'<a class="button primary big" id="start-new-request" href="/aanvraag/nieuw">Bed aanvragen</a>', html
    )
    assert "Uw open aanvragen" in html and f'href="/zaak/{mine.case_id}"' in html
    assert 'id="duty"' not in html  # an officer stands on no rota


def test_a_coordinator_sees_whether_they_are_on_duty_and_when_next(client, login, users, duty, registry, now):
    from piket.rotas.models import Rota

    html = login(duty["people"]["primary"]).get("/").get_data(as_text=True)
    on_duty = re.search(r'<section id="duty".*?</section>', html, re.S).group(0)
    assert "U bent nu van dienst" in on_duty and "Piket primair Rotterdam, tot di\xa024\xa0nov\xa002:30" in on_duty
    den_haag = Rota(region_id=registry["regions"]["den-haag"].id, level="backup", name="Piket achtervang Den Haag")
    db.session.add(den_haag)
    db.session.commit()
    add_shift(den_haag, users["coordinator"], now + 20 * 60 * MIN, now + 30 * 60 * MIN)
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1]})
    html = login(users["coordinator"]).get("/").get_data(as_text=True)
    section = re.search(r'<section id="duty".*?</section>', html, re.S).group(0)
    assert "U bent nu niet van dienst" in section
    assert (
        "Volgende dienst: Piket achtervang Den Haag, zo\xa022\xa0nov\xa022:30 tot ma\xa023\xa0nov\xa008:30" in section
    )


def test_a_hold_about_to_expire_is_on_the_start_page_with_its_shelter_and_time_left(
    app, client, login, users, registry, now
):
    request = new_request(users, now - 5 * MIN, case_reference="PL-HOLD")
    pool = registry["shelters"]["rot-mo"].pools[0]
    hold = hold_a_place(now, request.id, pool, users["coordinator"])  # held for 90 minutes
    db.session.commit()
    login(users["coordinator"])
    assert 'id="expiring-holds"' not in client.get("/").get_data(as_text=True)  # 90 minutes left: no hurry
    app.config["FROZEN_NOW"] = hold.expires_at - 20 * MIN  # 70 minutes on: the session timed out, log in again
    html = login(users["coordinator"]).get("/").get_data(as_text=True)
    item = re.search(r'<section id="expiring-holds".*?</section>', html, re.S).group(0)
    assert "Mannenopvang Rotterdam" in item and ">20 min<" in item and f'href="/zaak/{request.case_id}"' in item


def test_the_request_list_is_newest_first_and_sorts_by_time(client, login, users, now):
    new_request(users, now - 50 * MIN, case_reference="PL-A")
    new_request(users, now - 10 * MIN, case_reference="PL-C")
    new_request(users, now - 30 * MIN, case_reference="PL-B")
    db.session.commit()
    login(users["coordinator"])
    html = client.get("/aanvragen").get_data(as_text=True)
    assert listed(html, "requests") == ["PL-C", "PL-B", "PL-A"]
    assert re.search(r'<th scope="col" aria-sort="descending"><a href="/aanvragen\?sorteer=oud"', html)
    html = client.get("/aanvragen?sorteer=oud").get_data(as_text=True)
    assert listed(html, "requests") == ["PL-A", "PL-B", "PL-C"]
    assert re.search(r'<th scope="col" aria-sort="ascending"><a href="/aanvragen\?sorteer=nieuw"', html)
    assert listed(client.get("/aanvragen?sorteer=iets").get_data(as_text=True), "requests")[0] == "PL-C"


def test_the_request_list_keeps_its_scope(client, login, users, make_user, now):
    request_by(users["police"], now - 5 * MIN, "PL-AMSTERDAM", region="amsterdam")
    new_request(users, now - 6 * MIN, case_reference="PL-ROTTERDAM")
    colleague = make_user("police")
    request_by(colleague, now - 7 * MIN, "PL-COLLEGA")
    db.session.commit()
    assert listed(login(users["coordinator"]).get("/aanvragen").text, "requests") == ["PL-ROTTERDAM", "PL-COLLEGA"]
    client.post(
        "/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)[1]}
    )
    assert listed(login(colleague).get("/aanvragen").text, "requests") == ["PL-COLLEGA"]


def test_a_duty_from_a_rotation_is_on_the_start_page(client, login, users, registry, now):
    from piket.rotas.models import Rota, RotaRotation

    rota = Rota(region_id=registry["regions"]["den-haag"].id, level="primary", name="Piket primair Den Haag")
    db.session.add(rota)
    db.session.flush()
    db.session.add(
        RotaRotation(
            rota_id=rota.id,
            start_date=dt.date(2026, 11, 1),
            handover="09:00",
            shift_hours=24,
            days=[1, 2, 3, 4, 5, 6, 7],
            people=[users["coordinator"].id],
        )
    )
    db.session.commit()
    html = login(users["coordinator"]).get("/").get_data(as_text=True)
    section = re.search(r'<section id="duty".*?</section>', html, re.S).group(0)
    assert "U bent nu van dienst" in section and "Piket primair Den Haag, tot" in section


def test_a_coordinator_on_many_rotas_sees_three_duties_and_the_rest_folded(client, login, users, registry, now):
    """One person on every level of every region (the demo's coordinator) gets three lines, not thirty."""
    from piket.rotas.models import Rota

    coordinator = users["coordinator"]
    rotas = [
        Rota(region_id=region.id, level=level, name=f"Piket {level} {code}")
        for code, region in sorted(registry["regions"].items())
        if region.kind == "care"
        for level in ("primary", "backup")
    ]
    db.session.add_all(rotas)
    db.session.commit()
    for rota in rotas:
        add_shift(rota, coordinator, now - dt.timedelta(hours=1), now + dt.timedelta(hours=5))
    html = login(coordinator).get("/").get_data(as_text=True)
    section = re.search(r'<section id="duty".*?</section>', html, re.S).group(0)
    assert len(rotas) > 3
    assert section.count("<strong>U bent nu van dienst</strong>") == 3
    folded = re.search(
        r"<details class=\"more-duties\"><summary>En nog (\d+) diensten nu</summary>(.*?)</details>", section, re.S
    )
    assert folded and int(folded.group(1)) == len(rotas) - 3 and folded.group(2).count("<li") == len(rotas) - 3
