"""The shelter in the loop: a held place texts the shelter, which answers JA/NEE <code> by SMS (or on its intake
page, linked from its pages and from the SMS); thirty minutes before the hold expires the shelter and the
coordinator are reminded; a coordinator records a yes heard on the phone on the shelter's behalf."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

import vocabulary
from audit.models import AuditEntry
from beds.models import BedPool
from errors import Forbidden
from extensions import db
from notify import service as notify
from notify.models import NotificationAttempt
from piket import jobs, placements
from piket.models import Placement, RequestEvent
from piket.service import CODE_ALPHABET
from tests.conftest import MOTHER, PRIMARY, REQUESTER, csrf_token, kinds, reload, sent_to

MIN = dt.timedelta(minutes=1)
COSM_INTAKE, STAFF_PHONE = "+31101234567", "+31610000055"  # COSM Rotterdam's intake line, its night worker
COORDINATOR_PHONE = "+31610000066"


@pytest.fixture
def staff_phone(users):
    users["shelter_staff"].phone = STAFF_PHONE  # COSM Rotterdam's staff
    users["coordinator"].phone = COORDINATOR_PHONE
    db.session.commit()


def hold(api, rid) -> Placement:
    """The coordinator chooses the best proposal for the request: a place is held."""
    proposals = api("coordinator", "GET", f"/api/v1/placement-requests/{rid}/proposals").json["requests"]
    pool_id = proposals[str(rid)]["proposal"]["pool_id"]
    resp = api("coordinator", "POST", f"/api/v1/placement-requests/{rid}/placements", json={"pool_id": pool_id})
    assert resp.status_code == 201, resp.json
    return db.session.get(Placement, resp.json["id"])


def two_women(new_case):
    """Two requests that both go to COSM Rotterdam's beds (two free)."""
    return new_case(requests=[{"persons": [MOTHER]}, {"persons": [{**MOTHER, "age": 25}]}], apart=[])["requests"]


def send(app, fake, moment):
    notify.dispatch_due(moment, fake, app.config["PUBLIC_BASE_URL"])
    db.session.commit()


def sms(signed_post, sender, body, sid="SM1"):
    resp = signed_post("/webhooks/twilio/sms", {"From": sender, "Body": body, "MessageSid": sid})
    assert resp.status_code == 200 and resp.mimetype == "text/xml", resp.get_data(as_text=True)
    match = re.search(r"<Message>(.*)</Message>", resp.get_data(as_text=True), re.S)
    return match.group(1) if match else ""


# --- holding a place texts the shelter -------------------------------------------------------------------------


def test_holding_a_place_texts_the_intake_number_and_the_staff_with_a_phone(
    app, api, new_case, registry, users, staff_phone, make_user, fake, now
):
    make_user("shelter_staff", shelters=[registry["shelters"]["rot-cosm"]])  # no phone: not texted
    other = make_user("shelter_staff", shelters=[registry["shelters"]["rot-mo"]])
    other.phone = "+31610000077"  # another shelter's staff: not told of COSM's holds
    db.session.commit()
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    send(app, fake, now)
    code = placements.hold_code(placement)
    for number in (COSM_INTAKE, STAFF_PHONE):
        [text] = sent_to(fake, number, "sms")
        body = text["body"]
        assert f"code {code}" in body and f"JA {code}" in body and f"NEE {code}" in body, body
        assert "3 pers." in body and "regio Rotterdam" in body, body
        assert "vastgehouden tot 04:00" in body, body  # 02:30 + 90 minutes, Amsterdam time
        assert f"{app.config['PUBLIC_BASE_URL']}/i/" in body, body
        # No personal data: the case reference, the callback phone, ages, genders, family make-up, needs.
        words = set(re.split(r"[\s,.:;()]+", re.sub(r"https?://\S+", "", body)))
        assert not {"31", "vrouw", "female", "kinderen", "kind"} & words, body  # no age, gender, family make-up
        for private in ("PL1700", REQUESTER, "Geheimstraat"):
            assert private not in body, (private, body)
    assert sent_to(fake, "+31610000077") == []
    attempts = db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.purpose == "intake")).all()
    assert len(attempts) == 2 and {a.request_id for a in attempts} == {mother["id"]}


def test_the_shelter_is_texted_once_per_hold(app, api, new_case, registry, users, staff_phone, fake, now):
    # The staff's phone is also the intake number: one SMS, not two.
    users["shelter_staff"].phone = "010 123 4567"
    db.session.commit()
    mother, _man = new_case()["requests"]
    hold(api, mother["id"])
    send(app, fake, now)
    send(app, fake, now + MIN)
    assert len(sent_to(fake, COSM_INTAKE)) == 1


def test_hold_codes_never_look_like_a_request_code_and_a_typo_names_no_other_hold():
    assert "B" not in CODE_ALPHABET  # a request's short code never has the hold codes' prefix
    codes = {placements.hold_code(Placement(id=n)) for n in range(1, 3000)}
    assert len(codes) == 2999 and all(c.startswith("B") and len(c) >= 5 for c in codes)
    code = placements.hold_code(Placement(id=42))
    for i in range(1, len(code)):  # each single mistyped character is caught by the check character
        for c in CODE_ALPHABET:
            if c != code[i]:
                typo = code[:i] + c + code[i + 1 :]
                assert typo not in codes or typo == code


# --- JA / NEE <code> by SMS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["JA {code}", "Ja, {code}!", "ja {code_lower}. Komt goed", "JA. {code}"])
def test_ja_code_from_the_intake_number_confirms_once(
    app, api, new_case, registry, users, fake, signed_post, now, body
):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    code = placements.hold_code(placement)
    answer = sms(signed_post, COSM_INTAKE, body.format(code=code, code_lower=code.lower()))
    assert "intake bevestigd" in answer and code in answer, answer
    request = reload(placement.request)
    assert request.status == "placed" and db.session.get(Placement, placement.id).status == "confirmed"
    family = db.session.get(BedPool, placement.pool_id)
    assert (family.occupied, family.held) == (1, 0)
    # Twilio retries: the same MessageSid, the same answer, nothing more happens.
    assert sms(signed_post, COSM_INTAKE, body.format(code=code, code_lower=code.lower())) == answer
    assert kinds(request.id).count("intake_confirmed") == 1
    confirmed = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id, RequestEvent.kind == "intake_confirmed")
    ).one()
    assert confirmed.detail["channel"] == "sms"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "placement.confirm")).one()
    assert entry.source == "sms" and entry.entity_id == str(placement.id)
    # The requester is told, as when the shelter confirms on its page.
    assert db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.to_number == REQUESTER)).one()


def test_ja_code_from_a_staff_phone_confirms_as_that_staff(api, new_case, registry, users, staff_phone, signed_post):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    answer = sms(signed_post, STAFF_PHONE, f"JA {placements.hold_code(placement)}")
    assert "bevestigd" in answer
    placement = db.session.get(Placement, placement.id)
    assert placement.status == "confirmed" and placement.decided_by_id == users["shelter_staff"].id


def test_ja_code_from_an_unknown_number_or_another_shelter_does_nothing(
    api, new_case, registry, users, duty, make_user, signed_post
):
    other = make_user("shelter_staff", shelters=[registry["shelters"]["rot-mo"]])
    other.phone = "+31610000077"
    db.session.commit()
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    code = placements.hold_code(placement)
    assert "niet bekend" in sms(signed_post, "+31699999999", f"JA {code}", sid="SM1")
    assert code in sms(signed_post, "+31610000077", f"JA {code}", sid="SM2")  # "code ... kennen we niet"
    assert "niet bekend" in sms(signed_post, PRIMARY, f"JA {code}", sid="SM3")  # a coordinator: not the shelter
    assert reload(placement.request).status == "placing"
    assert db.session.get(Placement, placement.id).status == "held"


def test_a_wrong_code_from_the_shelter_changes_nothing(api, new_case, registry, signed_post):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    code = placements.hold_code(placement)
    typo = code[:-1] + next(c for c in CODE_ALPHABET if c != code[-1])
    assert "kennen we niet" in sms(signed_post, COSM_INTAKE, f"JA {typo}", sid="SM1")
    assert "kennen we niet" in sms(signed_post, COSM_INTAKE, f"JA {code[:-1]}", sid="SM2")  # a character short
    assert db.session.get(Placement, placement.id).status == "held"


@pytest.mark.parametrize(
    "words,reason", [("vol", "no_place"), ("geen personeel vannacht", "no_staff"), ("", "other"), ("hmm", "other")]
)
def test_nee_code_reason_refuses_and_the_request_goes_back_to_proposals(
    api, new_case, registry, users, staff_phone, signed_post, words, reason
):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    code = placements.hold_code(placement)
    answer = sms(signed_post, STAFF_PHONE, f"Nee {code} {words}".strip())
    assert "weigert" in answer and code in answer, answer
    placement = db.session.get(Placement, placement.id)
    assert placement.status == "refused" and placement.refusal_reason == reason
    request = reload(placement.request)
    assert request.status == "accepted" and kinds(request.id)[-1] == "placement_refused"
    assert db.session.get(BedPool, placement.pool_id).held == 0
    # The coordinator who chose it is told at once, to choose again.
    [told] = db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.to_number == COORDINATOR_PHONE))
    assert mother["short_code"] in told.body and vocabulary.REFUSAL_REASONS[reason] in told.body, told.body
    assert "PL1700" not in told.body and REQUESTER not in told.body
    # Decided: a late JA changes nothing and says so.
    late = sms(signed_post, STAFF_PHONE, f"JA {code}", sid="SM2")
    assert code in late and "al" in late and reload(request).status == "accepted", late


def test_a_bare_ja_from_the_shelter_asks_which_of_two_and_answers_its_only_hold(api, new_case, registry, signed_post):
    one, two = two_women(new_case)
    first, second = hold(api, one["id"]), hold(api, two["id"])
    assert first.shelter_id == second.shelter_id == registry["shelters"]["rot-cosm"].id
    answer = sms(signed_post, COSM_INTAKE, "JA", sid="SM1")
    assert placements.hold_code(first) in answer and placements.hold_code(second) in answer, answer
    assert db.session.get(Placement, first.id).status == db.session.get(Placement, second.id).status == "held"
    sms(signed_post, COSM_INTAKE, f"NEE {placements.hold_code(second)} vol", sid="SM2")
    assert "bevestigd" in sms(signed_post, COSM_INTAKE, "ja graag", sid="SM3")
    assert db.session.get(Placement, first.id).status == "confirmed"
    assert sms(signed_post, COSM_INTAKE, "ja", sid="SM4") == "Er wacht bij uw opvang geen intake op bevestiging."


def test_the_shelter_may_answer_with_the_requests_code_from_its_intake_page(api, new_case, registry, signed_post):
    one, two = two_women(new_case)
    first, second = hold(api, one["id"]), hold(api, two["id"])
    assert "bevestigd" in sms(signed_post, COSM_INTAKE, f"ja {two['short_code']}")
    assert db.session.get(Placement, second.id).status == "confirmed"
    assert db.session.get(Placement, first.id).status == "held"


def test_a_coordinators_ja_with_a_request_code_still_answers_the_page(duty, users, fake, tick, signed_post, now):
    from tests.conftest import new_request

    request = new_request(users, now)
    tick(now)
    assert "aangenomen" in sms(signed_post, PRIMARY, f"Ja {request.short_code}")
    assert reload(request).accepted_by_id == duty["people"]["primary"].id


# --- the reminder thirty minutes before the hold expires ------------------------------------------------------------


def test_the_shelter_and_the_coordinator_are_reminded_once_thirty_minutes_before_expiry(
    app, api, new_case, registry, users, staff_phone, fake, now
):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])  # expires at now + 90 minutes
    assert jobs.remind_holds(now + 59 * MIN) == 0
    assert jobs.remind_holds(now + 61 * MIN) == 1
    assert jobs.remind_holds(now + 62 * MIN) == 0  # once per hold, however often the job runs
    assert jobs.remind_holds(now + 89 * MIN) == 0
    send(app, fake, now + 62 * MIN)
    code = placements.hold_code(placement)
    for number in (COSM_INTAKE, STAFF_PHONE):
        reminders = [m["body"] for m in sent_to(fake, number) if "herinnering" in m["body"]]
        assert len(reminders) == 1 and code in reminders[0] and "04:00" in reminders[0], reminders
    [to_coordinator] = sent_to(fake, COORDINATOR_PHONE)
    body = to_coordinator["body"]
    assert mother["short_code"] in body and COSM_INTAKE in body and "04:00" in body, body
    assert "PL1700" not in body and REQUESTER not in body
    assert app.extensions["worker_jobs"]["remind_holds"] == (jobs.remind_holds, 60)


def test_no_reminder_once_the_shelter_decided(app, api, new_case, registry, users, staff_phone, fake, signed_post, now):
    one, two = two_women(new_case)
    confirmed, refused = hold(api, one["id"]), hold(api, two["id"])
    sms(signed_post, COSM_INTAKE, f"JA {placements.hold_code(confirmed)}", sid="SM1")
    sms(signed_post, COSM_INTAKE, f"NEE {placements.hold_code(refused)} vol", sid="SM2")
    assert jobs.remind_holds(now + 61 * MIN) == 0
    assert notify.queued_keys_like(purpose="intake_reminder", pattern="%", since=now) == []


# --- the coordinator records a yes heard on the phone ---------------------------------------------------------------


def test_the_coordinator_records_the_intake_confirmed_by_phone_on_the_shelters_behalf(
    client, login, api, new_case, registry, users, now
):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    case_id = reload(placement.request).case_id
    login(users["coordinator"])
    page = client.get(f"/zaak/{case_id}").get_data(as_text=True)
    assert "Intake telefonisch bevestigd" in page
    resp = client.post(
        f"/zaak/{case_id}",
        data={
            "csrf_token": csrf_token(page),
            "action": "intake_phoned",
            "request_id": mother["id"],
            "hold_id": placement.hold_id,
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status == "confirmed"
    assert reload(placement.request).status == "placed"
    assert kinds(mother["id"])[-2:] == ["intake_confirmed_by_phone", "requester_informed"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "placement.confirm")).one()
    cosm = registry["shelters"]["rot-cosm"].id
    assert entry.actor == users["coordinator"].email and entry.after["on_behalf_of"] == {"shelter": cosm}
    event = db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "intake_confirmed_by_phone")).one()
    assert event.actor_id == users["coordinator"].id and event.detail["on_behalf_of"] == {"shelter": cosm}
    page = client.get(f"/zaak/{case_id}").get_data(as_text=True)
    assert "intake telefonisch bevestigd (vastgelegd namens de opvang)" in page
    assert "Intake telefonisch bevestigd</button>" not in page  # decided: no button any more


def test_only_a_coordinator_records_a_phone_confirmation(api, new_case, registry, users, now):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    for role in ("shelter_staff", "police"):
        with pytest.raises(Forbidden):
            placements.confirm_by_phone(now, placement.hold_id, users[role])
    assert db.session.get(Placement, placement.id).status == "held"


# --- the intake page: linked from the shelter's pages and from the SMS ---------------------------------------------


def test_the_shelters_pages_link_to_its_intakes(client, login, api, new_case, registry, users):
    cosm = registry["shelters"]["rot-cosm"].id
    intakes = f'href="/opvang/{cosm}/intakes"'
    mother, _man = new_case()["requests"]
    hold(api, mother["id"])
    login(users["shelter_staff"])
    availability = client.get(f"/opvang/{cosm}/beschikbaarheid").get_data(as_text=True)
    assert intakes in availability and "1 wacht op bevestiging" in availability
    assert intakes in client.get(f"/opvang/{cosm}").get_data(as_text=True)
    assert intakes in client.get("/").get_data(as_text=True)
    nav = client.get("/zoeken").get_data(as_text=True).split("</nav>")[0]
    assert intakes in nav


def test_a_coordinators_shelter_list_links_to_each_shelters_intakes(client, login, registry, users):
    login(users["coordinator"])  # Rotterdam: two shelters
    page = client.get("/opvang").get_data(as_text=True)
    for key in ("rot-cosm", "rot-mo"):
        assert f'href="/opvang/{registry["shelters"][key].id}/intakes"' in page


def intake_link(app, fake) -> str:
    [text] = sent_to(fake, COSM_INTAKE)
    return re.search(rf"{re.escape(app.config['PUBLIC_BASE_URL'])}(/i/\S+)", text["body"]).group(1)


def test_the_signed_link_opens_the_intake_page_after_the_login(
    app, client, login, api, new_case, registry, users, fake, now
):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    send(app, fake, now)
    link = intake_link(app, fake)
    cosm = registry["shelters"]["rot-cosm"].id
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith(f"/opvang/{cosm}/intakes")
    assert client.get(anonymous.headers["Location"]).headers["Location"].startswith("/login")  # the link is no key
    login(users["shelter_staff"])
    page = client.get(link, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and placements.hold_code(placement) in html and "Intake bevestigen" in html


def test_the_signed_link_is_for_that_shelter_only_and_expires(
    app, client, login, api, new_case, registry, users, make_user, fake, now
):
    from piket import links

    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    send(app, fake, now)
    link = intake_link(app, fake)
    assert client.get(link[:-3] + "xyz").status_code == 404  # forged
    mo = registry["shelters"]["rot-mo"].id
    other = links.intake_url(placement.id, mo, now).split("/i/")[1]  # signed, but not that placement's shelter
    assert client.get(f"/i/{other}").status_code == 404
    accept_token = links.token_for(placement.id, now)  # an accept link's token is no intake token
    assert client.get(f"/i/{accept_token}").status_code == 404
    login(make_user("shelter_staff", shelters=[registry["shelters"]["rot-mo"]]))
    assert client.get(link, follow_redirects=True).status_code == 403  # another shelter's staff
    app.config["FROZEN_NOW"] = now + dt.timedelta(hours=app.config["LINK_HOURS"], minutes=1)
    assert client.get(link).status_code == 404  # expired


def test_the_refuse_button_on_the_intake_page_refuses(client, login, api, new_case, registry, users):
    mother, _man = new_case()["requests"]
    placement = hold(api, mother["id"])
    url = f"/opvang/{registry['shelters']['rot-cosm'].id}/intakes"
    login(users["shelter_staff"])
    html = client.get(url).get_data(as_text=True)
    assert 'value="refuse"' in html  # what the page's Weigeren button sends
    client.post(
        url, data={"csrf_token": csrf_token(html), "action": "refuse", "hold_id": placement.hold_id, "reason": "safety"}
    )
    placement = db.session.get(Placement, placement.id)
    db.session.refresh(placement)
    assert placement.status == "refused" and placement.refusal_reason == "safety"
