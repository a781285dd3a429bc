"""The national piket number: answered in Dutch, the region learnt, the piket dialled level by level."""

import pytest
from sqlalchemy import select

from extensions import db
from piket.models import Case, PlacementRequest
from tests.conftest import BACKUP, NATIONAL, PRIMARY, kinds

OFFICER = "+31655500001"


def call(signed_post, path="/webhooks/twilio/national", **params):
    params.setdefault("CallSid", "CA100")
    params.setdefault("From", OFFICER)
    resp = signed_post(path, params)
    assert resp.status_code == 200 and resp.mimetype == "text/xml", resp.get_data(as_text=True)
    return resp.get_data(as_text=True)


@pytest.fixture
def officer(make_user):
    """A police officer whose account is bound to Rotterdam and whose phone is registered."""
    user = make_user("police", regions=["rotterdam"], email="agent@test.nl")
    user.phone = OFFICER
    db.session.commit()
    return user


def phone_requests():
    return db.session.scalars(select(PlacementRequest).join(Case).where(Case.source == "phone")).all()


def test_a_registered_officer_is_connected_to_the_primary(duty, users, make_user, signed_post, now):
    officer = make_user("police", regions=["rotterdam"], email="agent@test.nl")
    officer.phone = "06 555 000 01"
    db.session.commit()
    twiml = call(signed_post)
    assert f"<Number>{PRIMARY}</Number>" in twiml and 'language="nl-NL"' in twiml
    [request] = phone_requests()
    assert request.case.created_by_id == officer.id and request.case.region.code == "rotterdam"
    assert request.persons == [] and "phone_dial" in kinds(request.id)
    # The ladder waits while the call rings the piket itself.
    assert request.next_action_at > now


def test_no_answer_falls_through_to_backup_then_national_then_the_ladder(duty, users, officer, signed_post, now):
    call(signed_post)
    [request] = phone_requests()
    p, b, n = (duty["people"][k].id for k in ("primary", "backup", "national"))
    twiml = call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/0/{p}", DialCallStatus="no-answer")
    assert f"<Number>{BACKUP}</Number>" in twiml
    twiml = call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/1/{b}", DialCallStatus="busy")
    assert f"<Number>{NATIONAL}</Number>" in twiml
    twiml = call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/2/{n}", DialCallStatus="no-answer")
    assert "niemand bereikbaar" in twiml and ", ".join(request.short_code) in twiml
    db.session.expire_all()
    assert db.session.get(PlacementRequest, request.id).next_action_at == now  # the SMS-and-call ladder starts now


def test_an_answered_dial_is_an_accept(duty, users, officer, signed_post, now):
    call(signed_post)
    [request] = phone_requests()
    p = duty["people"]["primary"].id
    for _ in range(3):  # replays
        call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/0/{p}", DialCallStatus="completed")
    db.session.expire_all()
    request = db.session.get(PlacementRequest, request.id)
    assert request.status == "accepted" and request.accepted_by_id == p
    assert kinds(request.id).count("accepted") == 1 and "phone_connected" in kinds(request.id)


def test_an_unknown_caller_says_the_region(duty, users, signed_post):
    twiml = call(signed_post)
    assert "<Gather" in twiml and 'input="dtmf speech"' in twiml and "Rotterdam" in twiml
    twiml = call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Rotterdam.")
    assert f"<Number>{PRIMARY}</Number>" in twiml
    [request] = phone_requests()
    assert request.case.created_by_id is None and request.case.callback_phone == OFFICER


def test_a_region_keyed_in_by_number(duty, users, registry, signed_post):
    registry["regions"]["rotterdam"].dial_code = 12
    db.session.commit()
    twiml = call(signed_post, "/webhooks/twilio/national/regio", Digits="12#")
    assert f"<Number>{PRIMARY}</Number>" in twiml


def test_an_unknown_region_goes_to_the_national_piket_without_a_request(duty, users, signed_post):
    twiml = call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Atlantis")
    assert f"<Number>{NATIONAL}</Number>" in twiml and not phone_requests()


def test_a_second_call_joins_the_open_request(duty, users, officer, signed_post, now):
    call(signed_post, CallSid="CA1")
    call(signed_post, CallSid="CA1")  # a replay of the same call: no second request
    call(signed_post, CallSid="CA2")
    [request] = phone_requests()
    assert kinds(request.id).count("phone_call") == 1


def test_the_coordinator_fills_in_the_profile_after_the_call(duty, users, officer, signed_post, api, now):
    call(signed_post)
    [request] = phone_requests()
    resp = api(
        "coordinator",
        "PUT",
        f"/api/v1/placement-requests/{request.id}/profile",
        json={"persons": [{"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}]},
    )
    assert resp.status_code == 200 and resp.json["size"] == 1
    resp = api("coordinator", "GET", f"/api/v1/placement-requests/{request.id}/proposals")
    assert (
        resp.status_code == 200
        and resp.json["requests"][str(request.id)]["proposal"]["shelter"] == "Mannenopvang Rotterdam"
    )
    again = api(
        "coordinator",
        "PUT",
        f"/api/v1/placement-requests/{request.id}/profile",
        json={"persons": [{"gender": "female", "age": 30, "residence": "lawful", "exploitation": "labour"}]},
    )
    assert again.status_code == 409
