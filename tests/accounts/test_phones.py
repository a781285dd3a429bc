"""Phones (accounts/phones.py): parsed into E.164, mobile only for a person, verified by an SMS code
before duty or alarms, matched on inbound SMS by the stored number; Mijn telefoon and its test page."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from accounts import phones
from accounts.models import PhoneCode, User
from audit.models import AuditEntry
from errors import TooManyRequests, ValidationError
from extensions import db
from notify import service as notify
from notify.models import NotificationAttempt
from piket import answers
from piket.rotas import service as rotas
from tests.conftest import csrf_token, kinds, new_request, reload

MIN = dt.timedelta(minutes=1)


# --- parsing ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("06 1234 5678", "+31612345678"),
        ("06-12345678", "+31612345678"),
        ("0031 6 1234 5678", "+31612345678"),
        ("+31 (0)6-1234 5678", "+31612345678"),
        ("+31612345678", "+31612345678"),
        ("+32 470 12 34 56", "+32470123456"),  # a Belgian mobile
        # The demo's fictitious range (phones.FICTITIOUS_PREFIX): phonenumbers calls it invalid, it passes.
        ("+31 6 0000 0101", "+31600000101"),
        ("06-0000 0100", "+31600000100"),
    ],
)
def test_a_mobile_number_is_stored_in_e164(typed, stored):
    assert phones.parse_mobile(typed, field="phone") == stored


@pytest.mark.parametrize(
    "typed,words",
    [
        ("010 123 4567", "geen mobiel nummer"),  # a landline gets no SMS
        ("+31 20 123 4567", "geen mobiel nummer"),
        ("0900 8844", "geen mobiel nummer"),  # a service number
        ("0612345", "bestaat niet"),  # too short: once stored as "+31612345"
        ("+31 6 0001 0000", "bestaat niet"),  # just outside the demo range: 06-0001 is no mobile block either
        ("+44 7700 900123", "bestaat niet"),  # a UK drama number
        ("bel mij", "geen geldig telefoonnummer"),
        ("", "vul een telefoonnummer in"),
    ],
)
def test_landlines_and_non_numbers_are_refused_naming_the_field(typed, words):
    with pytest.raises(ValidationError) as err:
        phones.parse_mobile(typed, field="people[0].phone")
    assert err.value.field == "people[0].phone" and words in err.value.message


def test_a_contact_number_may_be_a_fixed_line():
    assert phones.parse_contact("010 123 4567", field="callback_phone") == "+31101234567"  # a police station
    assert phones.parse_contact("06 1234 5678", field="callback_phone") == "+31612345678"
    with pytest.raises(ValidationError) as err:
        phones.parse_contact("0612345", field="intake_phone")
    assert err.value.field == "intake_phone"


def test_a_case_callback_and_an_intake_phone_are_stored_in_e164(api, users, registry):
    from tests.conftest import NEW_SHELTER, case_body

    resp = api("police", "POST", "/api/v1/placement-requests", json=case_body(callback_phone="010 - 123 4567"))
    assert resp.status_code == 201, resp.json
    from piket.models import Case

    assert db.session.scalar(select(Case.callback_phone)) == "+31101234567"
    resp = api("police", "POST", "/api/v1/placement-requests", json=case_body(callback_phone="0612345"))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "callback_phone"
    resp = api("admin", "POST", "/api/v1/shelters", json={**NEW_SHELTER, "intake_phone": "010 765 4321"})
    assert resp.status_code == 201, resp.json
    assert resp.json["intake_phone"] == "+31107654321"


# --- a person's phone and its verification ---------------------------------------------------------------


def test_change_phone_stores_e164_clears_verification_and_is_audited(users, now):
    user = users["coordinator"]
    phones.change_phone(now, user=user, raw="06 1234 5678", actor=users["admin"])
    user.phone_verified_at = now
    db.session.commit()
    phones.change_phone(now, user=user, raw="+31 6 1234 5678", actor=user)  # the same number: still verified
    assert phones.is_verified(user)
    phones.change_phone(now, user=user, raw="06 8765 4321", actor=user)
    db.session.commit()
    assert user.phone == "+31687654321" and not phones.is_verified(user)
    with pytest.raises(ValidationError) as err:
        phones.change_phone(now, user=user, raw="010 123 4567", actor=user)
    assert err.value.field == "phone"
    db.session.rollback()
    assert db.session.get(User, user.id).phone == "+31687654321"  # nothing stored
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.phone")).all()
    assert [e.after["phone"] for e in entries] == ["+31612345678", "+31687654321"]
    assert entries[0].actor == users["admin"].email


def _code_sent(user) -> str:
    [attempt] = [
        a for a in notify.attempts_of(user_id=user.id, purpose=phones.CODE_PURPOSE) if a.body != "Piket-code: ******"
    ]
    assert re.fullmatch(r"Piket-code: \d{6}", attempt.body)  # the code and nothing else about anyone
    return attempt.body.split()[-1]


def test_a_code_verifies_the_phone_and_only_its_hash_is_kept(users, now):
    user = users["coordinator"]
    phones.change_phone(now, user=user, raw="06 1234 5678", actor=user)
    phones.send_code(now, user)
    code = _code_sent(user)
    row = db.session.scalar(select(PhoneCode))
    assert code not in row.code_hash and row.expires_at == now + 10 * MIN
    with pytest.raises(ValidationError) as err:
        phones.verify(now, user, "000000" if code != "000000" else "111111")
    assert err.value.field == "code" and "nog 4 pogingen" in err.value.message
    phones.verify(now + 9 * MIN, user, code[:3] + " " + code[3:])
    assert phones.is_verified(user) and user.phone_verified_at == now + 9 * MIN
    # Spent: the outbox no longer holds it either.
    assert db.session.scalar(select(NotificationAttempt.body).where(NotificationAttempt.user_id == user.id)) == (
        "Piket-code: ******"
    )
    with pytest.raises(ValidationError):
        phones.verify(now + 9 * MIN, user, code)


def test_a_code_expires_after_ten_minutes(users, now):
    user = users["coordinator"]
    phones.change_phone(now, user=user, raw="06 1234 5678", actor=user)
    phones.send_code(now, user)
    with pytest.raises(ValidationError) as err:
        phones.verify(now + 10 * MIN, user, _code_sent(user))
    assert "verlopen" in err.value.message and not phones.is_verified(user)


def test_five_wrong_codes_spend_it_and_resending_is_limited(users, now):
    user = users["coordinator"]
    phones.change_phone(now, user=user, raw="06 1234 5678", actor=user)
    phones.send_code(now, user)
    code = _code_sent(user)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(phones.MAX_ATTEMPTS):
        with pytest.raises(ValidationError):
            phones.verify(now, user, wrong)
    with pytest.raises(ValidationError) as err:
        phones.verify(now, user, code)  # right, but too late
    assert "vraag een nieuwe aan" in err.value.message and not phones.is_verified(user)
    phones.send_code(now + MIN, user)
    phones.send_code(now + 2 * MIN, user)
    with pytest.raises(TooManyRequests):
        phones.send_code(now + 3 * MIN, user)
    phones.send_code(now + 61 * MIN, user)  # an hour after the first


def test_a_code_is_for_the_number_it_was_sent_to(users, now):
    user = users["coordinator"]
    phones.change_phone(now, user=user, raw="06 1234 5678", actor=user)
    phones.send_code(now, user)
    code = _code_sent(user)
    phones.change_phone(now, user=user, raw="06 8765 4321", actor=user)
    with pytest.raises(ValidationError) as err:
        phones.verify(now, user, code)
    assert "vraag eerst een code aan" in err.value.message


# --- duty and alarms ------------------------------------------------------------------------------------------


def test_nobody_is_put_on_duty_with_an_unverified_phone(registry, users, make_user, now):
    rota = rotas.create_rota(
        now, {"region": "rotterdam", "level": "primary", "owner": users["admin"].email}, users["admin"]
    )
    person = make_user("coordinator", regions=["rotterdam"], email="nieuw@test.nl")
    person.name = "Nina Nieuw"
    phones.change_phone(now, user=person, raw="06 1234 5678", actor=users["admin"])
    db.session.commit()
    swap = {"user": person.email, "start": "2026-11-23 09:00", "end": "2026-11-24 09:00"}
    rotation = {
        "start_date": "2026-11-23",
        "handover": "09:00",
        "shift_hours": "24",
        "days": ["1"],
        "people": person.email,
    }
    for add, data, field in ((rotas.add_override, swap, "user"), (rotas.add_rotation, rotation, "people[0]")):
        with pytest.raises(ValidationError) as err:
            add(now, rota.id, data, users["admin"])
        assert err.value.field == field
        assert "Nina Nieuw (nieuw@test.nl)" in err.value.message and "Mijn telefoon" in err.value.message
    csv = f"region,email,start,end\nrotterdam,{person.email},2026-11-23 09:00,2026-11-24 09:00\n"
    with pytest.raises(ValidationError) as err:
        rotas.import_csv(now, csv, actor=users["admin"])
    assert "Nina Nieuw (nieuw@test.nl)" in str(err.value.details) and "niet bevestigd" in str(err.value.details)
    assert person not in rotas.eligible_people(rota)
    person.phone_verified_at = now
    db.session.commit()
    assert rotas.add_override(now, rota.id, swap, users["admin"]).user_id == person.id
    assert person in rotas.eligible_people(rota)


def test_an_alarm_skips_unverified_phones_and_says_so_on_the_timeline(duty, users, fake, tick, now):
    users["admin"].phone = "+31610000010"  # never verified
    db.session.commit()
    request = new_request(users, now)
    for minute in (0, 5, 10, 20, 30):
        tick(now + minute * MIN)
    assert reload(request).status == "exhausted"
    assert not [m for m in fake.sent if m["to"] == "+31610000010"]
    assert any("ALARM" in m.get("body", "") for m in fake.sent if m["to"] == duty["people"]["primary"].phone)
    assert "alarm_unverified" in kinds(request.id)


# --- inbound SMS --------------------------------------------------------------------------------------------


def test_an_inbound_sms_is_matched_by_the_stored_number_in_one_query(users, sql_log):
    coordinator = users["coordinator"]
    coordinator.phone = "+31612345678"
    db.session.commit()
    sql_log.clear()
    assert answers.user_by_phone("+31612345678", ("coordinator",)) == coordinator
    assert answers.user_by_phone("0612345678", ("coordinator",)) == coordinator
    assert answers.user_by_phone("+31612345678", ("police",)) is None
    assert answers.user_by_phone("onbekend", ("coordinator",)) is None
    selects = [s for s in sql_log if s.startswith("SELECT") and " FROM users " in s]
    assert len(selects) == 3 and all("users.phone = " in s for s in selects)  # one indexed equality each
    # indexed (the migration builds the models' index: tests/test_migrations.py)
    assert any(list(ix.columns.keys()) == ["phone"] for ix in User.__table__.indexes)


def test_a_reply_from_a_coordinator_is_understood_by_its_e164_number(duty, users, signed_post, now):
    resp = signed_post("/webhooks/twilio/sms", {"From": "+31610000001", "Body": "HELP", "MessageSid": "SMh"})
    assert resp.status_code == 200
    assert answers.user_by_phone("06 1000 0001", ("coordinator",)) == duty["people"]["primary"]


# --- Mijn telefoon ----------------------------------------------------------------------------------------


def _post(client, action, **form):
    page = client.get("/account/telefoon")
    return client.post(
        "/account/telefoon", data={"action": action, "csrf_token": csrf_token(page.get_data(as_text=True)), **form}
    )


def test_the_page_changes_and_verifies_ones_own_phone(client, login, users, fake, app, now):
    user = users["police"]
    login(user)
    page = client.get("/account/telefoon").get_data(as_text=True)
    assert 'id="phone-none"' in page
    resp = _post(client, "number", phone="010 123 4567")
    assert resp.status_code == 422 and "geen mobiel nummer" in resp.get_data(as_text=True)
    assert 'value="010 123 4567"' in resp.get_data(as_text=True) and db.session.get(User, user.id).phone is None
    assert _post(client, "number", phone="06 1234 5678").status_code == 302
    page = client.get("/account/telefoon").get_data(as_text=True)
    assert "+31612345678" in page and 'id="phone-unverified"' in page
    assert _post(client, "code").status_code == 302
    notify.dispatch_due(now + dt.timedelta(days=30), fake, app.config["PUBLIC_BASE_URL"])
    [sms] = [m for m in fake.sent if m["to"] == "+31612345678"]
    code = sms["body"].split()[-1]
    resp = _post(client, "verify", code="12345x")
    assert resp.status_code == 422 and 'id="code-error"' in resp.get_data(as_text=True)
    assert _post(client, "verify", code=code).status_code == 302
    assert 'id="phone-verified"' in client.get("/account/telefoon").get_data(as_text=True)
    assert phones.is_verified(db.session.get(User, user.id))


def _test_attempts(user):
    return {a.channel: a for a in phones.last_test(user)}


def test_a_test_page_arrives_and_its_statuses_come_from_the_signed_webhooks(
    client, login, users, fake, app, signed_post
):
    user = users["coordinator"]
    user.phone = "+31612345678"
    db.session.commit()
    login(user)
    assert _post(client, "test").status_code == 302
    page = client.get("/account/telefoon").get_data(as_text=True)
    assert page.count('data-step="queued"') == 2
    notify.dispatch_due(phones_now(), fake, app.config["PUBLIC_BASE_URL"])
    sms, call = [m for m in fake.sent if m["to"] == "+31612345678"]
    assert sms["kind"] == "sms" and sms["body"] == phones.TEST_SMS and call["kind"] == "call"
    attempts = _test_attempts(user)
    # The call says it is a test; it asks nothing.
    twiml = signed_post(f"/webhooks/twilio/voice/{attempts['voice'].id}", {"CallSid": "CAt"}).get_data(as_text=True)
    assert "testoproep van Piket" in twiml and "Gather" not in twiml
    page = client.get("/account/telefoon").get_data(as_text=True)
    assert 'data-step="sent"' in page and "gaat over" in page
    for attempt, status in (
        (attempts["sms"], {"MessageStatus": "delivered"}),
        (attempts["voice"], {"CallStatus": "completed"}),
    ):
        assert signed_post(f"/webhooks/twilio/status/{attempt.id}", status).status_code == 204
    page = client.get("/account/telefoon").get_data(as_text=True)
    assert 'data-channel="sms" data-step="delivered"' in page and "afgeleverd" in page
    assert 'data-channel="voice" data-step="answered"' in page and "opgenomen" in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.phone_test")) is not None


def test_an_unanswered_test_call_shows_as_such(client, login, users, fake, app, signed_post):
    user = users["coordinator"]
    user.phone = "+31612345678"
    db.session.commit()
    login(user)
    _post(client, "test")
    notify.dispatch_due(phones_now(), fake, app.config["PUBLIC_BASE_URL"])
    call = _test_attempts(user)["voice"]
    assert signed_post(f"/webhooks/twilio/status/{call.id}", {"CallStatus": "no-answer"}).status_code == 204
    page = client.get("/account/telefoon").get_data(as_text=True)
    assert 'data-channel="voice" data-step="no_answer"' in page and "niet opgenomen" in page


def test_test_pages_are_rate_limited(client, login, users):
    user = users["coordinator"]
    user.phone = "+31612345678"
    db.session.commit()
    login(user)
    for _ in range(phones.TESTS_PER_HOUR):
        assert _post(client, "test").status_code == 302
    resp = _post(client, "test")
    assert resp.status_code == 429 and 'id="action-error"' in resp.get_data(as_text=True)


def phones_now():
    """Far enough ahead that everything queued is due (the outbox is sent by the worker's clock)."""
    return dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_changes_verifies_and_tests_ones_own_phone(api, users, fake, app):
    resp = api("shelter_staff", "PUT", "/api/v1/me/phone", json={"phone": "010 123 4567"})
    assert resp.status_code == 422 and resp.json["error"]["field"] == "phone"
    resp = api("shelter_staff", "PUT", "/api/v1/me/phone", json={"phone": "06 1234 5678"})
    assert resp.status_code == 200 and resp.json["phone"] == "+31612345678" and resp.json["verified"] is False
    assert api("shelter_staff", "POST", "/api/v1/me/phone/verify", json={}).status_code == 202
    staff = db.session.scalar(select(User).where(User.phone == "+31612345678"))
    code = _code_sent(staff)
    resp = api("shelter_staff", "POST", "/api/v1/me/phone/verify", json={"code": code})
    assert resp.status_code == 200 and resp.json["verified"] is True
    resp = api("shelter_staff", "POST", "/api/v1/me/phone/test")
    assert resp.status_code == 202 and {line["status"] for line in resp.json["last_test"]} == {"queued"}
    assert api("shelter_staff", "GET", "/api/v1/me/phone").json["verified"] is True


# --- the migration ------------------------------------------------------------------------------------------


def test_the_migration_normalises_stored_numbers_where_they_parse(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app

    # Its own SQLite file on either run: the rewrite is the same SQL on both (the schema: test_migrations).
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "TESTING": True})
    with app.app_context():
        upgrade(revision="b15c0e5a0d17")
        with db.engine.begin() as conn:
            for i, phone in enumerate(["06 1234 5678", "0612345", "+31 6 0000 0101", None]):
                conn.execute(
                    text(
                        "INSERT INTO users (email, name, role, password_hash, phone, active) VALUES (:e, '', 'police', 'x', :p, 1)"
                    ),
                    {"e": f"u{i}@test.nl", "p": phone},
                )
        upgrade(revision="ph16a0c0de01")
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT phone FROM users ORDER BY id")).scalars().all()
        db.engine.dispose()
    assert stored == ["+31612345678", "0612345", "+31600000101", None]
