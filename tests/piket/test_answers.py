"""Answers to a page: SMS reply, keypad, the link; STOP/START; shelters' BEDDEN; replays have one effect."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from beds.models import AvailabilitySnapshot
from extensions import db
from notify import service as notify
from piket.models import RequestEvent
from tests.conftest import (
    BACKUP,
    PRIMARY,
    csrf_token,
    kinds,
    new_request,
    reload,
    sent_to,
)

MIN = dt.timedelta(minutes=1)


def sms(signed_post, sender, body, sid="SM1"):
    return signed_post(
        "/webhooks/twilio/sms", {"From": sender, "Body": body, "MessageSid": sid, "To": "+3197010000000"}
    )


def reply(resp) -> str:
    assert resp.status_code == 200 and resp.mimetype == "text/xml", resp.get_data(as_text=True)
    match = re.search(r"<Message>(.*)</Message>", resp.get_data(as_text=True), re.S)
    return match.group(1) if match else ""


def test_sms_ja_accepts_and_a_replay_has_no_second_effect(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    first = reply(sms(signed_post, PRIMARY, "ja"))
    assert "aangenomen" in first and request.short_code in first
    assert reload(request).accepted_by_id == duty["people"]["primary"].id
    for _ in range(10):  # Twilio retries: same MessageSid, same answer, nothing more happens
        assert reply(sms(signed_post, PRIMARY, "ja")) == first
    assert kinds(request.id).count("accepted") == 1


def test_with_two_open_pages_the_code_is_asked_for(duty, users, fake, tick, signed_post, now):
    one, two = new_request(users, now, case_reference="A-1"), new_request(users, now, case_reference="A-2")
    tick(now)
    answer = reply(sms(signed_post, PRIMARY, "1", sid="SM1"))
    assert one.short_code in answer and two.short_code in answer and reload(one).status == "paging"
    answer = reply(sms(signed_post, PRIMARY, f"JA {two.short_code.lower()}", sid="SM2"))
    assert reload(two).status == "accepted" and reload(one).status == "paging"


def test_the_second_accepter_is_told_who_has_it(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    tick(now + 10 * MIN)
    reply(sms(signed_post, BACKUP, f"JA {request.short_code}", sid="SM1"))
    answer = reply(sms(signed_post, PRIMARY, f"JA {request.short_code}", sid="SM2"))
    assert "al aangenomen door de achtervang" in answer and "Coördinator" not in answer  # no names in an SMS
    assert reload(request).accepted_by_id == duty["people"]["backup"].id


def test_nee_declines(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    assert "niet aan" in reply(sms(signed_post, PRIMARY, "NEE"))
    assert "declined" in kinds(request.id) and reload(request).status == "paging"


def _page_sms(request):
    from notify.models import NotificationAttempt

    return db.session.scalar(
        select(NotificationAttempt).where(
            NotificationAttempt.request_id == request.id, NotificationAttempt.channel == "sms"
        )
    )


def test_stop_gets_no_reply_and_blocks_sms_until_start(duty, users, fake, tick, signed_post, now):
    resp = sms(signed_post, PRIMARY, "STOP", sid="SM1")
    # Twilio blocks the number and answers STOP itself; a reply of ours would not be delivered.
    assert reply(resp) == "" and "<Message" not in resp.get_data(as_text=True)
    assert notify.is_opted_out(PRIMARY)
    request = new_request(users, now)
    tick(now)
    assert _page_sms(request).status == "opted_out" and [m["kind"] for m in sent_to(fake, PRIMARY)] == ["call"]
    assert "weer" in reply(sms(signed_post, PRIMARY, "START", sid="SM2"))
    other = new_request(users, now + MIN, case_reference="PL-2")
    tick(now + MIN)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["call", "sms", "call"]
    assert other.id


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "REVOKE", "optout"])
def test_each_of_twilios_opt_out_words_blocks_without_a_reply(duty, users, signed_post, word):
    assert reply(sms(signed_post, PRIMARY, f" {word} ")) == ""
    assert notify.is_opted_out(PRIMARY)


def test_each_of_twilios_opt_in_words_unblocks(duty, users, signed_post):
    for k, word in enumerate(["START", "unstop", "Yes"]):
        sms(signed_post, PRIMARY, "STOP", sid=f"SM-stop-{k}")
        assert notify.is_opted_out(PRIMARY)
        assert "weer sms" in reply(sms(signed_post, PRIMARY, word, sid=f"SM-in-{k}")), word
        assert not notify.is_opted_out(PRIMARY), word


def test_a_keyword_with_more_words_is_no_keyword_as_at_twilio(duty, users, signed_post):
    """Twilio blocks only on a message that is the keyword alone: "stop graag" reaches a person."""
    assert "JA (of 1)" in reply(sms(signed_post, PRIMARY, "stop graag", sid="SM1"))
    assert not notify.is_opted_out(PRIMARY)


def test_stoppen_is_our_own_dutch_opt_out_and_is_answered(duty, users, signed_post):
    """Twilio does not know STOPPEN, so it delivers our reply; the app blocks the number itself."""
    assert "geen sms meer" in reply(sms(signed_post, PRIMARY, "Stoppen", sid="SM1"))
    assert notify.is_opted_out(PRIMARY)


def test_yes_after_stop_unblocks_and_only_that(duty, users, fake, tick, signed_post, now):
    """YES is Twilio's opt-in: after STOP it turns SMS back on and accepts nothing (that person saw
    no page by SMS); the help text says so. The next page reaches them by SMS again."""
    sms(signed_post, PRIMARY, "STOP", sid="SM1")
    request = new_request(users, now)
    tick(now)
    assert _page_sms(request).status == "opted_out"
    answer = reply(sms(signed_post, PRIMARY, "YES", sid="SM2"))
    assert "weer sms" in answer and not notify.is_opted_out(PRIMARY)
    assert reload(request).status == "paging" and "accepted" not in kinds(request.id)
    other = new_request(users, now + MIN, case_reference="PL-2")
    tick(now + MIN)
    page = [m for m in sent_to(fake, PRIMARY, "sms") if other.short_code in m["body"]]
    assert len(page) == 1  # the next page SMS is sent
    assert "YES na STOP" in reply(sms(signed_post, PRIMARY, "help", sid="SM3"))


def test_yes_from_a_number_that_gets_sms_accepts_like_ja(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    answer = reply(sms(signed_post, PRIMARY, "yes"))
    assert "aangenomen" in answer and reload(request).accepted_by_id == duty["people"]["primary"].id
    assert not notify.is_opted_out(PRIMARY)


def test_help_and_info_get_the_help_text_from_anyone(duty, users, signed_post):
    for k, (sender, word) in enumerate([(PRIMARY, "HELP"), ("+31699999999", "info"), ("+31101234567", "Help?")]):
        answer = reply(sms(signed_post, sender, word, sid=f"SM{k}"))
        assert "JA (of 1)" in answer and "STOP" in answer and "START" in answer, (sender, word)


@pytest.mark.parametrize("body", ["Ja.", "ja graag", "1!", "Ja!", "  JA  ", "yes please"])
def test_lenient_yes_accepts(duty, users, fake, tick, signed_post, now, body):
    """Case, punctuation and trailing words are ignored; a trailing word is a code only if it can be one."""
    request = new_request(users, now)
    tick(now)
    answer = reply(sms(signed_post, PRIMARY, body))
    assert "aangenomen" in answer, answer
    assert reload(request).accepted_by_id == duty["people"]["primary"].id


@pytest.mark.parametrize("body", ["nee sorry", "Nee.", "2!", "nee, kan niet"])
def test_lenient_no_declines(duty, users, fake, tick, signed_post, now, body):
    request = new_request(users, now)
    tick(now)
    assert "niet aan" in reply(sms(signed_post, PRIMARY, body))
    assert "declined" in kinds(request.id) and reload(request).status == "paging"


def test_a_code_with_punctuation_and_trailing_words(duty, users, fake, tick, signed_post, now):
    one, two = new_request(users, now, case_reference="A-1"), new_request(users, now, case_reference="A-2")
    tick(now)
    answer = reply(sms(signed_post, PRIMARY, f"Ja, {two.short_code.lower()}. Ik bel zo", sid="SM1"))
    assert "aangenomen" in answer and reload(two).status == "accepted" and reload(one).status == "paging"
    assert "ACDE" in reply(sms(signed_post, PRIMARY, "JA ACDE", sid="SM2"))  # code-shaped: looked up, unknown


def test_sms_words():
    from piket.answers import is_code, sms_words

    assert sms_words("  Ja, k7f3!  ") == ["JA", "K7F3"]
    assert sms_words("1!") == ["1"] and sms_words("...") == [] and sms_words(None) == []
    assert sms_words("nee; sorry…") == ["NEE", "SORRY"]
    assert is_code("K7F3") and not is_code("GRAAG") and not is_code("K7F") and not is_code("K0F2")


def test_unknown_sender_changes_nothing(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    assert "niet bekend" in reply(sms(signed_post, "+31699999999", "JA"))
    assert reload(request).status == "paging"


def test_bedden_from_the_shelters_registered_number(registry, signed_post, now):
    shelter = registry["shelters"]["rot-cosm"]  # intake phone +31101234567; bed pool: capacity 4, 2 occupied
    answer = reply(sms(signed_post, "+31 10 123 4567", "Bedden 3", sid="SM1"))
    db.session.expire_all()
    pool = shelter.pools[0]
    assert pool.free == 3 and pool.occupied == 1 and pool.confirmed_at == now
    assert "3 vrij" in answer and shelter.name in answer
    snapshot = db.session.scalar(select(AvailabilitySnapshot).order_by(AvailabilitySnapshot.id.desc()))
    assert snapshot.source == "sms" and snapshot.free == 3
    assert "Niet opgeslagen" in reply(sms(signed_post, "+31101234567", "BEDDEN 9", sid="SM2"))
    db.session.expire_all()
    assert shelter.pools[0].free == 3  # nothing half-written
    assert "niet bekend" in reply(sms(signed_post, "+31699999999", "BEDDEN 1", sid="SM3"))


def test_a_bad_signature_is_refused_and_changes_nothing(duty, users, fake, tick, client, app, now):
    request = new_request(users, now)
    tick(now)
    app.config["TWILIO_AUTH_TOKEN"] = "test-twilio-token"
    resp = client.post(
        "/webhooks/twilio/sms",
        data={"From": PRIMARY, "Body": "JA", "MessageSid": "SM1"},
        headers={"X-Twilio-Signature": "forged"},
    )
    assert resp.status_code == 403
    assert reload(request).status == "paging"


# --- the call ---------------------------------------------------------------------------------------


def _call_attempt(request):
    from notify.models import NotificationAttempt

    return db.session.scalar(
        select(NotificationAttempt).where(
            NotificationAttempt.request_id == request.id, NotificationAttempt.channel == "voice"
        )
    )


def test_the_call_asks_in_dutch_without_personal_data(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    call = sent_to(fake, PRIMARY, "call")[0]
    attempt = _call_attempt(request)
    assert call["url"].endswith(f"/webhooks/twilio/voice/{attempt.id}")
    twiml = signed_post(f"/webhooks/twilio/voice/{attempt.id}", {"CallSid": "CA1", "AnsweredBy": "human"}).get_data(
        as_text=True
    )
    assert "<Gather" in twiml and 'numDigits="1"' in twiml and 'language="nl-NL"' in twiml
    assert "Toets 1 om aan te nemen" in twiml and "Rotterdam" in twiml
    assert "geen keuze ontvangen" in twiml.split("</Gather>")[1]  # the fallback after the gather
    for private in (request.case.case_reference, request.case.callback_phone, "labour", "40"):
        assert private not in twiml


@pytest.mark.parametrize("answered_by", ["machine_start", "machine_end_beep", "fax"])
def test_a_call_taken_for_a_machine_still_asks_and_a_voicemail_is_no_acceptance(
    duty, users, fake, tick, signed_post, now, answered_by
):
    """Machine detection guesses: a person taken for a voicemail must still be able to press 1.
    A real voicemail records the question, presses nothing, and counts as no answer."""
    request = new_request(users, now)
    tick(now)
    attempt = _call_attempt(request)
    twiml = signed_post(f"/webhooks/twilio/voice/{attempt.id}", {"CallSid": "CA1", "AnsweredBy": answered_by}).get_data(
        as_text=True
    )
    assert "<Gather" in twiml and 'numDigits="1"' in twiml and "Toets 1 om aan te nemen" in twiml
    # The voicemail: no key, then the call ends; its status callback says a machine answered.
    path = f"/webhooks/twilio/status/{attempt.id}"
    signed_post(path, {"CallSid": "CA1", "CallStatus": "completed", "AnsweredBy": answered_by})
    assert reload(request).status == "paging" and _call_attempt(request).status == "no_answer"


def test_a_person_taken_for_a_machine_accepts_with_1(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    attempt = _call_attempt(request)
    signed_post(f"/webhooks/twilio/voice/{attempt.id}", {"CallSid": "CA1", "AnsweredBy": "machine_start"})
    said = signed_post(f"/webhooks/twilio/voice/{attempt.id}/keuze", {"CallSid": "CA1", "Digits": "1"})
    assert "aangenomen" in said.get_data(as_text=True)
    assert reload(request).accepted_by_id == duty["people"]["primary"].id


def test_keypad_1_accepts_2_declines_star_repeats(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    attempt = _call_attempt(request)
    path = f"/webhooks/twilio/voice/{attempt.id}/keuze"
    star = signed_post(path, {"CallSid": "CA1", "Digits": "*"}).get_data(as_text=True)
    assert f"/webhooks/twilio/voice/{attempt.id}</Redirect>" in star and reload(request).status == "paging"
    said = signed_post(path, {"CallSid": "CA1", "Digits": "1"}).get_data(as_text=True)
    assert "aangenomen" in said and reload(request).accepted_by_id == duty["people"]["primary"].id
    signed_post(path, {"CallSid": "CA1", "Digits": "1"})  # replayed
    assert kinds(request.id).count("accepted") == 1
    tick(now + MIN)
    accepted_sms = [m for m in sent_to(fake, PRIMARY, "sms") if "/zaak/" in m["body"]]
    assert len(accepted_sms) == 1  # the link to the proposals, by SMS after a phone accept


def test_keypad_2_declines(duty, users, fake, tick, signed_post, now):
    request = new_request(users, now)
    tick(now)
    attempt = _call_attempt(request)
    said = signed_post(f"/webhooks/twilio/voice/{attempt.id}/keuze", {"CallSid": "CA1", "Digits": "2"}).get_data(
        as_text=True
    )
    assert "niet aan" in said and "declined" in kinds(request.id)


# --- the link ----------------------------------------------------------------------------------------


def _link_path(fake, number):
    body = sent_to(fake, number, "sms")[0]["body"]
    return re.search(r"https?://[^/]+(/a/\S+)", body).group(1)


def test_the_link_accepts_on_post_only_and_once(duty, users, fake, tick, client, now):
    request = new_request(users, now)
    tick(now)
    path = _link_path(fake, PRIMARY)
    page = client.get(path)  # a link-preview robot, or the person opening it
    assert page.status_code == 200 and request.short_code in page.get_data(as_text=True)
    assert reload(request).status == "paging"
    token = csrf_token(page.get_data(as_text=True))
    done = client.post(path, data={"csrf_token": token, "choice": "accept"})
    assert done.status_code == 200 and "aangenomen" in done.get_data(as_text=True)
    assert reload(request).accepted_by_id == duty["people"]["primary"].id
    client.post(path, data={"csrf_token": token, "choice": "decline"})  # used again: no second effect
    assert "declined" not in kinds(request.id) and kinds(request.id).count("accepted") == 1


def test_a_forged_or_expired_link_is_refused(duty, users, fake, tick, client, app, now):
    request = new_request(users, now)
    tick(now)
    path = _link_path(fake, PRIMARY)
    assert client.get(path[:-3] + "xyz").status_code == 404
    app.config["FROZEN_NOW"] = now + dt.timedelta(hours=app.config["LINK_HOURS"], seconds=-1)
    assert client.get(path).status_code == 200  # still valid up to LINK_HOURS after it was sent
    app.config["FROZEN_NOW"] = now + dt.timedelta(hours=app.config["LINK_HOURS"], seconds=1)
    assert client.get(path).status_code == 404
    assert reload(request).status == "paging"


def test_no_personal_data_in_any_message(duty, users, fake, tick, signed_post, now):
    from piket import service
    from tests.conftest import case_body

    case, _ = service.create_case(
        now, service.parse_case(case_body(case_reference="BVH-SECRET-77"), users["police"]), users["police"]
    )
    for minute in (0, 5, 10, 20, 30):
        tick(now + minute * MIN)
    assert fake.sent
    for message in fake.sent:
        text = message.get("body", "") + message.get("url", "")
        assert "BVH-SECRET-77" not in text and "sexual" not in text and "31 " not in text
        assert "+31612345678" not in text  # the requester's number is not spread around


def test_requester_gets_the_meeting_details_after_confirm(duty, users, fake, tick, registry, app, now):
    from piket import placements, service
    from tests.conftest import MAN

    body = {
        "case_reference": "PL-9",
        "callback_phone": "+31612345678",
        "found": {"region": "rotterdam"},
        "requests": [{"persons": [MAN]}],
    }
    case, _ = service.create_case(now, service.parse_case(body, users["police"]), users["police"])
    request = case.requests[0]
    pool = registry["shelters"]["rot-mo"].pools[0]
    placement = placements.choose(now, request.id, pool.id, duty["people"]["primary"], app.config)
    placements.confirm(now + MIN, placement.hold_id, users["admin"])
    tick(now + MIN)
    told = [m for m in sent_to(fake, "+31612345678") if "bevestigd" in m["body"]]
    assert len(told) == 1 and "Mannenopvang Rotterdam" in told[0]["body"]
    assert "Mannenweg" not in told[0]["body"]  # the confidential address only on the page, audited
    db.session.expire_all()
    assert db.session.get(type(case), case.id).report_owner_id == duty["people"]["primary"].id


def test_report_owner_is_handed_over_by_name(duty, users, api, now):
    from piket import service
    from tests.conftest import case_body

    case, _ = service.create_case(now, service.parse_case(case_body(), users["police"]), users["police"])
    resp = api("police", "PUT", f"/api/v1/cases/{case.id}/report-owner", json={"email": users["police"].email})
    assert resp.status_code == 403  # not the owner, not a coordinator
    resp = api("coordinator", "PUT", f"/api/v1/cases/{case.id}/report-owner", json={"email": users["police"].email})
    assert resp.status_code == 200 and resp.json["report_owner_id"] == users["police"].id
    resp = api("police", "PUT", f"/api/v1/cases/{case.id}/report-owner", json={"email": "nobody@test.nl"})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "email"
    events = db.session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == case.requests[0].id)).all()
    assert "report_owner" in events
