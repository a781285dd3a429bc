"""JSON API of the rotas (thin): the rotas, one rota's next 14 days with its gaps, and its shifts,
rotations and swaps (overrides) to list, add, change and remove. The service decides who may change
what and keeps the past as it was."""

import datetime as dt

from flask import Blueprint, g, jsonify, request

import validation as v
from accounts.access import require
from accounts.roles import OVERSIGHT
from errors import ValidationError
from piket.rotas import service
from timeutil import utcnow

bp = Blueprint("rotas_api", __name__, url_prefix="/api/v1")

DAYS = 14
FIELDS = {
    "shifts": ("user", "start", "end"),
    "rotations": ("start_date", "handover", "shift_hours", "days", "people", "until_date"),
    "overrides": ("user", "start", "end", "reason"),
}


def _body(kind) -> dict:
    data = v.json_body(request)
    unknown = sorted(set(data) - set(FIELDS[kind]))
    if unknown:
        raise ValidationError(f"onbekend veld; kies uit {', '.join(FIELDS[kind])}", field=unknown[0])
    return data


def _time(moment) -> str:
    return moment.isoformat()


def rota_json(rota) -> dict:
    return {
        "id": rota.id,
        "name": rota.name,
        "level": rota.level,
        "region": rota.region.code if rota.region else None,
        "owner_id": rota.owner_id,
    }


def shift_json(row) -> dict:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "start": _time(row.start),
        "end": _time(row.end),
        "source": row.source,
    }


def rotation_json(row, now) -> dict:
    return {
        "id": row.id,
        "start_date": row.start_date.isoformat(),
        "handover": row.handover,
        "shift_hours": row.shift_hours,
        "days": list(row.days or ()),
        "people": list(row.people or ()),
        "until_date": row.until_date.isoformat() if row.until_date else None,
        "state": service.rotation_state(row, now),
    }


def override_json(row) -> dict:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "start": _time(row.start),
        "end": _time(row.end),
        "reason": row.reason or "",
        "created_by_id": row.created_by_id,
    }


@bp.get("/rotas")
@require(*OVERSIGHT)
def list_rotas():
    return jsonify({"rotas": [rota_json(r) for r in service.list_rotas()]})


@bp.get("/rotas/<int:rota_id>")
@require(*OVERSIGHT)
def get_rota(rota_id):
    now = utcnow()
    rota = service.get_rota(rota_id)
    segments = service.plan(rota, now, now + dt.timedelta(days=DAYS))
    return jsonify(
        {
            **rota_json(rota),
            "schedule": [
                {"start": _time(s.start), "end": _time(s.end), "user_id": s.user_id, "source": s.source}
                for s in segments
            ],
            "gaps": [{"start": _time(gp.start), "end": _time(gp.end)} for gp in service.gaps(now, rota, DAYS)],
        }
    )


# --- shifts ----------------------------------------------------------------------------------------


@bp.get("/rotas/<int:rota_id>/shifts")
@require(*OVERSIGHT)
def list_shifts(rota_id):
    rota = service.get_rota(rota_id)
    return jsonify({"shifts": [shift_json(s) for s in service.shifts_of(rota, since=utcnow())]})


@bp.post("/rotas/<int:rota_id>/shifts")
@require(*OVERSIGHT)
def add_shift(rota_id):
    return jsonify(shift_json(service.add_shift(utcnow(), rota_id, _body("shifts"), g.user))), 201


@bp.patch("/rotas/<int:rota_id>/shifts/<int:shift_id>")
@require(*OVERSIGHT)
def update_shift(rota_id, shift_id):
    return jsonify(shift_json(service.update_shift(utcnow(), rota_id, shift_id, _body("shifts"), g.user)))


@bp.delete("/rotas/<int:rota_id>/shifts/<int:shift_id>")
@require(*OVERSIGHT)
def delete_shift(rota_id, shift_id):
    ended = service.delete_shift(utcnow(), rota_id, shift_id, g.user)
    return (jsonify(shift_json(ended)), 200) if ended is not None else ("", 204)


# --- rotations -------------------------------------------------------------------------------------


@bp.get("/rotas/<int:rota_id>/rotations")
@require(*OVERSIGHT)
def list_rotations(rota_id):
    now = utcnow()
    rota = service.get_rota(rota_id)
    return jsonify({"rotations": [rotation_json(r, now) for r in service.rotations_of(rota)]})


@bp.post("/rotas/<int:rota_id>/rotations")
@require(*OVERSIGHT)
def add_rotation(rota_id):
    now = utcnow()
    return jsonify(rotation_json(service.add_rotation(now, rota_id, _body("rotations"), g.user), now)), 201


@bp.patch("/rotas/<int:rota_id>/rotations/<int:rotation_id>")
@require(*OVERSIGHT)
def update_rotation(rota_id, rotation_id):
    now = utcnow()
    row = service.update_rotation(now, rota_id, rotation_id, _body("rotations"), g.user)
    return jsonify(rotation_json(row, now))


@bp.delete("/rotas/<int:rota_id>/rotations/<int:rotation_id>")
@require(*OVERSIGHT)
def delete_rotation(rota_id, rotation_id):
    now = utcnow()
    ended = service.delete_rotation(now, rota_id, rotation_id, g.user)
    return (jsonify(rotation_json(ended, now)), 200) if ended is not None else ("", 204)


# --- overrides (swaps) -------------------------------------------------------------------------------


@bp.get("/rotas/<int:rota_id>/overrides")
@require(*OVERSIGHT)
def list_overrides(rota_id):
    rota = service.get_rota(rota_id)
    return jsonify({"overrides": [override_json(o) for o in service.overrides_of(rota, since=utcnow())]})


@bp.post("/rotas/<int:rota_id>/overrides")
@require(*OVERSIGHT)
def add_override(rota_id):
    return jsonify(override_json(service.add_override(utcnow(), rota_id, _body("overrides"), g.user))), 201


@bp.patch("/rotas/<int:rota_id>/overrides/<int:override_id>")
@require(*OVERSIGHT)
def update_override(rota_id, override_id):
    return jsonify(override_json(service.update_override(utcnow(), rota_id, override_id, _body("overrides"), g.user)))


@bp.delete("/rotas/<int:rota_id>/overrides/<int:override_id>")
@require(*OVERSIGHT)
def delete_override(rota_id, override_id):
    ended = service.delete_override(utcnow(), rota_id, override_id, g.user)
    return (jsonify(override_json(ended)), 200) if ended is not None else ("", 204)
