"""Requests and placements as plain data for the API and the pages, with the address rules applied."""

from sqlalchemy import select

import vocabulary
from beds import service as beds
from extensions import db
from piket.lifecycle import PlacementStatus
from piket.models import RequestEvent
from timeutil import format_local


def placement_json(p, user, now):
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
    # The requester sees the address only once the shelter confirmed the intake; every showing is audited.
    confirmed_requester = p.request.case.created_by_id == user.id and p.status == PlacementStatus.CONFIRMED
    address = beds.shelter_address(now, p.shelter, user, confirmed_requester)
    if address is not None:
        body["address"] = address
    return body


def request_json(r, user, now, timeline=False):
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
        "placements": [placement_json(p, user, now) for p in r.placements],
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
                "local": format_local(e.at),
            }
            for e in events
        ]
    return body
