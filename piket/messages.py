"""Every SMS and spoken text of the piket, in Dutch, in one place. No personal data ever: region,
urgency, number of persons, a short code and a link (DESIGN.md, privacy). The replies to STOP/START
are notify's (notify/service.py), those to BEDDEN the registry's (beds/service.py)."""

from flask import current_app

import vocabulary
from piket import links


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def _case_url(request) -> str:
    return f"{_base()}/zaak/{request.case_id}"


def display_name(user) -> str:
    return user.name or user.email


def _persons(request) -> str:
    return f"{request.size} pers."


def _region(request) -> str:
    return request.case.region.name


def spelled(code: str) -> str:
    """K7F2 read out as 'K, 7, F, 2' so a sleepy listener can write it down."""
    return ", ".join(code)


def page_sms(request, attempt, now) -> str:
    return (
        f"Piket mensenhandel: aanvraag {request.short_code}, regio {_region(request)}, "
        f"{vocabulary.URGENCIES[request.urgency]}, {_persons(request)} "
        f"Aannemen: antwoord JA {request.short_code} of open {links.url_for_attempt(attempt.id, now)} "
        f"Kunt u niet: NEE {request.short_code}"
    )


def page_call_summary(request) -> str:
    return f"Oproep: aanvraag {request.short_code}, regio {_region(request)}, {_persons(request)}"


def call_script(request) -> str:
    return (
        f"Piket mensenhandel. Nieuwe aanvraag in regio {_region(request)}. "
        f"Urgentie: {vocabulary.URGENCIES[request.urgency]}. {request.size} "
        f"{'persoon' if request.size == 1 else 'personen'}. Code: {spelled(request.short_code)}. "
        "Toets 1 om aan te nemen. Toets 2 als u niet kunt. Toets sterretje om te herhalen."
    )


# Who took a request, in an SMS: the duty they were paged for, never their name (the page and the API name them).
TAKEN_BY = {
    "primary": "de primaire piket",
    "backup": "de achtervang",
    "national": "de landelijke piket",
    "region": "een coördinator van de regio",
}


def _taken_by(level) -> str:
    return TAKEN_BY.get(level, "een collega")


def taken_sms(request, level) -> str:
    return f"Piket: aanvraag {request.short_code} is aangenomen door {_taken_by(level)}. U hoeft niets te doen."


def accepted_sms(request) -> str:
    return f"Piket: u heeft aanvraag {request.short_code} aangenomen. Voorstellen: {_case_url(request)}"


def exhausted_sms(request) -> str:
    return (
        f"PIKET ALARM: aanvraag {request.short_code} (regio {_region(request)}, {_persons(request)}) "
        f"is door niemand aangenomen. Neem nu aan: {_case_url(request)}"
    )


def exhausted_requester_sms(request) -> str:
    number = current_app.config.get("NATIONAL_PIKET_NUMBER")
    tail = f" Landelijk piketnummer: {number}" if number else ""
    return (
        f"Piket: voor aanvraag {request.short_code} heeft nog geen zorgcoördinator gereageerd. "
        f"Alle coördinatoren van de regio zijn gealarmeerd.{tail}"
    )


def placed_requester_sms(request, placement) -> str:
    shelter = placement.shelter
    return (
        f"Piket: plaats bevestigd voor {request.short_code}: {shelter.name}, {shelter.municipality}. "
        f"Intake: {shelter.intake_phone or 'zie link'}. Adres en details: {_case_url(request)}"
    )


def report_reminder_sms(case_id, short_code, days) -> str:
    """To the CoMensha report's owner: no names, no case reference; a request's short code and the link."""
    ago = "vandaag" if days <= 0 else ("1 dag geleden" if days == 1 else f"{days} dagen geleden")
    return (
        f"Piket: de melding bij CoMensha voor aanvraag {short_code} staat nog open (geplaatst {ago}). "
        f"Doe de melding en zet haar op gedaan: {_base()}/zaak/{case_id}"
    )


# --- replies to an SMS -----------------------------------------------------------------------


def already_taken(request, level) -> str:
    return f"Aanvraag {request.short_code} is al aangenomen door {_taken_by(level)}."


def closed(request) -> str:
    return f"Aanvraag {request.short_code} is {vocabulary.REQUEST_STATUSES[request.status]}."


def accepted_reply(request) -> str:
    return accepted_sms(request)


def declined_reply(request) -> str:
    return f"Genoteerd: u neemt {request.short_code} niet aan. De piket gaat door naar de volgende."


def which_request(requests) -> str:
    codes = ", ".join(r.short_code for r in requests)
    return f"U heeft {len(requests)} open aanvragen: {codes}. Antwoord met JA en de code, bijv. JA {requests[0].short_code}."


def nothing_open() -> str:
    return "Er staat geen open aanvraag voor u klaar."


def unknown_code(code) -> str:
    return f"Code {code} kennen we niet als open aanvraag voor u."


def unknown_sender() -> str:
    return "Dit nummer is niet bekend bij Piket. Bel de landelijke piket of gebruik de website."


def help_text() -> str:
    # YES is also Twilio's opt-in word: after STOP it only turns SMS back on (notify.service.answer_opt_sms).
    return (
        "Piket: antwoord JA (of 1) om aan te nemen, NEE (of 2) om te weigeren, met de code erbij. "
        "Opvang: BEDDEN en het aantal vrije plaatsen. STOP: geen sms meer. START: weer sms "
        "(YES na STOP zet alleen de sms weer aan; stuur daarna JA)."
    )
