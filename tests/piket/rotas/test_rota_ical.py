"""iCal feeds behind secret links: RFC 5545 text, UTC times across the daylight-saving change, stable UIDs."""

import datetime as dt
import re

from piket.rotas import ical, service
from tests.conftest import csrf_token
from tests.piket.rotas.conftest import at


def events(text):
    return [
        dict(line.split(":", 1) for line in block.strip("\r\n").split("\r\n"))
        for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfold(text), re.S)
    ]


def unfold(text):
    return text.replace("\r\n ", "")


def test_fold_keeps_lines_within_75_octets_and_utf8_whole():
    line = "SUMMARY:" + "Piket primair Súdwest-Fryslân en Noordoostpolder, zorgcoördinatie " * 3
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 2 and all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert unfold(folded) == line
    assert ical.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_personal_feed_over_the_spring_change(app, client, login, rota, people, rotation):
    rotation(rota, [people["a"], people["b"]], dt.date(2027, 3, 1))  # daily at 09:00, in turn
    app.config["FROZEN_NOW"] = at(2027, 3, 20, 12)
    login(people["a"])
    page = client.get(f"/piket/roosters/{rota.id}").get_data(as_text=True)
    client.post(f"/piket/roosters/{rota.id}/agenda", data={"kind": "mine", "csrf_token": csrf_token(page)})
    feed = service.feed_of(user=people["a"])
    assert feed is not None and f"/piket/ical/{feed.token}.ics" in client.get(f"/piket/roosters/{rota.id}").get_data(
        as_text=True
    )

    client = app.test_client()  # a calendar app: no session, the token is the key
    resp = client.get(f"/piket/ical/{feed.token}.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    text = resp.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    found = events(text)
    assert found and all(e["SUMMARY"] == "Piket primair Rotterdam" for e in found)
    # Anna has every other day: 27 March 09:00 CET to 28 March 09:00 CEST is 23 hours, in UTC.
    spring = next(e for e in found if e["DTSTART"] == "20270327T080000Z")
    assert spring["DTEND"] == "20270328T070000Z"
    after = next(e for e in found if e["DTSTART"] == "20270329T070000Z")  # 09:00 CEST
    assert after["DTEND"] == "20270330T070000Z"
    # The window: from a week back to 60 days ahead.
    starts = sorted(e["DTSTART"] for e in found)
    assert starts[0] >= "20270313" and starts[-1] < "20270520"
    # The same duty keeps its UID when fetched later.
    app.config["FROZEN_NOW"] = at(2027, 3, 21, 13)
    later = {e["DTSTART"]: e["UID"] for e in events(client.get(f"/piket/ical/{feed.token}.ics").get_data(as_text=True))}
    assert later["20270327T080000Z"] == spring["UID"]


def test_rota_feed_names_the_person_and_a_new_link_revokes_the_old(client, login, users, rota, people, shift, now):
    shift(rota, people["b"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    old = service.renew_feed(now, users["admin"], rota=rota).token
    text = client.get(f"/piket/ical/{old}.ics").get_data(as_text=True)
    [event] = events(text)
    assert event["SUMMARY"] == "Piket primair Rotterdam: Bram"
    assert (event["DTSTART"], event["DTEND"]) == ("20261124T160000Z", "20261125T080000Z")
    assert event["UID"] == f"piket-{rota.id}-{people['b'].id}-20261124T160000Z@piket"
    new = service.renew_feed(now, users["admin"], rota=rota).token
    assert new != old
    assert client.get(f"/piket/ical/{old}.ics").status_code == 404
    assert client.get(f"/piket/ical/{new}.ics").status_code == 200


def test_unknown_token_is_404(client, registry):
    assert client.get("/piket/ical/onzin.ics").status_code == 404
    assert client.get("/piket/ical/" + "x" * 80 + ".ics").status_code == 404


def test_the_feed_of_a_deactivated_account_answers_404(app, client, people, now):
    from accounts import service as accounts

    feed = service.renew_feed(now, people["a"])
    path = f"/piket/ical/{feed.token}.ics"
    assert client.get(path).status_code == 200
    accounts.deactivate(now, people["a"])
    resp = client.get(path)
    assert resp.status_code == 404 and "BEGIN:VCALENDAR" not in resp.get_data(as_text=True)
