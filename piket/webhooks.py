"""Twilio webhooks of the piket (thin): inbound SMS, the page call's TwiML and keypad, the national
piket number. Every route is signed (notify.signature); the logic lives in answers.py and hotline.py,
and for an inbound SMS that is no answer to a page, in notify (STOP/START) and beds (BEDDEN)."""

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from beds import service as beds
from extensions import db
from notify import service as notify
from notify.signature import twilio_signed
from piket import answers, hotline, messages
from piket.lifecycle import ESCALATING
from piket.models import PlacementRequest
from timeutil import utcnow
from vocabulary import REQUEST_STATUSES

bp = Blueprint("piket_webhooks", __name__, url_prefix="/webhooks/twilio")
NL = "nl-NL"


def _twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")


def _url(path) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


# --- SMS ------------------------------------------------------------------------------------------------


@bp.post("/sms")
@twilio_signed
def inbound_sms():
    """The one inbound SMS number, handled once per message sid."""
    now, form = utcnow(), request.form
    sender, body = form.get("From", ""), form.get("Body", "") or ""
    reply = answers.once(now, f"sms:{form.get('MessageSid', '')}", lambda: _answer_sms(now, sender, body))
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return _twiml(response)


def _answer_sms(now, sender, body) -> str | None:
    """STOP/START is the outbox's (notify), BEDDEN the registry's (beds); anything else answers a page.
    An opt-out has no reply: Twilio sends its own and would not deliver ours."""
    words = answers.sms_words(body)
    opted = notify.answer_opt_sms(now, sender, words)
    if opted is not None:
        return opted or None
    return beds.answer_free_beds_sms(now, sender, words) or answers.answer_sms(now, sender, words)


# --- the page call ------------------------------------------------------------------------------------------


@bp.post("/voice/<int:attempt_id>")
@twilio_signed
def page_call(attempt_id):
    """What the paged coordinator hears. A voicemail gets a short message, never a question."""
    response = VoiceResponse()
    _attempt, req, _user = answers.attempt_and_request(attempt_id)
    if req is None:
        response.say("Deze oproep is niet meer geldig.", language=NL)
    elif request.form.get("AnsweredBy", "").startswith(("machine", "fax")):
        response.say(f"Piket mensenhandel: aanvraag {messages.spelled(req.short_code)}. Kijk in uw sms.", language=NL)
    elif req.status not in ESCALATING:
        response.say(f"Aanvraag {messages.spelled(req.short_code)} is al {_status(req)}. Dank u.", language=NL)
    else:
        gather = Gather(
            num_digits=1, action=_url(f"/webhooks/twilio/voice/{attempt_id}/keuze"), method="POST", timeout=8
        )
        gather.say(messages.call_script(req), language=NL)
        response.append(gather)
        # After the gather: nothing was pressed. Not an acceptance; the ladder goes on.
        response.say("We hebben geen keuze ontvangen. U krijgt ook een sms met een link. Tot ziens.", language=NL)
    response.hangup()
    return _twiml(response)


@bp.post("/voice/<int:attempt_id>/keuze")
@twilio_signed
def page_call_key(attempt_id):
    kind, text = answers.handle_key(
        utcnow(), attempt_id, request.form.get("CallSid", ""), request.form.get("Digits", "")
    )
    response = VoiceResponse()
    if kind in ("repeat", "invalid"):
        if kind == "invalid":
            response.say("Die toets kennen we niet.", language=NL)
        response.redirect(_url(f"/webhooks/twilio/voice/{attempt_id}"), method="POST")
        return _twiml(response)
    spoken = {
        "accepted": "U heeft de aanvraag aangenomen. U krijgt een sms met de link naar de voorstellen.",
        "declined": "Genoteerd: u neemt deze aanvraag niet aan. De piket gaat door naar de volgende.",
        "taken": text or "Deze aanvraag is al aangenomen.",
        "closed": "Deze aanvraag is niet meer open.",
    }[kind]
    response.say(spoken, language=NL)
    response.hangup()
    return _twiml(response)


def _status(req) -> str:
    return REQUEST_STATUSES[req.status]


# --- the national piket number ------------------------------------------------------------------------------


@bp.post("/national")
@twilio_signed
def national_call():
    now, number = utcnow(), request.form.get("From", "")
    region = hotline.caller_region(number)
    if region is not None:
        return _connect(now, region)
    response = VoiceResponse()
    gather = Gather(
        input="dtmf speech",
        action=_url("/webhooks/twilio/national/regio"),
        method="POST",
        timeout=6,
        language=NL,
        finish_on_key="#",
        hints=", ".join(hotline.region_names()),
    )
    gather.say(
        "Landelijke piket mensenhandel. Zeg de naam van de regio waar u bent, "
        "of toets het regionummer gevolgd door een hekje.",
        language=NL,
    )
    response.append(gather)
    response.redirect(_url("/webhooks/twilio/national/regio"), method="POST")
    return _twiml(response)


@bp.post("/national/regio")
@twilio_signed
def national_region():
    region = hotline.region_from_answer(request.form.get("Digits"), request.form.get("SpeechResult"))
    if region is None:
        return _national_only(utcnow())
    return _connect(utcnow(), region)


def _connect(now, region):
    req = hotline.request_for_call(now, request.form.get("From", ""), request.form.get("CallSid", ""), region)
    return _dial(now, req, 0, VoiceResponse())


def _national_only(now):
    """No region: straight to the national piket, without a request (it has no region to page)."""
    response = VoiceResponse()
    person = hotline.national_on_duty(now)
    if person is not None:
        response.say("Die regio hebben we niet herkend. U wordt doorverbonden met de landelijke piket.", language=NL)
        dial = Dial(timeout=20)
        dial.number(person.phone)
        response.append(dial)
    response.say(
        "Er is nu niemand bereikbaar. Gebruik het aanvraagformulier op de website; "
        "de piket wordt dan direct opgeroepen.",
        language=NL,
    )
    response.hangup()
    return _twiml(response)


def _dial(now, req, level_index, response):
    index, person = hotline.next_to_dial(now, req, level_index)
    if person is None:
        hotline.nobody_answered(now, req)
        response.say(
            f"Er is op dit moment niemand bereikbaar. Uw aanvraag is genoteerd met code "
            f"{messages.spelled(req.short_code)}. De piket wordt opgeroepen en belt u terug.",
            language=NL,
        )
        response.hangup()
        return _twiml(response)
    hotline.dialling(now, req, index, person)
    if index == 0:
        response.say("U wordt doorverbonden met de zorgcoördinator van dienst.", language=NL)
    dial = Dial(action=_url(f"/webhooks/twilio/national/{req.id}/dial/{index}/{person.id}"), method="POST", timeout=20)
    dial.number(person.phone)
    response.append(dial)
    return _twiml(response)


@bp.post("/national/<int:request_id>/dial/<int:level_index>/<int:user_id>")
@twilio_signed
def national_dial_result(request_id, level_index, user_id):
    now = utcnow()
    req = db.session.get(PlacementRequest, request_id)
    response = VoiceResponse()
    if req is None:
        response.hangup()
        return _twiml(response)
    if request.form.get("DialCallStatus") == "completed":
        hotline.connected(now, req, user_id, request.form.get("CallSid", ""), level_index)
        response.hangup()
        return _twiml(response)
    response.say("Geen gehoor. We proberen de volgende.", language=NL)
    return _dial(now, req, level_index + 1, response)
