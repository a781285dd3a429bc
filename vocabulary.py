"""The one vocabulary: codes used in storage and the API, with their Dutch labels for pages.

Codes are English and stable; labels are what people read. Add a code here and it is known
everywhere (forms, API validation, matching explanations, statistics). Role codes are defined with
their groups in accounts/roles.py; their labels are here.
"""

from enum import StrEnum

from accounts.roles import Role

CONTRA_INDICATIONS = {
    "active_addiction": "actieve verslaving",
    "psychiatric_crisis": "acute psychiatrische problematiek",
    "suicide_risk": "suïcidaliteit",
    "aggression": "agressie",
    "intellectual_disability": "LVB",
    "wheelchair": "rolstoel",
    "pregnancy": "zwangerschap",
    "pets": "huisdier",
    "medical_care": "medische zorg",
}

SHELTER_TYPES = {
    "cosm": "COSM (categorale opvang)",
    "omp": "OMP (zonder contra-indicaties)",
    "vrouwenopvang": "vrouwenopvang",
    "mannenopvang": "mannenopvang",
    "noodbed": "noodbed",
    "nla_crisis": "NLA-crisisopvang",
    "jeugdzorg": "jeugdzorg",
    "other": "overig",
}

EXPLOITATION_TYPES = {
    "sexual": "seksuele uitbuiting",
    "labour": "arbeidsuitbuiting",
    "criminal": "criminele uitbuiting (incl. gedwongen bedelen)",
    "other": "overig",
}

GENDERS = {"female": "vrouw", "male": "man", "x": "x / anders"}

RESIDENCE = {"lawful": "rechtmatig verblijf", "none": "geen verblijfsrecht"}

# A person's residence and exploitation as the requester knows them: "unknown" is a choice the officer
# makes (a form has no silent default), never a shelter's admission. The matcher reads it as follows
# (beds/scenario.py, README "Onbekend"): exploitation unknown is "not given" (contract rule 4);
# residence unknown goes in as "none" plus the service-side need RESIDENCE_UNKNOWN, which every shelter
# that does not admit "lawful" excludes: only a shelter that admits both is eligible.
UNKNOWN = "unknown"
PERSON_RESIDENCE = {**RESIDENCE, UNKNOWN: "onbekend"}
PERSON_EXPLOITATION = {**EXPLOITATION_TYPES, UNKNOWN: "onbekend"}
RESIDENCE_UNKNOWN = "residence_unknown"

THREAT_LEVELS = {"low": "laag", "medium": "midden", "high": "hoog"}

URGENCIES = {"immediate": "direct", "tonight": "vannacht", "planned": "gepland"}

POOL_KINDS = {"bed": "bed", "family_room": "gezinskamer"}

# ISO weekdays (1 = Monday) as intake hours and office hours show them.
WEEKDAYS = {1: "ma", 2: "di", 3: "wo", 4: "do", 5: "vr", 6: "za", 7: "zo"}
# Months as dates show them ("wo 2 dec 21:52", formatting.py).
MONTHS = {
    1: "jan", 2: "feb", 3: "mrt", 4: "apr", 5: "mei", 6: "jun",
    7: "jul", 8: "aug", 9: "sep", 10: "okt", 11: "nov", 12: "dec",
}  # fmt: skip


class RegionKind(StrEnum):
    """A region is a care region or a police unit; the police unit is not the police role."""

    CARE = "care"
    POLICE = "police"
    UNKNOWN = "unknown"  # the one region of a call to the national number whose region was not understood


REGION_KINDS = {
    RegionKind.CARE: "zorgcoördinatieregio",
    RegionKind.POLICE: "politie-eenheid",
    RegionKind.UNKNOWN: "regio onbekend (landelijk piketnummer)",
}

ROLES = {
    Role.POLICE: "politie / KMar / NLA",
    Role.SHELTER_STAFF: "opvangmedewerker",
    Role.COORDINATOR: "zorgcoördinator",
    Role.COMENSHA: "CoMensha",
    Role.ADMIN: "beheerder",
}

# A rota CSV's columns (piket/rotas/service.parse_csv), in their order: code -> the name people read.
ROTA_IMPORT_COLUMNS = {"region": "regio", "email": "e-mail", "start": "begin", "end": "einde"}

# The error pages (errors.py): a heading and a sentence for every HTTP status a person may meet.
HTTP_ERRORS = {
    400: ("Verzoek niet begrepen", "Dit verzoek klopt niet. Ga terug, ververs de pagina en probeer het opnieuw."),
    401: ("Niet ingelogd", "Log eerst in."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer). Controleer het adres of ga naar het begin."),
    405: ("Niet mogelijk", "Deze pagina kan dit niet: gebruik de knoppen en links op de pagina zelf."),
    409: ("Al gewijzigd", "Iemand anders heeft dit net gewijzigd. Ververs de pagina en kijk opnieuw."),
    413: ("Te groot", "Het verzoek is te groot: stuur minder tekst of een kleiner bestand."),
    422: ("Niet opgeslagen", "Er klopt iets niet in wat u invulde."),
    429: ("Te vaak geprobeerd", "U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
    500: ("Er ging iets mis", "Er ging iets mis aan onze kant. Probeer het opnieuw of bel de piket."),
}
# A form sent without its CSRF token, or with an old one (the page stood open past the session).
CSRF_ERROR = "Het formulier is verlopen. Ga terug, ververs de pagina en vul het opnieuw in."

UPDATE_SOURCES = {"web": "website", "api": "API", "sms": "sms", "system": "systeem"}

# Occupancy alarms on the national page (national/occupancy.py decides when).
OCCUPANCY_ALARMS = {"low": "onder 65%", "full": "vol", "over": "vraag boven 100%"}
# The same, short enough to stand beside a region's name on the map (the alarm in words, not colour alone).
OCCUPANCY_ALARMS_SHORT = {"low": "laag", "full": "vol", "over": "tekort"}

FRESHNESS = {"fresh": "actueel", "aging": "verouderend", "stale": "verouderd"}


def label(table: dict, code: str) -> str:
    """Dutch label for a code, or the code itself when unknown (never a KeyError on a page)."""
    return table.get(code, code)


class RequesterOrg(StrEnum):
    """Who asked for a bed (a case's requester_org): an organisation, a different vocabulary than the
    roles even where a code is spelled the same (a coordinator asking is the care organisation)."""

    POLICE = "police"
    KMAR = "kmar"
    NLA = "nla"
    COORDINATOR = "coordinator"


REQUESTER_ORGS = {
    RequesterOrg.POLICE: "politie",
    RequesterOrg.KMAR: "KMar",
    RequesterOrg.NLA: "Nederlandse Arbeidsinspectie",
    RequesterOrg.COORDINATOR: "zorgcoördinator",
}

REQUEST_STATUSES = {
    "received": "ontvangen",
    "paging": "piket wordt opgeroepen",
    "accepted": "aangenomen",
    "placing": "plaatsing loopt",
    "placed": "geplaatst",
    "cancelled": "ingetrokken",
    "exhausted": "niemand bereikt",
}

# A request's timeline (piket/timeline.py), in the words of the people reading it at night.
EVENT_KINDS = {
    "received": "aanvraag ontvangen",
    "paged": "piket opgeroepen",
    "step_skipped": "stap overgeslagen",
    "step_unanswered": "stap onbeantwoord, volgende stap",
    "declined": "geweigerd door opgeroepene",
    "accepted": "aangenomen",
    "paging": "opnieuw opgeroepen",
    "placing": "plaatsing loopt",
    "placed": "geplaatst",
    "exhausted": "NIEMAND BEREIKT: alarm",
    "cancelled": "ingetrokken",
    "placement_chosen": "plaats gekozen",
    "placement_refused": "opvang weigerde",
    "placement_released": "plaats vrijgegeven",
    "placement_expired": "reservering verlopen",
    "intake_confirmed": "intake bevestigd",
    "intake_confirmed_by_phone": "intake telefonisch bevestigd (vastgelegd namens de opvang)",
    "requester_informed": "aanvrager per sms geïnformeerd",
    "report_owner": "melding CoMensha overgedragen",
    "profile_set": "profiel ingevuld",
    "phone_call": "gebeld via landelijk piketnummer",
    "phone_dial": "doorverbinden met piket",
    "phone_connected": "doorverbonden met piket",
    "phone_unanswered": "telefonisch niemand bereikt",
    "phone_not_taken": "opgenomen zonder toets 1 (voicemail, opgehangen of stilte): volgende",
    "phone_callback_withheld": "nummer van de beller afgeschermd: geen terugbelnummer",
    "phone_callback_set": "terugbelnummer ingetoetst door de beller",
    "region_set": "regio ingevuld",
    "report_made": "melding CoMensha gedaan",
    "ack_reminder": "herinnering aan wie aannam: nog geen plaats vastgehouden",
    "ack_timeout": "niemand hield op tijd een plaats vast: opnieuw opgeroepen",
    "cancel_notice": "wie had aangenomen is per sms over het intrekken geïnformeerd",
    "pages_cancelled": "openstaande oproepen ingetrokken",
    "ladder_repeated": "niemand nam aan: de oproepen beginnen opnieuw (volgende ronde)",
    "requester_not_told": "aanvrager niet per sms geïnformeerd: nummer afgeschermd",
    "alarm_unverified": "geen alarm aan wie een onbevestigd telefoonnummer heeft",
}

# The timeline's sentences (piket/timeline.py): who was paged, through what, and what became of it.
PAGE_LEVELS = {
    "primary": "de primaire piket",
    "backup": "de achtervang",
    "national": "de landelijke piket",
    "region": "de coördinatoren van de regio",
}
# A ladder step's level as the ladder editor and its preview name it (piket/ladders/rules.py).
LADDER_LEVELS = {
    "primary": "piket",
    "backup": "achtervang",
    "national": "landelijk",
    "region": "coördinatoren van de regio",
    "exhausted": "opgeven: alarm",
}
ANSWER_CHANNELS = {
    "sms": "per sms",
    "voice": "per telefoon",
    "web": "op de website",
    "api": "via de API",
    "link": "via de link in de sms",
    "phone": "via het landelijk piketnummer",
}
STEP_SKIPPED_REASONS = {
    "nobody_on_duty": "niemand van dienst",
    "declined": "iedereen heeft al geweigerd",
    "no_phone": "geen telefoonnummer bekend",
    "unreachable": "eerder in deze aanvraag kwam geen bericht aan",
}
STEP_UNANSWERED_REASONS = {
    "failed": "geen enkel bericht kwam aan",
    "declined": "iedereen heeft geweigerd",
}
# What a message was, by its purpose (notify's NotificationAttempt.purpose) and channel.
MESSAGE_PURPOSES = {
    "page": "oproep-sms",
    "page_call": "oproep per telefoon",
    "exhausted": "alarm-sms",
    "requester": "sms aan de aanvrager",
    "taken": "sms dat de aanvraag al is aangenomen",
    "accepted": "sms met de link naar de voorstellen",
    "ack_reminder": "herinnering per sms",
    "cancel_notice": "sms over het intrekken",
    "exhausted_call": "alarm per telefoon",
    "intake": "sms aan de opvang over de vastgehouden plaats",
    "intake_reminder": "herinnering per sms over de intake",
    "intake_refused": "sms dat de opvang weigerde",
    "password_reset": "sms met een link om het wachtwoord in te stellen",
    "phone_code": "sms met de code om het telefoonnummer te bevestigen",
    "phone_test": "testoproep",
}
MESSAGE_CHANNELS = {"sms": "sms", "voice": "telefoontje"}
# What became of a message (NotificationAttempt.status), by channel where the words differ.
MESSAGE_STATUSES = {
    "pending": "staat klaar om te versturen",
    "sent": "verstuurd",
    "delivered": "afgeleverd",
    "answered": "opgenomen",
    "failed": "mislukt",
    "undelivered": "niet afgeleverd",
    "no_answer": "niet opgenomen",
    "busy": "in gesprek",
    "opted_out": "niet verstuurd: nummer heeft STOP gestuurd",
    "responded": "beantwoord",
    "withdrawn": "niet meer verstuurd: niemand wachtte nog op het antwoord",
}
CALL_STATUSES = {
    "sent": "gaat over",
    "failed": "mislukt: niet doorgekomen",
    "voicemail": "voicemail nam op: niemand gehoord",
}

# Target groups that fall through (DESIGN.md): counted in unmet demand, derived from a profile.
TARGET_GROUPS = {
    "men": "mannen",
    "families": "gezinnen (met kinderen)",
    "minors": "minderjarigen",
    "no_residence": "zonder verblijfsrecht",
    "groups": "groepen (meer dan één volwassene)",
}


def target_groups(persons, children) -> list[str]:
    """The TARGET_GROUPS codes a profile belongs to, sorted. A person whose age is not known (a
    search that left it open) counts as an adult: minors are only those known to be under 18."""
    persons = persons or []
    adults = [p for p in persons if p.get("age") is None or p["age"] >= 18]
    groups = set()
    if any(p.get("gender") == "male" for p in adults):
        groups.add("men")
    if (children or 0) > 0:
        groups.add("families")
    if len(adults) < len(persons):
        groups.add("minors")
    if any(p.get("residence") == "none" for p in persons):
        groups.add("no_residence")
    if len(adults) > 1:
        groups.add("groups")
    return sorted(groups)


# Reasons a request ended without a bed that are not the matcher's (those have vocabulary.reason_label).
UNMET_REASONS = {
    "no_response": "niemand bereikt",
    "withdrawn": "ingetrokken zonder plaats",
    "no_profile": "zonder profiel",
}

HOLD_STATUSES = {"held": "vastgehouden", "confirmed": "bevestigd", "released": "vrijgegeven", "expired": "verlopen"}
PLACEMENT_STATUSES = {
    "held": "vastgehouden",
    "confirmed": "intake bevestigd",
    "refused": "geweigerd",
    "released": "vrijgegeven",
    "expired": "verlopen",
}

# Why a shelter refuses an intake; recorded and counted for CoMensha.
REFUSAL_REASONS = {
    "contra_indication": "contra-indicatie",
    "no_place": "geen plaats meer",
    "target_group": "past niet bij doelgroep",
    "safety": "veiligheid",
    "no_staff": "geen personeel voor intake",
    "other": "anders",
}

# Matcher reason codes (shared/matching-contract.md) in Dutch; contra_indication:<code> is built from CONTRA_INDICATIONS.
MATCH_REASONS = {
    "gender": "geslacht past niet",
    "age": "leeftijd past niet",
    "residence": "verblijfsstatus past niet",
    "exploitation": "soort uitbuiting past niet",
    "intake_closed": "intake nu gesloten",
    "safety_distance": "te dichtbij (veiligheid)",
    "pool_fit": "geen passende kamer",
    "capacity": "vol",
    f"contra_indication:{RESIDENCE_UNKNOWN}": "verblijfsstatus onbekend: laat niet iedereen toe",
}


def reason_label(code: str) -> str:
    if code in MATCH_REASONS:
        return MATCH_REASONS[code]
    if code.startswith("contra_indication:"):
        ci = code.split(":", 1)[1]
        return f"contra-indicatie: {CONTRA_INDICATIONS.get(ci, ci)}"
    return MATCH_REASONS.get(code, code)


# The audit log's actions (audit.record's `action`) as /beheer/audit shows them. Every action the
# code writes has a label here (tests/audit/test_action_labels.py greps the code); request.<kind> and
# hold.<status> are built from EVENT_KINDS and HOLD_STATUSES by audit_action_label.
AUDIT_ACTIONS = {
    "availability.confirm": "vrije plaatsen bevestigd",
    "availability.update": "vrije plaatsen bijgewerkt",
    "case.create": "zaak aangemaakt",
    "case.read": "zaak ingezien",
    "case.report_made": "melding CoMensha gedaan",
    "case.report_owner": "melding CoMensha overgedragen",
    "hold.place": "plaats vastgehouden",
    "placement.choose": "plaats gekozen",
    "placement.confirm": "intake bevestigd",
    "region.create": "regio aangemaakt",
    "region.escalation_policy": "oproepladder gewijzigd",
    "region.office_hours": "kantooruren gewijzigd",
    "region.retire": "regio opgeheven",
    "retention.purge": "oude zaakgegevens verwijderd (bewaartermijn)",
    "rota.create": "rooster aangemaakt",
    "rota.ical_link": "agendalink gemaakt",
    "rota.import": "diensten geïmporteerd",
    "rota.override_add": "vervanging toegevoegd",
    "rota.override_delete": "vervanging verwijderd",
    "rota.override_edit": "vervanging gewijzigd",
    "rota.override_end": "vervanging beëindigd",
    "rota.rotation_add": "rotatie toegevoegd",
    "rota.rotation_delete": "rotatie verwijderd",
    "rota.rotation_edit": "rotatie gewijzigd",
    "rota.rotation_end": "rotatie beëindigd",
    "rota.shift_add": "dienst toegevoegd",
    "rota.shift_delete": "dienst verwijderd",
    "rota.shift_edit": "dienst gewijzigd",
    "rota.shift_end": "dienst beëindigd",
    "shelter.address_shown": "adres van de opvang getoond",
    "shelter.create": "opvang aangemaakt",
    "shelter.freshness_reminder": "herinnering om vrije plaatsen te bevestigen",
    "shelter.profile": "profiel van de opvang gewijzigd",
    "shelter.retire": "opvang opgeheven",
    "shelter.update": "opvang gewijzigd",
    "token.issue": "API-token uitgegeven",
    "token.revoke": "API-token ingetrokken",
    "user.create": "account aangemaakt",
    "user.deactivate": "account gedeactiveerd",
    "user.login": "ingelogd",
    "user.logout": "uitgelogd",
    "user.mfa_enrol": "tweede factor ingesteld",
    "user.mfa_recovery_code": "ingelogd met een herstelcode",
    "user.mfa_reset": "tweede factor gereset",
    "user.password_link": "link voor wachtwoord verstuurd",
    "user.password_set": "wachtwoord ingesteld",
    "user.phone": "telefoonnummer gewijzigd",
    "user.phone_code": "bevestigingscode verstuurd",
    "user.phone_code_wrong": "verkeerde bevestigingscode",
    "user.phone_test": "testoproep",
    "user.phone_verified": "telefoonnummer bevestigd",
    "user.reactivate": "account heractiveerd",
    "user.update": "account gewijzigd",
}

# Where an audited change came from (its `source`): an update's sources and the program's own parts.
AUDIT_SOURCES = {
    **UPDATE_SOURCES,
    "worker": "achtergrondproces",
    "cli": "opdrachtregel",
    "phone": "landelijk piketnummer",
    "import": "import",
}
AUDIT_SYSTEM_ACTOR = "system"  # audit.record's actor when nobody did it (audit/service.py)

# What an audit entry is about (its `entity`).
AUDIT_ENTITIES = {
    "api_token": "API-token",
    "case": "zaak",
    "hold": "vastgehouden plaats",
    "placement": "plaatsing",
    "placement_request": "aanvraag",
    "region": "regio",
    "rota": "rooster",
    "shelter": "opvang",
    "user": "account",
}


def audit_action_label(action: str) -> str:
    """Dutch for an audit action; request.<event kind> and hold.<status> from their own tables."""
    if action in AUDIT_ACTIONS:
        return AUDIT_ACTIONS[action]
    entity, _, what = action.partition(".")
    if entity == "request" and what in EVENT_KINDS:
        return f"aanvraag: {EVENT_KINDS[what]}"
    if entity == "hold" and what in HOLD_STATUSES:
        return f"plaats {HOLD_STATUSES[what]}"
    return action
