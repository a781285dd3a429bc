"""No personal data in what is sent or logged (DESIGN.md, privacy): a whole placement flow at night, with
the console provider writing into a buffer and every logger captured at DEBUG, then everything that left
the app (SMS, calls, spoken text, SMS replies, log lines, exceptions) is searched for what must not be there."""

import datetime as dt
import io
import logging
import re

import pytest
from sqlalchemy import select

from accounts import service as accounts
from extensions import db
from notify.models import NotificationAttempt
from notify.providers import ConsoleProvider
from piket.models import Placement
from tests.conftest import BACKUP, NATIONAL, PRIMARY, REQUESTER

MIN, HOUR = dt.timedelta(minutes=1), dt.timedelta(hours=1)
REFERENCE = "PL1700-2026-0042"
# Ages that occur nowhere else in the flow (not in times, phone numbers or ids), so a hit is a leak.
MOTHER = {"gender": "female", "age": 37, "residence": "none", "exploitation": "sexual", "needs": ["pregnancy"]}
MAN = {"gender": "male", "age": 58, "residence": "lawful", "exploitation": "labour", "needs": ["wheelchair"]}
NAMES = {
    "primary": "Anna de Vries",
    "backup": "Bram Jansen",
    "national": "Carla Bakker",
    "police": "Dirk Pietersen",
    "coordinator": "Eva Smit",
    "shelter_staff": "Fleur Visser",
    "comensha": "Gert Mulder",
    "admin": "Hanna Bos",
}


@pytest.fixture
def console(app):
    stream = io.StringIO()
    provider = ConsoleProvider(stream=stream)
    app.extensions["notify_provider"] = provider
    return provider, stream


@pytest.fixture
def everything(app, caplog, console, duty, users, registry, signed_post, api, now):
    """The flow, after hours (Sunday 02:30): a mother with two children and a man, kept apart. Returns what
    left the app: the provider's output and records, the webhook answers, the outbox bodies, the log."""
    from national import freshness
    from notify import service as notify
    from piket import escalation, reports

    provider, stream = console
    # Every logger at DEBUG, and SQLAlchemy's statements with their parameters (echo=True) on top: nothing is
    # filtered out before we read it. (Only echo="debug", which prints result rows by definition, is left out.)
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        caplog.set_level(logging.INFO, logger=name)
    for role, user in {**users, **duty["people"]}.items():
        user.name = NAMES[role]
    users["shelter_staff"].phone = "+31610000055"
    db.session.commit()
    answers = []

    def tick(moment):
        escalation.tick(moment)
        notify.dispatch_due(moment, provider, app.config["PUBLIC_BASE_URL"])
        db.session.commit()

    def webhook(path, params):
        resp = signed_post(path, params)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        answers.append(resp.get_data(as_text=True))
        return resp

    # The police submit the case (API); the primary is paged by SMS and call, ten minutes later the back-up too.
    resp = api(
        "police",
        "POST",
        "/api/v1/placement-requests",
        json={
            "case_reference": REFERENCE,
            "callback_phone": REQUESTER,
            "found": {"region": "rotterdam"},
            "urgency": "immediate",
            "requests": [{"persons": [MOTHER], "children": 2}, {"persons": [MAN]}],
            "apart": [[0, 1]],
        },
    )
    assert resp.status_code == 201, resp.json
    mother, man = resp.json["requests"]
    tick(now)
    call = db.session.scalar(
        select(NotificationAttempt).where(
            NotificationAttempt.to_number == PRIMARY, NotificationAttempt.channel == "voice"
        )
    )
    webhook(f"/webhooks/twilio/voice/{call.id}", {"CallSid": "CApriv1", "AnsweredBy": "human"})  # the spoken page
    tick(now + 10 * MIN)
    # The back-up accepts both by SMS reply; the primary answers too late and hears it is taken.
    webhook("/webhooks/twilio/sms", {"From": BACKUP, "Body": f"JA {mother['short_code']}", "MessageSid": "SMpriv1"})
    webhook("/webhooks/twilio/sms", {"From": BACKUP, "Body": f"JA {man['short_code']}", "MessageSid": "SMpriv2"})
    webhook("/webhooks/twilio/sms", {"From": PRIMARY, "Body": f"JA {mother['short_code']}", "MessageSid": "SMpriv3"})
    tick(now + 11 * MIN)
    # The back-up chooses the proposals; the shelters confirm; the requester is told by SMS.
    token = accounts.issue_token(now, duty["people"]["backup"])
    backup = {"Authorization": f"Bearer {token}"}
    holds = []
    for request in (mother, man):
        proposals = api(None, "GET", f"/api/v1/placement-requests/{request['id']}/proposals", headers=dict(backup))
        assert proposals.status_code == 200, proposals.json
        pool = proposals.json["requests"][str(request["id"])]["proposal"]["pool_id"]
        chosen = api(
            None,
            "POST",
            f"/api/v1/placement-requests/{request['id']}/placements",
            json={"pool_id": pool},
            headers=dict(backup),
        )
        assert chosen.status_code == 201, chosen.json
        holds.append(chosen.json["hold_id"])
    # Thirty minutes before the holds expire, the shelter and the back-up are reminded; then the shelter confirms
    # one by SMS reply and the other on its page.
    from piket import placements

    assert placements.remind_expiring(now + 61 * MIN) >= 1
    tick(now + 61 * MIN)
    first = db.session.scalar(select(Placement).where(Placement.hold_id == holds[0]))
    webhook(
        "/webhooks/twilio/sms",
        {"From": first.shelter.intake_phone, "Body": f"JA {placements.hold_code(first)}", "MessageSid": "SMpriv4"},
    )
    for hold in holds[1:]:
        assert api("coordinator", "POST", f"/api/v1/holds/{hold}/confirm").status_code == 200
    tick(now + 30 * MIN)
    # Monday 10:00: the CoMensha report's owner is reminded; stale shelters get their freshness reminder.
    monday = now + 31 * HOUR
    assert reports.remind_due(monday) == 1
    assert freshness.remind_stale(monday) >= 1
    tick(monday)
    # The requester, once the intake is confirmed, opens the case page (the address is shown there, audited).
    assert api("police", "GET", f"/api/v1/placement-requests/{mother['id']}").status_code == 200
    outbox = db.session.scalars(select(NotificationAttempt)).all()
    return {
        "provider": provider,
        "console": stream.getvalue(),
        "answers": answers,
        "bodies": [a.body for a in outbox],
        "outbox": outbox,
        "log": caplog,
        "people": {**users, **duty["people"]},
    }


# SQLAlchemy's own notes on a logged statement ("[cached since 37.2s ago]", "[generated in 0.00058s
# (insertmanyvalues) 1/2 (ordered)]"): timings and batch counts, not data.
SQL_TIMING = re.compile(r"\[(?:cached since|generated in) [^\]]*\]")


def _log_text(caplog) -> str:
    lines = []
    for record in caplog.get_records("setup") + caplog.get_records("call"):  # the flow ran in the fixture
        lines.append(SQL_TIMING.sub("[timing]", f"{record.name} {record.levelname} {record.getMessage()}"))
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


def _forbidden(people):
    """Every piece of personal data of this flow, as a regular expression with a label."""
    words = {
        "case reference": re.escape(REFERENCE),
        "confidential address": "Geheimstraat|Verborgen 9|Mannenweg",
        "victim's age": r"\b(37|58)\b",
        "victim's gender": r"\b(female|male|vrouw|man)\b",
        "victim's residence": r"\b(lawful|rechtmatig verblijf|geen verblijfsrecht)\b",
        "exploitation": r"\b(sexual|labour|seksuele uitbuiting|arbeidsuitbuiting)\b",
        "need": r"\b(pregnancy|wheelchair|zwangerschap|rolstoel)\b",
    }
    for role, user in people.items():
        words[f"e-mail of {role}"] = re.escape(user.email)
        words[f"name of {role}"] = re.escape(user.name)
    return words


def _hits(text, words):
    text = re.sub(r"https?://\S+", "<url>", text)  # links carry signed tokens, not data; their path is checked apart
    return {  # each hit with what stood around it, to find where it leaked
        label: text[max(0, m.start() - 80) : m.end() + 40]
        for label, pattern in words.items()
        if (m := re.search(pattern, text, re.I))
    }


def test_the_flow_sent_what_it_should(everything):
    # A guard for the scans below: the flow really paged, answered, confirmed and reminded.
    purposes = {a.purpose for a in everything["outbox"]}
    assert {"page", "page_call", "taken", "requester", "report_reminder", "freshness_reminder"} <= purposes, purposes
    # The shelter is told of the held place and reminded before it expires (intake number and staff phone).
    assert {"intake", "intake_reminder"} <= purposes, purposes
    shelter_sms = [m for m in everything["provider"].sent if m["to"] in ("+31101234567", "+31610000055")]
    assert len([m for m in shelter_sms if "JA B" in m["body"]]) >= 4, shelter_sms
    assert "intake bevestigd" in "".join(everything["answers"])
    assert any(m["to"] == REQUESTER for m in everything["provider"].sent)
    assert sum(1 for a in everything["answers"] if "<Say" in a) == 1 and "<Message>" in "".join(everything["answers"])
    assert "aangenomen" in "".join(everything["answers"])


def test_no_personal_data_in_any_message(everything):
    words = _forbidden(everything["people"])
    words["callback phone"] = re.escape(REQUESTER)
    sent = [m.get("body") or m.get("url") for m in everything["provider"].sent]
    assert _hits("\n".join(sent + everything["bodies"]), words) == {}
    assert _hits("\n".join(everything["answers"]), words) == {}  # SMS replies and the spoken page
    # The console prints "[sms] <recipient>: <text>": the requester's number only ever as the recipient.
    for line in everything["console"].splitlines():
        recipient, _, text = line.partition(": ") if line.startswith("[sms]") else line.partition(" -> ")
        assert _hits(text, words) == {}, line
        assert recipient.split()[-1] in (
            PRIMARY,
            BACKUP,
            NATIONAL,
            REQUESTER,
            "+31610000055",
            "+31101234567",
            "+31610000077",
        ) or recipient.startswith("[")


def test_no_personal_data_in_links(everything):
    # Links name a case by its number and an answer by a signed token: never a reference or a phone.
    urls = re.findall(r"https?://\S+", everything["console"] + "\n".join(everything["answers"]))
    assert urls and all(REFERENCE not in u and REQUESTER.lstrip("+") not in u for u in urls)


def test_no_personal_data_in_the_log(everything):
    text = _log_text(everything["log"])
    assert "notification" in text and "INSERT INTO cases" in text, "the capture is not working"
    words = _forbidden(everything["people"])
    words["callback phone"] = re.escape(REQUESTER) + "|" + re.escape(REQUESTER.replace("+31", "0"))
    # Coordinators' and shelters' numbers in a log line are personal data too.
    words["a phone number"] = r"\+31\d{9}"
    assert _hits(text, words) == {}


def _insert_without_required_columns():
    from sqlalchemy import text

    db.session.execute(
        text("INSERT INTO cases (id, case_reference, callback_phone) VALUES (:id, :ref, :phone)"),
        {"id": 1, "ref": REFERENCE, "phone": REQUESTER},
    )  # the other NOT NULL columns are missing


@pytest.mark.own_app
def test_a_database_error_in_a_request_or_a_job_logs_no_data(app, client, caplog, registry):
    # An unexpected database error is logged with its traceback (errors.py, piket/worker.py), but neither the
    # statement's parameters (hide_parameters in settings.py) nor the row PostgreSQL quotes in its DETAIL.
    from piket.worker import run_job

    @app.get("/__db-error")
    def db_error():
        _insert_without_required_columns()
        return "never"

    caplog.set_level(logging.DEBUG)
    resp = client.get("/__db-error")
    db.session.rollback()
    assert resp.status_code == 500 and REFERENCE not in resp.get_data(as_text=True)
    run_job(app, "broken", lambda now: _insert_without_required_columns())
    text = _log_text(caplog)
    # The errors are there, for whoever debugs them: what failed, where, in which statement.
    assert "unhandled error on GET /__db-error: IntegrityError" in text and "job broken failed: IntegrityError" in text
    assert text.count("INSERT INTO cases") >= 2 and "Traceback" in text
    assert REFERENCE not in text and REQUESTER not in text
