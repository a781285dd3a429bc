"""One page per case per person: a raid of 15 groups is one SMS and one call, and one answer takes it."""

import datetime as dt

from piket import service
from tests.conftest import BACKUP, MAN, PRIMARY, case_body, kinds, reload, sent_to

MIN = dt.timedelta(minutes=1)


def raid(users, now, groups=15):
    body = case_body(requests=[{"persons": [MAN]} for _ in range(groups)], apart=[])
    case, _ = service.create_case(now, service.parse_case(body, users["police"]), users["police"])
    return case


def sms(signed_post, sender, body, sid):
    return signed_post("/webhooks/twilio/sms", {"From": sender, "Body": body, "MessageSid": sid})


def test_a_case_of_fifteen_groups_is_one_sms_and_one_call(duty, users, fake, tick, now):
    case = raid(users, now)
    tick(now)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call"]
    body = sent_to(fake, PRIMARY, "sms")[0]["body"]
    assert "15 groepen" in body and "15 pers." in body
    assert all(r.short_code in body for r in case.requests)  # each group's code, no personal data
    assert all(reload(r).status == "paging" for r in case.requests)
    tick(now + 5 * MIN)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call", "call"]  # the ladder's call, once


def test_one_yes_takes_the_whole_case(duty, users, fake, tick, signed_post, now):
    case = raid(users, now, groups=3)
    tick(now)
    answer = sms(signed_post, PRIMARY, "JA", "SM-1").get_data(as_text=True)
    assert "aangenomen" in answer
    primary = duty["people"]["primary"]
    assert [(reload(r).status, reload(r).accepted_by_id) for r in case.requests] == [("accepted", primary.id)] * 3
    tick(now + 10 * MIN)
    assert not sent_to(fake, BACKUP)  # the ladder stopped for every group
    confirmations = [m for m in sent_to(fake, PRIMARY, "sms") if "u heeft aanvraag" in m["body"]]
    assert len(confirmations) == 1  # and one confirmation, not one per group


def test_one_no_declines_the_whole_case(duty, users, fake, tick, signed_post, now):
    case = raid(users, now, groups=3)
    tick(now)
    sms(signed_post, PRIMARY, "NEE", "SM-1")
    assert all(kinds(r.id).count("declined") == 1 for r in case.requests)
    tick(now + MIN)  # everyone of the step said no: the back-up is paged at once, once for the case
    assert [m["kind"] for m in sent_to(fake, BACKUP)] == ["sms", "call"]


def test_keypad_one_on_the_call_takes_the_whole_case(duty, users, fake, tick, signed_post, now):
    case = raid(users, now, groups=2)
    tick(now)
    call = sent_to(fake, PRIMARY, "call")[0]
    attempt_id = call["url"].rsplit("/", 1)[1]
    spoken = signed_post(f"/webhooks/twilio/voice/{attempt_id}", {"CallSid": "CA1", "AnsweredBy": "human"})
    assert "2 personen in 2 groepen" in spoken.get_data(as_text=True)
    signed_post(f"/webhooks/twilio/voice/{attempt_id}/keuze", {"CallSid": "CA1", "Digits": "1"})
    assert {reload(r).status for r in case.requests} == {"accepted"}


def test_a_yes_with_another_groups_code_tells_the_others_it_is_taken(duty, users, fake, tick, signed_post, now):
    case = raid(users, now, groups=3)
    tick(now)
    tick(now + 10 * MIN)  # the back-up is paged too, with the first group's code
    last = case.requests[-1]
    sms(signed_post, BACKUP, f"JA {last.short_code}", "SM-1")
    tick(now + 11 * MIN)
    taken = [m for m in sent_to(fake, PRIMARY, "sms") if "is aangenomen door de achtervang" in m["body"]]
    assert len(taken) == 1
    assert {reload(r).accepted_by_id for r in case.requests} == {duty["people"]["backup"].id}
