"""iCalendar (RFC 5545) feeds of duties, written by hand: the format needs only a few lines.

Times are UTC ("Z"), so calendar apps show each duty at the right local time across the
daylight-saving changes without a VTIMEZONE. The UID is the rota, the person and the start:
the same duty keeps its UID from one fetch to the next.
"""

import datetime as dt

from piket.rotas import service

PRODID = "-//Piket mensenhandel//Piketrooster//NL"


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets folded (CRLF + one space), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def uid(rota_id, user_id, start) -> str:
    return f"piket-{rota_id}-{user_id}-{stamp(start)}@piket"


def calendar(name: str, events: list[dict], now: dt.datetime) -> str:
    """events: {uid, start, end, summary, description?}; the whole VCALENDAR, CRLF line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(event['start'])}",
            f"DTEND:{stamp(event['end'])}",
            f"SUMMARY:{escape(event['summary'])}",
        ]
        if event.get("description"):
            lines.append(f"DESCRIPTION:{escape(event['description'])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def feed_text(now, feed) -> str:
    """The feed behind a secret link: one person's duties on every rota, or one rota's duties."""
    pairs = service.feed_duties(now, feed)
    people = service.users_by_id(d.user_id for _r, d in pairs)
    events = []
    for rota, duty in pairs:
        person = people.get(duty.user_id)
        who = (person.name or person.email) if person else "onbekend"
        summary = service.title(rota) if feed.user_id else f"{service.title(rota)}: {who}"
        events.append(
            {
                "uid": uid(rota.id, duty.user_id, duty.start),
                "start": duty.start,
                "end": duty.end,
                "summary": summary,
                "description": f"{service.title(rota)}, piket van {who}",
            }
        )
    if feed.rota_id:
        name = service.title(service.get_rota(feed.rota_id))
    else:
        person = service.users_by_id([feed.user_id]).get(feed.user_id)
        name = f"Mijn piket ({person.name or person.email})" if person else "Mijn piket"
    return calendar(name, events, now)
