"""JSON API of the registry (thin: parse, call a service, serialise)."""

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import select

import validation as v
import vocabulary
from accounts.access import require
from accounts.roles import EVERYONE, HISTORY_READERS, PROFILE_KEEPERS, REGISTRARS, SHELTER_KEEPERS, Role
from beds import registry, search, service
from beds.models import Shelter
from errors import Forbidden
from extensions import db
from timeutil import intake_open, utcnow

bp = Blueprint("beds_api", __name__, url_prefix="/api/v1")


def region_json(region):
    return {
        "code": region.code,
        "name": region.name,
        "kind": region.kind,
        "centre": region.centre,
        "lat": region.lat,
        "lon": region.lon,
        "dial_code": region.dial_code,
        "active": region.active,
    }


def pool_json(pool, now):
    cfg = current_app.config
    return {
        "id": pool.id,
        "key": pool.key,
        "kind": pool.kind,
        "room_size": pool.room_size,
        "capacity": pool.capacity,
        "out_of_service": pool.out_of_service,
        "occupied": pool.occupied,
        "held": pool.held,
        "free": pool.free,
        "confirmed_at": pool.confirmed_at.isoformat() if pool.confirmed_at else None,
        "freshness": service.freshness(pool.confirmed_at, now, cfg["FRESH_HOURS"], cfg["STALE_HOURS"]),
    }


def shelter_json(shelter, now, address=None):
    cfg = current_app.config
    confirmed = service.last_confirmed(shelter)
    body = registry.describe(shelter)
    body.update(
        {
            "id": shelter.id,
            "organisation": shelter.organisation.name if shelter.organisation else None,
            "pools": [pool_json(p, now) for p in shelter.pools],
            "confirmed_at": confirmed.isoformat() if confirmed else None,
            "freshness": service.freshness(confirmed, now, cfg["FRESH_HOURS"], cfg["STALE_HOURS"]),
            "intake_open_now": intake_open(shelter.intake, now),
        }
    )
    if address is not None:
        body["address"] = address
    return body


@bp.get("/vocabulary")
@require(*EVERYONE)
def get_vocabulary():
    return jsonify(
        {
            name.lower(): getattr(vocabulary, name)
            for name in (
                "CONTRA_INDICATIONS",
                "SHELTER_TYPES",
                "EXPLOITATION_TYPES",
                "GENDERS",
                "RESIDENCE",
                "THREAT_LEVELS",
                "URGENCIES",
                "POOL_KINDS",
                "REGION_KINDS",
                "ROLES",
            )
        }
    )


@bp.get("/regions")
@require(*EVERYONE)
def list_regions():
    return jsonify({"regions": [region_json(r) for r in registry.offered_regions()]})  # retired ones are not offered


@bp.post("/regions")
@require(*REGISTRARS)
def create_region():
    region = registry.create_region(utcnow(), v.json_body(request), g.user)
    return jsonify(region_json(region)), 201


@bp.post("/regions/<region_code>/retire")
@require(*REGISTRARS)
def retire_region(region_code):
    region = registry.retire_region(utcnow(), registry.region_to_retire(region_code), g.user)
    return jsonify(region_json(region))


@bp.get("/shelters")
@require(*EVERYONE)
def list_shelters():
    now = utcnow()
    shelters = db.session.scalars(select(Shelter).where(Shelter.active.is_(True)).order_by(Shelter.name)).all()
    return jsonify({"shelters": [shelter_json(s, now) for s in shelters]})  # lists never carry addresses


@bp.post("/shelters")
@require(*REGISTRARS)
def create_shelter():
    now = utcnow()
    shelter = registry.create_shelter(now, v.json_body(request), g.user)
    return jsonify(shelter_json(shelter, now, address=shelter.address)), 201


@bp.get("/shelters/<int:shelter_id>")
@require(*EVERYONE)
def get_shelter(shelter_id):
    now = utcnow()
    shelter = service.get_shelter(shelter_id)
    return jsonify(shelter_json(shelter, now, address=service.disclose_address(now, shelter, g.user)))


@bp.patch("/shelters/<int:shelter_id>")
@require(Role.ADMIN)
def update_shelter(shelter_id):
    now = utcnow()
    shelter = registry.update_shelter(now, service.get_shelter(shelter_id), v.json_body(request), g.user)
    return jsonify(shelter_json(shelter, now, address=service.disclose_address(now, shelter, g.user)))  # audited


@bp.patch("/shelters/<int:shelter_id>/profile")
@require(*PROFILE_KEEPERS)
def update_profile(shelter_id):
    """The shelter's own part of its record; `?dry_run=true` answers what would change and saves nothing."""
    now = utcnow()
    shelter = service.get_shelter(shelter_id)
    if not service.can_edit_profile(g.user, shelter):
        raise Forbidden("Alleen de eigen opvang.", field="shelter_id")
    fields = registry.parse_profile(v.json_body(request))
    changes = registry.profile_changes(shelter, fields)
    dry_run = v.boolean(request.args, "dry_run", default=False)
    if changes and not dry_run:
        shelter = registry.update_profile(now, shelter, fields, g.user)
    body = shelter_json(shelter, now, address=service.disclose_address(now, shelter, g.user))
    body["changes"] = [f"{c['label']}: {c['text']}" for c in changes]
    return jsonify(body)


@bp.post("/shelters/<int:shelter_id>/retire")
@require(*REGISTRARS)
def retire_shelter(shelter_id):
    now = utcnow()
    shelter = registry.retire_shelter(now, service.get_shelter(shelter_id), g.user)
    return jsonify({"id": shelter.id, "key": shelter.key, "active": shelter.active})


@bp.post("/shelters/<int:shelter_id>/availability")
@require(*SHELTER_KEEPERS)
def post_availability(shelter_id):
    now = utcnow()
    data = v.json_body(request)
    if v.boolean(data, "unchanged", default=False):
        shelter = service.confirm_unchanged(now, shelter_id, g.user, "api")
    else:
        shelter = service.update_availability(now, shelter_id, service.parse_pool_updates(data), g.user, "api")
    return jsonify(shelter_json(shelter, now))


@bp.get("/shelters/<int:shelter_id>/availability")
@require(*HISTORY_READERS)
def get_availability_history(shelter_id):
    shelter = service.get_shelter(shelter_id)
    if not service.can_see_history(g.user, shelter):
        raise Forbidden("Alleen de eigen opvang.", field="shelter_id")
    limit = v.integer(request.args, "limit", minimum=1, maximum=1000, default=100) if request.args.get("limit") else 100
    return jsonify(
        {
            "snapshots": [
                {
                    "id": s.id,
                    "pool": s.pool_id,
                    "recorded_at": s.recorded_at.isoformat(),
                    "actor_id": s.actor_id,
                    "source": s.source,
                    "confirmed_unchanged": s.confirmed_unchanged,
                    "capacity": s.capacity,
                    "out_of_service": s.out_of_service,
                    "occupied": s.occupied,
                    "held": s.held,
                    "free": s.free,
                }
                for s in service.history(shelter.id, limit)
            ]
        }
    )


@bp.get("/availability")
@require(*EVERYONE)
def national_availability():
    filters = search.parse_filters(request.args)
    now = utcnow()
    results = search.search(now, filters, current_app.config)
    search.record_empty(now, filters, results, g.user)
    return jsonify({"results": results})
