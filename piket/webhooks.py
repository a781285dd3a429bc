"""Twilio webhooks of the piket (thin): inbound SMS, the page call's TwiML and keypad, the national
piket number. Every route is signed (notify.signature); the logic lives in answers.py and hotline.py,
and for an inbound SMS that is no answer to a page, in notify (STOP/START) and beds (BEDDEN)."""

from urllib.parse import quote

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from accounts import phones
from beds import service as beds
from extensions import db
from notify import service as notify
from notify.signature import twilio_signed
from piket import answers, hotline, messages, placements
from piket.lifecycle import ACCEPTABLE
from piket.models import PlacementRequest
from timeutil import utcnow
from vocabulary import REQUEST_STATUSES

bp = Blueprint("piket_webhooks", __name__, url_prefix="/webhooks/twilio")
NL = "nl-NL"


def _say(target, text):
    """Every spoken text: Dutch, in the configured voice (TWILIO_VOICE), never Twilio's default one."""
    target.say(text, language=NL, voice=current_app.config.get("TWILIO_VOICE") or "Polly.Lotte")


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
    """STOP/START is the outbox's (notify), BEDDEN the registry's (beds), JA/NEE with a hold's code the
    shelter's (placements); anything else answers a page. An opt-out has no reply: Twilio sends its own
    and would not deliver ours."""
    words = answers.sms_words(body)
    opted = notify.answer_opt_sms(now, sender, words)
    if opted is not None:
        return opted or None
    return (
        beds.answer_free_beds_sms(now, sender, words)
        or placements.answer_shelter_sms(now, sender, words)
        or answers.answer_sms(now, sender, words)
    )


# --- the page call ------------------------------------------------------------------------------------------


@bp.post("/voice/<int:attempt_id>")
@twilio_signed
def page_call(attempt_id):
    """What the paged coordinator hears. The question is asked whatever machine detection says
    (AnsweredBy): a person taken for a voicemail can still press 1, and a voicemail records the script
    and the closing words, which point to the SMS. The voicemail never accepts: no key, no accept,
    and its status callback counts it as no_answer (notify.service.apply_status)."""
    response = VoiceResponse()
    if phones.is_test_call(notify.get_attempt(attempt_id)):  # a person's own test (Mijn telefoon): no question
        _say(response, phones.TEST_SPOKEN)
        response.hangup()
        return _twiml(response)
    _attempt, req, user = answers.attempt_and_request(attempt_id)
    if req is None or not answers.may_answer(user):  # a deactivated account is not asked
        _say(response, "Deze oproep is niet meer geldig.")
    elif req.status not in ACCEPTABLE:  # the exhausted alarm's call can still take it
        _say(response, f"Aanvraag {messages.spelled(req.short_code)} is al {_status(req)}. Dank u.")
    else:
        gather = Gather(
            num_digits=1, action=_url(f"/webhooks/twilio/voice/{attempt_id}/keuze"), method="POST", timeout=8
        )
        _say(gather, messages.call_script(req))
        response.append(gather)
        # After the gather: nothing was pressed. Not an acceptance; the ladder goes on.
        _say(response, "We hebben geen keuze ontvangen. U krijgt ook een sms met een link. Tot ziens.")
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
            _say(response, "Die toets kennen we niet.")
        response.redirect(_url(f"/webhooks/twilio/voice/{attempt_id}"), method="POST")
        return _twiml(response)
    spoken = {
        "accepted": "U heeft de aanvraag aangenomen. U krijgt een sms met de link naar de voorstellen.",
        "declined": "Genoteerd: u neemt deze aanvraag niet aan. De piket gaat door naar de volgende.",
        "taken": text or "Deze aanvraag is al aangenomen.",
        "closed": "Deze aanvraag is niet meer open.",
        "unknown": messages.unknown_sender(),
    }[kind]
    _say(response, spoken)
    response.hangup()
    return _twiml(response)


def _status(req) -> str:
    return REQUEST_STATUSES[req.status]


# --- the national piket number ------------------------------------------------------------------------------
# The caller's call: /national (region from the caller's number, or asked) -> /national/regio -> a request,
# then <Dial> level by level. Each dialled coordinator hears the whisper (/national/<id>/screen/...) and
# takes the call with 1 (/.../key); the Dial's action (/national/<id>/dial/...) then either ends the call
# (taken) or dials the next level. Nobody: the code, a callback number if the caller ID is withheld
# (/national/<id>/terugbelnummer), and the SMS-and-call ladder.


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
    _say(
        gather,
        "Landelijke piket mensenhandel. Zeg de naam van de regio waar u bent, "
        "of toets het regionummer gevolgd door een hekje.",
    )
    response.append(gather)
    response.redirect(_url("/webhooks/twilio/national/regio"), method="POST")
    return _twiml(response)


@bp.post("/national/regio")
@twilio_signed
def national_region():
    region = hotline.region_from_answer(request.form.get("Digits"), request.form.get("SpeechResult"))
    response = VoiceResponse()
    if region is None:
        # Never dropped: a request in the unknown region, for the national piket; the region is filled in later.
        _say(response, "Die regio hebben we niet herkend. We verbinden u met de landelijke piket.")
    return _connect(utcnow(), region, response)


def _connect(now, region, response=None):
    req = hotline.request_for_call(now, request.form.get("From", ""), request.form.get("CallSid", ""), region)
    return _dial(now, req, 0, response or VoiceResponse())


def _dial(now, req, level_index, response):
    index, person = hotline.next_to_dial(now, req, level_index)
    if person is None:
        return _nobody(now, req, response)
    hotline.dialling(now, req, index, person)
    if index == 0:
        _say(response, "U wordt doorverbonden met de zorgcoördinator van dienst.")
    call_sid = request.form.get("CallSid", "")
    # The coordinator sees the service's own number (TWILIO_FROM_NUMBER, the one pages come from), not the caller's.
    dial = Dial(
        action=_url(f"/webhooks/twilio/national/{req.id}/dial/{index}/{person.id}"),
        method="POST",
        timeout=20,
        caller_id=current_app.config.get("TWILIO_FROM_NUMBER") or None,
    )
    # The whisper runs on the coordinator's leg before the two are bridged: only a 1 there puts them through.
    dial.number(
        person.phone,
        url=_url(f"/webhooks/twilio/national/{req.id}/screen/{index}/{person.id}?call={quote(call_sid)}"),
        method="POST",
    )
    response.append(dial)
    return _twiml(response)


def _nobody(now, req, response):
    """Nobody took the call: the ladder starts now, the caller hears the code and, with a withheld
    caller ID, is asked for a number to be called back on."""
    hotline.nobody_answered(now, req)
    code = messages.spelled(req.short_code)
    if hotline.needs_callback_number(req):
        return _ask_callback_number(
            req, response, f"Er is op dit moment niemand bereikbaar. Uw aanvraag heeft code {code}. "
        )
    _say(
        response,
        f"Er is op dit moment niemand bereikbaar. Uw aanvraag is genoteerd met code {code}. "
        "De piket wordt opgeroepen en belt u terug.",
    )
    response.hangup()
    return _twiml(response)


def _ask_callback_number(req, response, before="", again=False):
    """Asked at most twice (`again`: the second time), then the caller is told to call again."""
    action = _url(f"/webhooks/twilio/national/{req.id}/terugbelnummer" + ("?opnieuw=1" if again else ""))
    gather = Gather(input="dtmf", action=action, method="POST", timeout=10, finish_on_key="#")
    _say(
        gather,
        before
        + "Uw nummer is afgeschermd. Toets het nummer waarop de piket u kan terugbellen, gevolgd door een hekje.",
    )
    response.append(gather)
    response.redirect(action, method="POST")
    return _twiml(response)


@bp.post("/national/<int:request_id>/terugbelnummer")
@twilio_signed
def national_callback_number(request_id):
    """The number keyed in by a caller whose caller ID is withheld (never the withheld ID itself)."""
    req = db.session.get(PlacementRequest, request_id)
    response = VoiceResponse()
    if req is None:
        response.hangup()
        return _twiml(response)
    if hotline.set_callback_number(utcnow(), req, request.form.get("Digits", "")):
        _say(response, "Dank u, uw nummer is genoteerd. De piket belt u terug.")
    elif hotline.needs_callback_number(req) and not request.args.get("opnieuw"):
        _say(response, "Dat nummer kennen we niet.")
        return _ask_callback_number(req, response, again=True)
    elif hotline.needs_callback_number(req):
        _say(
            response, f"Geen nummer ontvangen. Bel dit nummer opnieuw en noem code {messages.spelled(req.short_code)}."
        )
    else:
        _say(response, "Uw nummer is al genoteerd. De piket belt u terug.")
    response.hangup()
    return _twiml(response)


@bp.post("/national/<int:request_id>/screen/<int:level_index>/<int:user_id>")
@twilio_signed
def national_screen(request_id, level_index, user_id):
    """The whisper, on the dialled coordinator's leg: region and code, press 1 to take the call.
    No key (a voicemail, silence) or a hang-up: this leg ends and the caller goes on to the next level."""
    req = db.session.get(PlacementRequest, request_id)
    response = VoiceResponse()
    if req is not None:
        gather = Gather(
            num_digits=1,
            action=_url(
                f"/webhooks/twilio/national/{request_id}/screen/{level_index}/{user_id}/key"
                f"?call={quote(request.args.get('call', ''))}"
            ),
            method="POST",
            timeout=8,
        )
        _say(gather, messages.whisper_script(req))
        response.append(gather)
        _say(response, "Geen keuze ontvangen. De beller gaat naar de volgende. Tot ziens.")
    response.hangup()
    return _twiml(response)


@bp.post("/national/<int:request_id>/screen/<int:level_index>/<int:user_id>/key")
@twilio_signed
def national_screen_key(request_id, level_index, user_id):
    """1: the coordinator takes the call and the request (first writer wins); the TwiML ends without a
    hang-up, so Twilio bridges the two. Any other key: this leg ends, the next level is dialled."""
    req = db.session.get(PlacementRequest, request_id)
    response = VoiceResponse()
    if req is not None and request.form.get("Digits", "") == "1":
        if hotline.connected(utcnow(), req, user_id, request.args.get("call", ""), level_index):
            _say(response, "U wordt verbonden met de beller.")
            return _twiml(response)
        _say(response, messages.unknown_sender())  # deactivated since it was dialled: not put through
        response.hangup()
        return _twiml(response)
    _say(response, "U neemt dit gesprek niet aan. De beller gaat naar de volgende.")
    response.hangup()
    return _twiml(response)


@bp.post("/national/<int:request_id>/dial/<int:level_index>/<int:user_id>")
@twilio_signed
def national_dial_result(request_id, level_index, user_id):
    """The dialled leg ended. `completed` alone proves nothing (a voicemail completes it too): only a 1
    pressed in the whisper counts as taken; anything else dials the next level."""
    now = utcnow()
    req = db.session.get(PlacementRequest, request_id)
    response = VoiceResponse()
    if req is None:
        response.hangup()
        return _twiml(response)
    status = request.form.get("DialCallStatus", "")
    if status == "completed" and hotline.took_call(request.form.get("CallSid", ""), level_index):
        response.hangup()
        return _twiml(response)
    hotline.not_taken(now, req, level_index, status)
    _say(response, "Geen gehoor. We proberen de volgende.")
    return _dial(now, req, level_index + 1, response)
