"""The phone pages of a placement: the police form, the coordinator's proposals, the shelter's intake."""

import datetime as dt
import re

from sqlalchemy import func, select

from extensions import db
from piket.models import Case, Placement
from tests.conftest import BACKUP, PRIMARY, csrf_token, kinds, new_request, reload

FORM = {
    "region": "rotterdam",
    "case_reference": "PL-2026-7",
    "callback_phone": "+31612345678",
    "urgency": "immediate",
    "threat": "low",
    "g0-gender": "female",
    "g0-age": "31",
    "g0-residence": "none",
    "g0-exploitation": "sexual",
    "g0-children": "2",
    "g0-apart": "1",
    "g1-gender": "male",
    "g1-age": "40",
    "g1-residence": "lawful",
    "g1-exploitation": "labour",
}


def post_form(client, url, data):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_police_form_creates_the_case_once_even_when_sent_twice(client, login, users, registry):
    login(users["police"])
    html = client.get("/aanvraag/nieuw").get_data(as_text=True)
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    data = {**FORM, "csrf_token": csrf_token(html), "idempotency_key": key}
    first, second = client.post("/aanvraag/nieuw", data=data), client.post("/aanvraag/nieuw", data=data)
    assert first.status_code == 302 and first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "PL-2026-7" in page and page.count('class="card request"') == 2


def test_police_form_shows_the_error_beside_the_field_and_stores_nothing(client, login, users, registry):
    login(users["police"])
    resp = post_form(client, "/aanvraag/nieuw", {**FORM, "g1-age": "<b>veertig</b>"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-field="g1-age"' in html
    assert "<b>veertig</b>" not in html and "&lt;b&gt;veertig&lt;/b&gt;" in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_police_form_without_a_person_names_the_first_gender(client, login, users, registry):
    login(users["police"])
    resp = post_form(client, "/aanvraag/nieuw", {k: v for k, v in FORM.items() if not k.startswith("g")})
    assert resp.status_code == 422 and 'data-field="g0-gender"' in resp.get_data(as_text=True)


def test_coordinator_chooses_a_proposal_and_the_shelter_confirms(client, login, users, registry, app):
    login(users["police"])
    case_url = post_form(client, "/aanvraag/nieuw", FORM).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(users["coordinator"])
    page = client.get(case_url).get_data(as_text=True)
    assert "COSM Rotterdam" in page and "Mannenopvang Rotterdam" in page
    case = db.session.scalars(select(Case)).one()
    mother = case.requests[0]
    family_pool = registry["shelters"]["rot-cosm"].pools[1].id
    resp = client.post(
        case_url,
        data={"csrf_token": csrf_token(page), "action": "choose", "request_id": mother.id, "pool_id": family_pool},
    )
    assert resp.status_code == 302
    placement = db.session.scalars(select(Placement)).one()
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(users["shelter_staff"])
    intakes_url = f"/opvang/{registry['shelters']['rot-cosm'].id}/intakes"
    html = client.get(intakes_url).get_data(as_text=True)
    assert mother.short_code in html and "Intake bevestigen" in html
    client.post(intakes_url, data={"csrf_token": csrf_token(html), "action": "confirm", "hold_id": placement.hold_id})
    db.session.expire_all()
    assert placement.status == "confirmed" and mother.status == "placed"


# --- exhausted is no dead end; Intrekken asks first; the timeline in Dutch --------------------------------

MIN = dt.timedelta(minutes=1)


def exhausted_request(users, now, tick):
    """Nobody on any rota: the ladder skips every step and the request is exhausted at once."""
    request = new_request(users, now)
    tick(now)
    assert reload(request).status == "exhausted"
    return request


def page_of(client, request):
    return client.get(f"/zaak/{request.case_id}").get_data(as_text=True)


def test_a_coordinator_takes_an_exhausted_request_on_from_its_page_and_chooses(client, login, users, tick, now):
    request = exhausted_request(users, now, tick)
    login(users["coordinator"])
    listed = client.get("/aanvragen").get_data(as_text=True)
    assert f'href="/zaak/{request.case_id}"' in listed and 'data-status="exhausted"' in listed
    page = page_of(client, request)
    assert 'value="accept">Aannemen</button>' in page  # the alarm SMS's link is no dead end
    assert "Mannenopvang Rotterdam" in page and 'value="choose"' in page  # and it shows the proposals
    resp = client.post(
        f"/zaak/{request.case_id}", data={"csrf_token": csrf_token(page), "action": "accept", "request_id": request.id}
    )
    assert resp.status_code == 302 and reload(request).status == "accepted"
    assert reload(request).accepted_by_id == users["coordinator"].id
    page = page_of(client, request)
    pool = re.search(r'name="pool_id" value="(\d+)"', page).group(1)
    client.post(
        f"/zaak/{request.case_id}",
        data={"csrf_token": csrf_token(page), "action": "choose", "request_id": request.id, "pool_id": pool},
    )
    assert reload(request).status == "placing"


def test_choosing_a_proposal_of_an_exhausted_request_takes_it_on(client, login, users, tick, now):
    request = exhausted_request(users, now, tick)
    login(users["coordinator"])
    page = page_of(client, request)
    pool = re.search(r'name="pool_id" value="(\d+)"', page).group(1)
    resp = client.post(
        f"/zaak/{request.case_id}",
        data={"csrf_token": csrf_token(page), "action": "choose", "request_id": request.id, "pool_id": pool},
    )
    assert resp.status_code == 302
    request = reload(request)
    assert request.status == "placing" and request.accepted_by_id == users["coordinator"].id
    assert kinds(request.id)[-2:] == ["accepted", "placement_chosen"]


def test_the_police_page_of_an_exhausted_request_says_what_now_and_whom_to_call(app, client, login, users, tick, now):
    app.config["NATIONAL_PIKET_NUMBER"] = "+31 85 000 0000"
    request = exhausted_request(users, now, tick)
    login(users["police"])
    page = page_of(client, request)
    assert '<a href="tel:+31850000000">+31 85 000 0000</a>' in page
    assert "Alle zorgcoördinatoren van de regio en de beheerders zijn gealarmeerd" in page
    assert "Houd deze pagina open" in page
    # Its timeline says why: every step skipped, and the alarm.
    assert "stap overgeslagen bij de primaire piket: niemand van dienst" in page
    assert "NIEMAND BEREIKT: alarm aan alle coördinatoren van de regio en de beheerders" in page
    assert "sms aan de aanvrager: verstuurd" in page
    assert 'value="accept"' not in page and 'value="choose"' not in page


def test_the_police_page_of_a_request_being_paged_says_the_next_step(client, login, users, duty, tick, now):
    request = new_request(users, now)
    tick(now)
    tick(now + 5 * MIN)  # the primary is called again; the back-up is next, at minute 10 (02:40)
    login(users["police"])
    page = page_of(client, request)
    assert "De piket wordt nu opgeroepen. Neemt niemand aan, dan volgt om 02:40 de achtervang." in page
    assert "tel:" not in page.split('class="card request"')[1].split("</p>")[2]  # no national number yet


def test_intrekken_asks_first_and_only_the_confirmation_cancels(client, login, users, duty, tick, now):
    request = new_request(users, now)
    tick(now)
    login(users["police"])
    page = page_of(client, request)
    assert 'value="cancel"' not in page  # no one-tap withdrawal on the case page: a link to the question
    question_url = f"/zaak/{request.case_id}/intrekken/{request.id}"
    assert f'href="{question_url}"' in page
    question = client.get(question_url).get_data(as_text=True)
    assert "Weet u zeker" in question and "De piket wordt niet meer opgeroepen" in question
    # A POST without the confirmation changes nothing and asks the question.
    resp = client.post(
        f"/zaak/{request.case_id}",
        data={"csrf_token": csrf_token(page), "action": "cancel", "request_id": request.id},
    )
    assert resp.status_code == 200 and "Weet u zeker" in resp.get_data(as_text=True)
    assert reload(request).status == "paging"
    resp = client.post(
        f"/zaak/{request.case_id}",
        data={"csrf_token": csrf_token(question), "action": "cancel", "request_id": request.id, "confirm": "ja"},
    )
    assert resp.status_code == 302 and reload(request).status == "cancelled"


def test_the_timeline_tells_every_outcome_in_dutch(app, client, login, users, duty, fake, tick, now, signed_post):
    from notify import service as notify
    from notify.models import NotificationAttempt
    from notify.providers import PermanentError

    request = new_request(users, now)
    fake.fail_next(PermanentError("30006", "landline"), times=1)  # the primary's SMS fails for good
    tick(now)
    call = db.session.scalars(
        select(NotificationAttempt).where(
            NotificationAttempt.to_number == PRIMARY, NotificationAttempt.channel == "voice"
        )
    ).one()
    assert (
        signed_post(f"/webhooks/twilio/status/{call.id}", {"CallSid": "CA1", "CallStatus": "no-answer"}).status_code
        == 204
    )
    notify.opt_out(now, BACKUP)  # the back-up replied STOP earlier
    db.session.commit()
    tick(now + 10 * MIN)
    login(users["coordinator"])
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page_of(client, request), re.S).group(1)
    text = re.sub(r"<[^>]+>", "\n", timeline)
    assert "oproep-sms aan Coördinator primary (de primaire piket): mislukt" in text
    assert "oproep per telefoon aan Coördinator primary (de primaire piket): niet opgenomen" in text
    assert "oproep-sms aan Coördinator backup (de achtervang): niet verstuurd: nummer heeft STOP gestuurd" in text
    assert "de achtervang opgeroepen per sms en per telefoon" in text
    codes = ("primary", "backup", "no_answer", "no-answer", "opted_out", "failed", "step_", "paged", "sms)", "voice")
    assert not [
        c
        for c in codes
        if re.search(
            rf"(?<![\w-]){re.escape(c)}", text.replace("Coördinator primary", "").replace("Coördinator backup", "")
        )
    ]
    # The requester reads who by duty, never by name.
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(users["police"])
    police = page_of(client, request)
    assert "oproep-sms aan de primaire piket: mislukt" in police and "Coördinator primary" not in police


def test_the_timeline_says_a_voicemail_took_the_call(client, login, users, duty, tick, now, signed_post):
    from notify.models import NotificationAttempt

    request = new_request(users, now)
    tick(now)
    call = db.session.scalars(
        select(NotificationAttempt).where(
            NotificationAttempt.to_number == PRIMARY, NotificationAttempt.channel == "voice"
        )
    ).one()
    signed_post(
        f"/webhooks/twilio/status/{call.id}",
        {"CallSid": "CA1", "CallStatus": "completed", "AnsweredBy": "machine_end_beep"},
    )
    login(users["coordinator"])
    assert "(de primaire piket): voicemail nam op: niemand gehoord" in page_of(client, request)


def test_every_timeline_kind_written_has_dutch_words():
    """A kind the code writes (event(...), a transition's event_kind, a status) is read on the page in Dutch."""
    import pathlib

    import vocabulary
    from piket.lifecycle import RequestStatus

    root = pathlib.Path(__file__).resolve().parents[2]
    source = "\n".join(p.read_text() for p in (root / "piket").rglob("*.py"))
    written = set(re.findall(r'\bevent\(\s*\w+,\s*\w+,\s*"(\w+)"', source))
    written |= set(re.findall(r'event_kind="(\w+)"', source)) | {str(s) for s in RequestStatus}
    assert {"received", "step_skipped", "declined", "placement_chosen"} <= written  # the scan finds them
    assert not written - set(vocabulary.EVENT_KINDS)
