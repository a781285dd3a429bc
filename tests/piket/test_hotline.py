"""The national piket number: answered in Dutch, the region learnt, the piket dialled level by level,
each dialled coordinator screened (a whisper; only a 1 takes the call), a withheld caller ID never a
callback number, a region not understood never a dropped call."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from extensions import db
from piket import hotline
from piket.models import Case, PlacementRequest
from tests.conftest import BACKUP, NATIONAL, PRIMARY, kinds, reload, sent_to

OFFICER = "+31655500001"
MIN = dt.timedelta(minutes=1)


def call(signed_post, path="/webhooks/twilio/national", **params):
    params.setdefault("CallSid", "CA100")
    params.setdefault("From", OFFICER)
    resp = signed_post(path, params)
    assert resp.status_code == 200 and resp.mimetype == "text/xml", resp.get_data(as_text=True)
    return resp.get_data(as_text=True)


def dialled(twiml) -> list[tuple[str, str]]:
    """(number, whisper path) of each <Number> the TwiML dials."""
    return [(n.text, _path(n.get("url"))) for n in ET.fromstring(twiml).iter("Number")]


def _path(url):
    parts = urlsplit(url or "")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def action(twiml, verb="Gather") -> str:
    return _path(next(ET.fromstring(twiml).iter(verb)).get("action"))


def screen(signed_post, twiml, digit=None, sid="CAleg1"):
    """The dialled coordinator's leg: Twilio fetches the whisper, then (if a key was pressed) its action."""
    [(_number, whisper)] = dialled(twiml)
    said = call(signed_post, whisper, CallSid=sid, From="+3197010000000")
    if digit is None:
        return said
    return call(signed_post, action(said), CallSid=sid, From="+3197010000000", Digits=digit)


def dial_result(signed_post, request, twiml, status="completed"):
    """The Dial's action: Twilio reports how the dialled leg ended (on the caller's call)."""
    path = _path(next(ET.fromstring(twiml).iter("Dial")).get("action"))
    return call(signed_post, path, DialCallStatus=status)


@pytest.fixture
def officer(make_user):
    """A police officer whose account is bound to Rotterdam and whose phone is registered."""
    user = make_user("police", regions=["rotterdam"], email="agent@test.nl")
    user.phone = OFFICER
    db.session.commit()
    return user


def phone_requests():
    return db.session.scalars(select(PlacementRequest).join(Case).where(Case.source == "phone")).all()


def test_a_registered_officer_is_connected_to_the_primary(duty, users, make_user, signed_post, app, now):
    app.config["TWILIO_FROM_NUMBER"] = "+3197010000000"
    officer = make_user("police", regions=["rotterdam"], email="agent@test.nl")
    officer.phone = "+31655500001"  # stored in E.164 (accounts/phones.py); the caller ID matches it exactly
    db.session.commit()
    twiml = call(signed_post)
    [request] = phone_requests()
    p = duty["people"]["primary"].id
    assert dialled(twiml) == [(PRIMARY, f"/webhooks/twilio/national/{request.id}/screen/0/{p}?call=CA100")]
    # The coordinator sees the service's number, not the caller's, so they know what this call is.
    assert next(ET.fromstring(twiml).iter("Dial")).get("callerId") == "+3197010000000"
    assert request.case.created_by_id == officer.id and request.case.region.code == "rotterdam"
    assert request.persons == [] and "phone_dial" in kinds(request.id)
    # The ladder waits while the call rings the piket itself.
    assert request.next_action_at > now


def test_the_whisper_says_region_and_code_and_only_1_takes_the_call(duty, users, officer, signed_post, now):
    twiml = call(signed_post)
    [request] = phone_requests()
    whisper = screen(signed_post, twiml)
    gather = next(ET.fromstring(whisper).iter("Gather"))
    assert gather.get("numDigits") == "1"
    said = " ".join(s.text for s in gather.iter("Say"))
    assert "Rotterdam" in said and ", ".join(request.short_code) in said and "Toets 1" in said
    for private in (OFFICER, request.case.case_reference):
        assert private not in whisper
    # After the gather, nothing pressed: the leg hangs up (the caller goes on to the next level).
    assert whisper.rstrip().endswith("<Hangup /></Response>")
    assert reload(request).status == "received"  # fetching the whisper accepts nothing


def test_pressing_1_accepts_and_bridges(duty, users, officer, signed_post, now):
    twiml = call(signed_post)
    [request] = phone_requests()
    p = duty["people"]["primary"].id
    taken = screen(signed_post, twiml, "1")
    assert "<Hangup" not in taken  # the whisper ends without hanging up: Twilio bridges the two
    assert reload(request).status == "accepted" and reload(request).accepted_by_id == p
    screen(signed_post, twiml, "1")  # Twilio retries the key press: one accept
    # The call between them ends; the Dial's action says completed: the caller's call ends, nobody else is dialled.
    after = dial_result(signed_post, request, twiml)
    assert dialled(after) == [] and "<Hangup" in after
    assert kinds(request.id).count("accepted") == 1 and kinds(request.id).count("phone_connected") == 1


@pytest.mark.parametrize(
    "leg",
    [
        "voicemail",  # the voicemail box picks up, hears the whisper, presses nothing: the whisper hangs up
        "hang-up",  # the coordinator picks up and hangs up before the whisper is fetched
        "silence",  # picks up, says nothing, presses nothing
    ],
)
def test_a_completed_leg_without_1_is_not_answered_and_the_backup_is_dialled(
    duty, users, officer, signed_post, now, leg
):
    twiml = call(signed_post)
    [request] = phone_requests()
    if leg != "hang-up":
        screen(signed_post, twiml)
    after = dial_result(signed_post, request, twiml, "completed")
    b = duty["people"]["backup"].id
    assert dialled(after) == [(BACKUP, f"/webhooks/twilio/national/{request.id}/screen/1/{b}?call=CA100")]
    request = reload(request)
    assert request.status == "received" and request.accepted_by_id is None
    assert "accepted" not in kinds(request.id) and "phone_not_taken" in kinds(request.id)


def test_another_key_is_not_taking_the_call(duty, users, officer, signed_post, now):
    twiml = call(signed_post)
    [request] = phone_requests()
    refused = screen(signed_post, twiml, "2")
    assert "<Hangup" in refused
    after = dial_result(signed_post, request, twiml, "completed")
    assert [n for n, _ in dialled(after)] == [BACKUP] and reload(request).accepted_by_id is None


def test_the_backup_takes_it_after_the_primarys_voicemail(duty, users, officer, signed_post, now):
    twiml = call(signed_post)
    [request] = phone_requests()
    screen(signed_post, twiml)  # the primary's voicemail
    second = dial_result(signed_post, request, twiml, "completed")
    screen(signed_post, second, "1", sid="CAleg2")
    end = dial_result(signed_post, request, second, "completed")
    assert dialled(end) == [] and reload(request).accepted_by_id == duty["people"]["backup"].id


def test_nobody_takes_it_the_caller_hears_the_code_and_the_ladder_starts(
    duty, users, officer, signed_post, fake, tick, now
):
    twiml = call(signed_post)
    [request] = phone_requests()
    for status in ("completed", "no-answer", "busy"):  # voicemail at the primary, then no answer, busy
        twiml = dial_result(signed_post, request, twiml, status)
    assert dialled(twiml) == []
    assert "niemand bereikbaar" in twiml and ", ".join(request.short_code) in twiml and "belt u terug" in twiml
    assert "<Gather" not in twiml  # the caller's number is known: nothing to ask
    assert reload(request).next_action_at == now and reload(request).status == "received"
    tick(now)
    assert sent_to(fake, PRIMARY, "sms") and sent_to(fake, PRIMARY, "call")  # the SMS-and-call ladder


def test_no_answer_falls_through_to_backup_then_national_then_the_ladder(duty, users, officer, signed_post, now):
    call(signed_post)
    [request] = phone_requests()
    p, b, n = (duty["people"][k].id for k in ("primary", "backup", "national"))
    twiml = call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/0/{p}", DialCallStatus="no-answer")
    assert [n for n, _ in dialled(twiml)] == [BACKUP]
    twiml = call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/1/{b}", DialCallStatus="busy")
    assert [n for n, _ in dialled(twiml)] == [NATIONAL]
    twiml = call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/2/{n}", DialCallStatus="no-answer")
    assert "niemand bereikbaar" in twiml and ", ".join(request.short_code) in twiml
    db.session.expire_all()
    assert db.session.get(PlacementRequest, request.id).next_action_at == now  # the SMS-and-call ladder starts now


def test_a_completed_dial_alone_is_no_accept(duty, users, officer, signed_post, now):
    """The old rule, "DialCallStatus=completed is connected", let a voicemail accept; a replayed
    completed callback, with no 1 pressed, accepts nothing."""
    call(signed_post)
    [request] = phone_requests()
    p = duty["people"]["primary"].id
    for _ in range(3):
        call(signed_post, f"/webhooks/twilio/national/{request.id}/dial/0/{p}", DialCallStatus="completed")
    assert reload(request).status == "received" and "accepted" not in kinds(request.id)


# --- withheld caller ID ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caller_id", ["anonymous", "+266696687", "restricted", "", "unknown", "Unavailable", "+2562533"]
)
def test_a_withheld_caller_id_is_never_the_callback_number(duty, users, signed_post, caller_id):
    call(signed_post, From=caller_id)
    call(signed_post, "/webhooks/twilio/national/regio", From=caller_id, SpeechResult="Rotterdam")
    [request] = phone_requests()
    assert request.case.callback_phone == hotline.NO_CALLBACK != caller_id
    assert "phone_callback_withheld" in kinds(request.id)


def test_a_withheld_caller_keys_a_callback_number_when_nobody_takes_it(duty, users, signed_post, now):
    twiml = call(signed_post, "/webhooks/twilio/national/regio", From="anonymous", SpeechResult="Rotterdam")
    [request] = phone_requests()
    for status in ("completed", "no-answer", "no-answer"):
        twiml = call(
            signed_post,
            _path(next(ET.fromstring(twiml).iter("Dial")).get("action")),
            From="anonymous",
            DialCallStatus=status,
        )
    # The code, then the question: no promise of a call back to a number we do not have.
    assert ", ".join(request.short_code) in twiml and "afgeschermd" in twiml and "<Gather" in twiml
    assert reload(request).next_action_at == now  # the ladder starts meanwhile
    said = call(signed_post, action(twiml), From="anonymous", Digits="0612345678")
    assert "genoteerd" in said
    assert reload(request).case.callback_phone == "+31612345678" and "phone_callback_set" in kinds(request.id)


def test_a_withheld_caller_who_keys_nothing_usable_is_asked_once_more_then_told_to_call_again(
    duty, users, signed_post, now
):
    twiml = call(signed_post, "/webhooks/twilio/national/regio", From="anonymous", SpeechResult="Rotterdam")
    [request] = phone_requests()
    for status in ("completed", "no-answer", "no-answer"):
        twiml = call(
            signed_post,
            _path(next(ET.fromstring(twiml).iter("Dial")).get("action")),
            From="anonymous",
            DialCallStatus=status,
        )
    again = call(signed_post, action(twiml), From="anonymous", Digits="266696687")  # a withheld one, keyed
    assert "kennen we niet" in again and "<Gather" in again
    last = call(signed_post, action(again), From="anonymous")  # nothing keyed
    assert "<Gather" not in last and "Bel dit nummer opnieuw" in last and ", ".join(request.short_code) in last
    assert reload(request).case.callback_phone == hotline.NO_CALLBACK


def test_two_withheld_callers_are_two_requests(duty, users, signed_post):
    call(signed_post, "/webhooks/twilio/national/regio", From="anonymous", CallSid="CA1", SpeechResult="Rotterdam")
    call(signed_post, "/webhooks/twilio/national/regio", From="anonymous", CallSid="CA2", SpeechResult="Rotterdam")
    assert len(phone_requests()) == 2


# --- the region ----------------------------------------------------------------------------------------


def test_an_unknown_caller_says_the_region(duty, users, signed_post):
    twiml = call(signed_post)
    assert "<Gather" in twiml and 'input="dtmf speech"' in twiml and "Rotterdam" in twiml
    twiml = call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Rotterdam.")
    assert [n for n, _ in dialled(twiml)] == [PRIMARY]
    [request] = phone_requests()
    assert request.case.created_by_id is None and request.case.callback_phone == OFFICER


def test_a_region_keyed_in_by_number(duty, users, registry, signed_post):
    registry["regions"]["rotterdam"].dial_code = 12
    db.session.commit()
    twiml = call(signed_post, "/webhooks/twilio/national/regio", Digits="12#")
    assert [n for n, _ in dialled(twiml)] == [PRIMARY]


def test_an_unknown_region_makes_a_request_for_the_national_piket(duty, users, signed_post, fake, tick, now):
    twiml = call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Atlantis")
    [request] = phone_requests()
    assert request.case.region.kind == "unknown" and request.case.callback_phone == OFFICER
    assert "niet herkend" in twiml and [n for n, _ in dialled(twiml)] == [NATIONAL]  # no regional rota to dial
    assert "Regio onbekend" in screen(signed_post, twiml)
    # The national piket's voicemail takes the call: nobody left, the ladder pages the national piket.
    after = dial_result(signed_post, request, twiml, "completed")
    assert dialled(after) == [] and reload(request).next_action_at == now
    tick(now)
    assert sent_to(fake, NATIONAL, "sms") and sent_to(fake, NATIONAL, "call")
    assert reload(request).status == "paging"


def test_an_unknown_region_with_nobody_on_the_national_rota_ends_loudly(duty, users, signed_post, fake, tick, now):
    db.session.delete(duty["rotas"]["national"])
    db.session.commit()
    users["admin"].phone, users["admin"].phone_verified_at = "+31610000099", now  # alarms: verified phones only
    db.session.commit()
    twiml = call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Atlantis")
    [request] = phone_requests()
    assert dialled(twiml) == [] and "niemand bereikbaar" in twiml  # never "use the form" and hang up
    tick(now)
    assert reload(request).status == "exhausted"
    assert any("ALARM" in m["body"] for m in sent_to(fake, "+31610000099", "sms"))  # the admins are alarmed


def test_whoever_accepts_fills_in_the_region(duty, users, signed_post, api, registry, now):
    from accounts import service as accounts

    call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Atlantis")
    [request] = phone_requests()
    # A case of no known region: the national piket on duty sees it (piket/access.py), a region's coordinator not.
    token = accounts.issue_token(now, duty["people"]["national"])
    path = f"/api/v1/placement-requests/{request.id}/profile"
    assert api("coordinator", "PUT", path, json={"region": "rotterdam", "persons": []}).status_code == 403
    resp = api(
        None,
        "PUT",
        path,
        headers={"Authorization": f"Bearer {token}"},
        json={
            "region": "rotterdam",
            "persons": [{"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}],
        },
    )
    assert resp.status_code == 200, resp.json
    case = reload(request).case
    assert case.region.code == "rotterdam" and (case.found_lat, case.found_lon) == (51.9225, 4.4792)
    assert "region_set" in kinds(request.id)


def test_a_known_region_is_not_changed_by_the_profile(duty, users, officer, signed_post, api):
    call(signed_post)
    [request] = phone_requests()
    resp = api(
        "coordinator",
        "PUT",
        f"/api/v1/placement-requests/{request.id}/profile",
        json={
            "region": "amsterdam",
            "persons": [{"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}],
        },
    )
    assert resp.status_code == 409 and reload(request).case.region.code == "rotterdam"


# --- the voice ----------------------------------------------------------------------------------------


def test_every_say_is_dutch_in_the_configured_voice(duty, users, signed_post, app, fake, tick, now):
    """Twilio's default voice is not documented for nl-NL: every <Say> names the voice (TWILIO_VOICE)."""
    app.config["TWILIO_VOICE"] = "Polly.Ruben"
    said = [call(signed_post)]  # the region question
    said.append(call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Rotterdam"))
    [request] = phone_requests()
    said.append(screen(signed_post, said[-1]))
    said.append(screen(signed_post, said[-2], "2"))
    twiml = said[1]
    for status in ("completed", "no-answer", "no-answer"):
        twiml = dial_result(signed_post, request, twiml, status)
        said.append(twiml)
    # A withheld number and no region: the national piket's voicemail, then the callback number, keyed wrong twice.
    anonymous = {"From": "anonymous", "CallSid": "CA2"}
    said.append(call(signed_post, "/webhooks/twilio/national/regio", **anonymous))
    said.append(call(signed_post, action(said[-1], "Dial"), **anonymous, DialCallStatus="completed"))
    said.append(call(signed_post, action(said[-1]), **anonymous, Digits="12"))
    said.append(call(signed_post, action(said[-1]), **anonymous, Digits="12"))
    # The page call too: its question, every keypad answer, and a call about a request no longer open.
    from notify.models import NotificationAttempt
    from tests.conftest import new_request

    tick(now)
    page = new_request(users, now)
    tick(now)
    attempt = db.session.scalar(
        select(NotificationAttempt).where(
            NotificationAttempt.request_id == page.id, NotificationAttempt.channel == "voice"
        )
    )
    said.append(call(signed_post, f"/webhooks/twilio/voice/{attempt.id}", CallSid="CA3", AnsweredBy="machine_start"))
    for digit in ("9", "2", "1"):
        said.append(call(signed_post, f"/webhooks/twilio/voice/{attempt.id}/keuze", CallSid="CA3", Digits=digit))
    said.append(call(signed_post, f"/webhooks/twilio/voice/{attempt.id}", CallSid="CA4"))
    says = [s for twiml in said for s in ET.fromstring(twiml).iter("Say")]
    assert len(says) >= 17
    assert all(s.get("voice") == "Polly.Ruben" and s.get("language") == "nl-NL" for s in says), said


def test_the_default_voice_is_a_documented_dutch_one(app):
    import settings

    assert settings.load({})["TWILIO_VOICE"] == "Polly.Lotte"  # Amazon Polly, nl-NL


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


def test_the_case_page_asks_the_region_with_the_profile(duty, users, signed_post, login):
    from tests.conftest import csrf_token

    call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Atlantis")
    [request] = phone_requests()
    client = login(duty["people"]["national"])
    page = client.get(f"/zaak/{request.case_id}").get_data(as_text=True)
    assert 'name="region"' in page and '<option value="rotterdam">Rotterdam</option>' in page
    resp = client.post(
        f"/zaak/{request.case_id}",
        data={
            "csrf_token": csrf_token(page),
            "request_id": request.id,
            "action": "profile",
            "region": "rotterdam",
            "gender": "male",
            "age": "30",
            "residence": "lawful",
            "exploitation": "labour",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert reload(request).case.region.code == "rotterdam" and reload(request).size == 1
    assert 'name="region"' not in client.get(f"/zaak/{request.case_id}").get_data(as_text=True)


def test_the_case_page_refuses_a_profile_without_the_region_it_asks(duty, users, signed_post, login):
    from tests.conftest import csrf_token

    call(signed_post, "/webhooks/twilio/national/regio", SpeechResult="Atlantis")
    [request] = phone_requests()
    client = login(duty["people"]["national"])
    page = client.get(f"/zaak/{request.case_id}").get_data(as_text=True)
    assert re.search(r"<select name=\"region\"[^>]*><option value=\"\">— kies —</option>", page), page[
        -3000:
    ]  # none pre-set
    data = {"request_id": request.id, "action": "profile", "region": "", "gender": "male", "age": "30"}
    data |= {"residence": "lawful", "exploitation": "labour", "csrf_token": csrf_token(page)}
    resp = client.post(f"/zaak/{request.case_id}", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f'id="p{request.id}-region-error"' in html and "kies de regio" in html
    assert reload(request).size != 1 and reload(request).case.region.kind == "unknown"


def test_the_case_page_says_the_caller_withheld_their_number(duty, users, signed_post, login):
    call(signed_post, "/webhooks/twilio/national/regio", From="anonymous", SpeechResult="Rotterdam")
    [request] = phone_requests()
    page = login(duty["people"]["primary"]).get(f"/zaak/{request.case_id}").get_data(as_text=True)
    assert 'id="no-callback"' in page and "tel:afgeschermd" not in page and "anonymous" not in page


def test_a_forged_key_press_in_the_whisper_accepts_nothing(duty, users, officer, signed_post, client, now):
    twiml = call(signed_post)
    [request] = phone_requests()
    whisper = screen(signed_post, twiml)
    resp = client.post(action(whisper), data={"CallSid": "CAleg1", "Digits": "1"}, headers={"X-Twilio-Signature": "x"})
    assert resp.status_code == 403 and reload(request).accepted_by_id is None
