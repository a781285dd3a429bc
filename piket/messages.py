"""Every SMS and spoken text of the piket, in Dutch, in one place. No personal data ever: region,
urgency, number of persons, a short code and a link (DESIGN.md, privacy). The replies to STOP/START
are notify's (notify/service.py), those to BEDDEN the registry's (beds/service.py)."""

from flask import current_app

import vocabulary
from piket import links
from piket.lifecycle import ACCEPTABLE
from timeutil import local


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


def _groups(request) -> list:
    """The groups of the request's case that one page is about: those nobody has yet (at least this one)."""
    groups = [r for r in request.case.requests if r.status in ACCEPTABLE or r.id == request.id]
    return sorted(groups, key=lambda r: (r.id != request.id, r.id))


def _case_persons(groups) -> int:
    return sum(r.size for r in groups)


def page_sms(request, attempt, now) -> str:
    """One page per case and person: a case of several groups lists each group's code and size."""
    groups = _groups(request)
    if len(groups) == 1:
        what = f"aanvraag {request.short_code}, regio {_region(request)}, {vocabulary.URGENCIES[request.urgency]}, {_persons(request)}"
    else:
        listed = ", ".join(f"{r.short_code} {_persons(r)}" for r in groups)
        what = (
            f"zaak met {len(groups)} groepen ({_case_persons(groups)} pers.), regio {_region(request)}, "
            f"{vocabulary.URGENCIES[request.urgency]}: {listed}"
        )
    whole = " (alle groepen)" if len(groups) > 1 else ""
    return (
        f"Piket mensenhandel: {what} "
        f"Aannemen{whole}: antwoord JA {request.short_code} of open {links.url_for_attempt(attempt.id, now)} "
        f"Kunt u niet: NEE {request.short_code}"
    )


def page_call_summary(request) -> str:
    groups = _groups(request)
    many = f", {len(groups)} groepen" if len(groups) > 1 else ""
    return f"Oproep: aanvraag {request.short_code}, regio {_region(request)}, {_case_persons(groups)} pers.{many}"


def call_script(request) -> str:
    groups = _groups(request)
    persons = _case_persons(groups)
    many = f" in {len(groups)} groepen" if len(groups) > 1 else ""
    return (
        f"Piket mensenhandel. Nieuwe aanvraag in regio {_region(request)}. "
        f"Urgentie: {vocabulary.URGENCIES[request.urgency]}. {persons} "
        f"{'persoon' if persons == 1 else 'personen'}{many}. Code: {spelled(request.short_code)}. "
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
    others = sum(1 for r in request.case.requests if r.id != request.id and r.accepted_by_id == request.accepted_by_id)
    also = f" (met de {others} andere groepen van de zaak)" if others else ""
    return f"Piket: u heeft aanvraag {request.short_code}{also} aangenomen. Voorstellen: {_case_url(request)}"


def cancelled_sms(request) -> str:
    return (
        f"Piket: aanvraag {request.short_code} is ingetrokken. Een vastgehouden plaats is vrijgegeven. "
        "U hoeft niets meer te doen."
    )


def ack_reminder_sms(request, minutes_left) -> str:
    return (
        f"Piket: u heeft aanvraag {request.short_code} aangenomen, maar er is nog geen plaats gekozen. "
        f"Kies een voorstel: {_case_url(request)} Zonder plaats binnen {minutes_left} min. roept de piket opnieuw op."
    )


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


# --- the national piket number ----------------------------------------------------------------


def whisper_script(request) -> str:
    """What a coordinator dialled from the national number hears before the caller is put through."""
    region = request.case.region
    where = "Regio onbekend" if region.kind == vocabulary.RegionKind.UNKNOWN else f"Regio {region.name}"
    return (
        f"Piket mensenhandel, een beller via het landelijke piketnummer. {where}, "
        f"aanvraag {spelled(request.short_code)}. Toets 1 om het gesprek aan te nemen."
    )


# --- the shelter in the loop: a held place, its answer by SMS, the reminder before the hold expires ------------


def _clock(moment) -> str:
    return local(moment).strftime("%H:%M")


def _how_to_answer(code) -> str:
    return f"Bevestigen: antwoord JA {code}. Weigeren: NEE {code} en de reden."


def hold_shelter_sms(request, placement, code, link) -> str:
    """To the shelter's intake number and staff: no names, ages, genders, needs or case reference."""
    return (
        f"Piket: plaats vastgehouden bij {placement.shelter.name}, code {code}: {_persons(request)} uit regio "
        f"{_region(request)}. Aankomst: zo snel mogelijk; vastgehouden tot {_clock(placement.hold.expires_at)}. "
        f"{_how_to_answer(code)} Intakes: {link}"
    )


def hold_reminder_shelter_sms(request, placement, code, link) -> str:
    return (
        f"Piket herinnering: de plaats met code {code} ({_persons(request)}, regio {_region(request)}) vervalt om "
        f"{_clock(placement.hold.expires_at)} zonder uw bevestiging. {_how_to_answer(code)} Intakes: {link}"
    )


def hold_reminder_coordinator_sms(request, placement) -> str:
    shelter = placement.shelter
    phone = f" Bel de opvang: {shelter.intake_phone}." if shelter.intake_phone else ""
    return (
        f"Piket herinnering: {shelter.name} heeft de intake voor aanvraag {request.short_code} nog niet bevestigd; "
        f"de plaats vervalt om {_clock(placement.hold.expires_at)}.{phone} Zaak: {_case_url(request)}"
    )


def intake_confirmed_reply(code) -> str:
    return f"Genoteerd: intake bevestigd voor code {code}. Dank u."


def intake_refused_reply(code, reason) -> str:
    return (
        f"Genoteerd: u weigert de plaats met code {code} (reden: {vocabulary.REFUSAL_REASONS[reason]}). "
        "De zorgcoördinator zoekt verder."
    )


def intake_not_open(code, message) -> str:
    return f"Code {code}: {message}"


def intake_unknown_code(code) -> str:
    return f"Code {code} kennen we niet als vastgehouden plaats voor dit nummer."


def intake_nothing_open() -> str:
    return "Er wacht bij uw opvang geen intake op bevestiging."


def intake_which(codes) -> str:
    return (
        f"Er wachten {len(codes)} intakes op uw antwoord: {', '.join(codes)}. "
        f"Antwoord met JA of NEE en de code, bijv. JA {codes[0]}."
    )


def refused_coordinator_sms(request, placement) -> str:
    reason = vocabulary.label(vocabulary.REFUSAL_REASONS, placement.refusal_reason)
    return (
        f"Piket: {placement.shelter.name} weigert de plaats voor aanvraag {request.short_code} (reden: {reason}). "
        f"Kies een ander voorstel: {_case_url(request)}"
    )


def account_inactive() -> str:
    return "Uw account is niet actief: met deze link beantwoordt u geen oproep. Neem contact op met de beheerder."
