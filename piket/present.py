"""Requests and placements as plain data for the API and the pages.

They only render: a shelter's address appears when the caller passes it in `addresses`, as the
service that decides to disclose it (and audits that) returned it: piket.placements.disclose_addresses.
"""

from sqlalchemy import select

import formatting
import vocabulary
from extensions import db
from piket.lifecycle import RequestStatus
from piket.models import RequestEvent


def placement_json(p, addresses=None):
    """`addresses`: {placement id: address} from placements.disclose_addresses, for those shown."""
    body = {
        "id": p.id,
        "hold_id": p.hold_id,
        "status": p.status,
        "shelter_id": p.shelter_id,
        "shelter": p.shelter.name,
        "municipality": p.shelter.municipality,
        "intake_phone": p.shelter.intake_phone,
        "pool_id": p.pool_id,
        "distance_km": p.distance_km,
        "hold_expires_at": p.hold.expires_at.isoformat(),
        "refusal_reason": p.refusal_reason,
    }
    address = (addresses or {}).get(p.id)
    if address is not None:
        body["address"] = address
    return body


def request_json(r, addresses=None, timeline=False):
    case = r.case
    body = {
        "id": r.id,
        "short_code": r.short_code,
        "status": r.status,
        "urgency": r.urgency,
        "threat": r.threat,
        "size": r.size,
        "persons": r.persons,
        "children": r.children,
        "apart_from": r.apart_from or [],
        "created_at": r.created_at.isoformat(),
        "accepted_by_id": r.accepted_by_id,
        "blocking_reasons": r.blocking_reasons,
        "case": {
            "id": case.id,
            "case_reference": case.case_reference,
            "callback_phone": case.callback_phone,
            "requester_org": case.requester_org,
            "region": case.region.code,
            "source": case.source,
            "report_owner_id": case.report_owner_id,
        },
        "placements": [placement_json(p, addresses) for p in r.placements],
    }
    if timeline:
        events = db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == r.id).order_by(RequestEvent.id)
        ).all()
        body["timeline"] = [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "detail": e.detail,
                "actor_id": e.actor_id,
                "label": vocabulary.label(vocabulary.EVENT_KINDS, e.kind),
                "local": formatting.when(e.at),
            }
            for e in events
        ]
    return body


def next_step(r) -> str:
    """What happens now with an open request, in one or two plain Dutch sentences for the requester.
    Read from the ladder's snapshot: its next step and that step's minute."""
    if r.status == RequestStatus.ACCEPTED:
        return "Een zorgcoördinator heeft de aanvraag aangenomen en zoekt nu een plaats."
    if r.status == RequestStatus.PLACING:
        return "Er wordt een plaats voor u vastgehouden; de opvang bevestigt nu de intake."
    steps = (r.escalation or {}).get("steps") or []
    index = r.escalation_step or 0  # the next step to run
    text = "De piket wordt nu opgeroepen." if index else "De piket wordt zo opgeroepen."
    if index < len(steps) and r.next_action_at is not None:
        at = formatting.clock(r.next_action_at)
        level = steps[index].get("level")
        if level == "exhausted":
            text += f" Neemt niemand aan, dan gaat om {at} het alarm af bij alle zorgcoördinatoren van de regio."
        else:
            text += f" Neemt niemand aan, dan volgt om {at} {vocabulary.PAGE_LEVELS.get(level, 'de volgende stap')}."
    return text
