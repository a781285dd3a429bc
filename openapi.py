"""The OpenAPI 3 description of the JSON API, served at /api/openapi.json.

Written by hand next to the routes; tests/test_openapi.py checks it names exactly the routes
the app has, and that responses match their schemas.
"""

from flask import Blueprint, jsonify

import vocabulary
from accounts.roles import EVERYONE
from piket.ladders import rules as ladder_rules
from validation import AGE, CHILDREN, MAX_INTEGER, NL_LAT, NL_LON, PHONE, Range

bp = Blueprint("openapi", __name__)


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description):
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {"401": _error("no or invalid token"), "403": _error("role not allowed")}
WRITE_ERRORS = {
    **ERRORS,
    "400": _error("not a JSON object"),
    "409": _error("conflict"),
    "422": _error("a field is invalid; `field` names it"),
}
# Ids in paths: a larger number matches no route (validation.DatabaseId), so it is a 404 like an unknown id.
_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
_path_id = lambda name: [{"name": name, "in": "path", "required": True, "schema": _ID_SCHEMA}]  # noqa: E731
ID, RID, HID, CID = _path_id("shelter_id"), _path_id("request_id"), _path_id("hold_id"), _path_id("case_id")
UID = _path_id("user_id")
ENUM = lambda table: {"type": "string", "enum": list(table)}  # noqa: E731


def _within(kind, bounds: Range) -> dict:
    """A number the readers take `within=bounds` (validation.py): the same bounds, stated."""
    return {"type": kind, "minimum": bounds.minimum, "maximum": bounds.maximum}


LAT, LON = _within("number", NL_LAT), _within("number", NL_LON)
AGE_SCHEMA, CHILDREN_SCHEMA = _within("integer", AGE), _within("integer", CHILDREN)
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS = {
    "MyPhone": {
        "type": "object",
        "required": ["phone", "verified", "verified_at", "last_test"],
        "properties": {
            "phone": {"type": ["string", "null"], "description": "E.164"},
            "verified": {"type": "boolean"},
            "verified_at": {"type": ["string", "null"]},
            "last_test": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "at": {"type": "string"},
                        "channel": {"type": "string", "enum": ["sms", "voice"]},
                        "status": {
                            "type": "string",
                            "description": "queued, sent, delivered, answered, no_answer, failed, ...",
                        },
                    },
                },
            },
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "field"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
            }
        },
    },
    "Region": {
        "type": "object",
        "required": ["code", "name", "kind", "lat", "lon"],
        "properties": {
            "code": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "name": {"type": "string"},
            "kind": ENUM(vocabulary.REGION_KINDS),
            "centre": {"type": "string"},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "dial_code": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": 999,
                "description": "keyed in on the national piket number",
            },
            "active": {"type": "boolean", "description": "false: retired, offered nowhere (answers only)"},
        },
    },
    "IntakeHours": {
        "oneOf": [
            {"type": "string", "enum": ["24/7"]},
            {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["days", "from", "to"],
                    "properties": {
                        "days": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "integer", "minimum": 1, "maximum": 7},
                        },
                        "from": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                        "to": {"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"},
                    },
                },
            },
        ]
    },
    "Pool": {
        "type": "object",
        "required": ["id", "key", "kind", "capacity", "occupied", "out_of_service", "held", "free", "freshness"],
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "kind": ENUM(vocabulary.POOL_KINDS),
            "room_size": {"type": ["integer", "null"]},
            "capacity": {"type": "integer"},
            "occupied": {"type": "integer"},
            "out_of_service": {"type": "integer"},
            "held": {"type": "integer"},
            "free": {"type": "integer"},
            "confirmed_at": NULLABLE_TIME,
            "freshness": ENUM(vocabulary.FRESHNESS),
        },
    },
    "Shelter": {
        "type": "object",
        "required": ["id", "key", "name", "type", "region", "pools", "freshness"],
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "name": {"type": "string"},
            "type": ENUM(vocabulary.SHELTER_TYPES),
            "region": {"type": "string"},
            "municipality": {"type": "string"},
            "organisation": {"type": ["string", "null"]},
            "lat": {"type": "number"},
            "lon": {"type": "number"},
            "address": {"type": "string", "description": "only for those who may see it; every showing is audited"},
            "intake": _ref("IntakeHours"),
            "intake_phone": {"type": "string"},
            "max_stay_days": {"type": ["integer", "null"]},
            "genders": {"type": "array", "items": ENUM(vocabulary.GENDERS)},
            "adults": {"type": "boolean"},
            "minors": {"type": "boolean"},
            "residence": {"type": "array", "items": ENUM(vocabulary.RESIDENCE)},
            "exploitation": {"type": "array", "items": ENUM(vocabulary.EXPLOITATION_TYPES)},
            "excludes": {"type": "array", "items": ENUM(vocabulary.CONTRA_INDICATIONS)},
            "pools": {"type": "array", "items": _ref("Pool")},
            "confirmed_at": NULLABLE_TIME,
            "freshness": ENUM(vocabulary.FRESHNESS),
            "intake_open_now": {"type": "boolean"},
        },
    },
    "NewPool": {
        "type": "object",
        "required": ["key", "kind", "capacity"],
        "properties": {
            "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$"},
            "kind": ENUM(vocabulary.POOL_KINDS),
            "capacity": {"type": "integer", "minimum": 0, "maximum": 10000},
            "room_size": {"type": "integer", "minimum": 2, "maximum": 20},
            "occupied": {"type": "integer", "minimum": 0},
            "out_of_service": {"type": "integer", "minimum": 0},
        },
    },
    "NewShelter": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "key",
            "name",
            "type",
            "region",
            "municipality",
            "lat",
            "lon",
            "intake",
            "genders",
            "residence",
            "pools",
        ],
        "properties": {
            "key": {"type": "string"},
            "name": {"type": "string", "maxLength": 160},
            "type": ENUM(vocabulary.SHELTER_TYPES),
            "region": {"type": "string"},
            "municipality": {"type": "string"},
            "organisation": {"type": "string"},
            "lat": LAT,
            "lon": LON,
            "address": {"type": "string"},
            "address_confidential": {"type": "boolean"},
            "intake": _ref("IntakeHours"),
            "intake_phone": {"type": "string"},
            "max_stay_days": {"type": "integer", "minimum": 1},
            "genders": {"type": "array", "minItems": 1, "items": ENUM(vocabulary.GENDERS)},
            "adults": {"type": "boolean"},
            "minors": {"type": "boolean"},
            "residence": {"type": "array", "minItems": 1, "items": ENUM(vocabulary.RESIDENCE)},
            "exploitation": {"type": "array", "minItems": 1, "items": ENUM(vocabulary.EXPLOITATION_TYPES)},
            "excludes": {"type": "array", "items": ENUM(vocabulary.CONTRA_INDICATIONS)},
            "pools": {"type": "array", "minItems": 1, "items": _ref("NewPool")},
        },
    },
    "ShelterProfile": {
        "type": "object",
        "additionalProperties": False,
        "description": "what a shelter keeps current itself; every field optional. `pools`: existing pools by key "
        "(capacity, room_size; kind unchanged, capacity not below the places in use), a new key adds a pool; "
        "a pool is retired by setting its capacity to 0",
        "properties": {
            "genders": {"type": "array", "minItems": 1, "items": ENUM(vocabulary.GENDERS)},
            "adults": {"type": "boolean"},
            "minors": {"type": "boolean"},
            "residence": {"type": "array", "minItems": 1, "items": ENUM(vocabulary.RESIDENCE)},
            "exploitation": {"type": "array", "minItems": 1, "items": ENUM(vocabulary.EXPLOITATION_TYPES)},
            "excludes": {"type": "array", "items": ENUM(vocabulary.CONTRA_INDICATIONS)},
            "intake": _ref("IntakeHours"),
            "intake_phone": {"type": "string", "pattern": f"^{PHONE}$"},
            "pools": {"type": "array", "minItems": 1, "items": _ref("NewPool")},
        },
    },
    "AvailabilityUpdate": {
        "type": "object",
        "description": "either `unchanged: true` or `pools`",
        "properties": {
            "unchanged": {"type": "boolean", "description": "one tap: the numbers are still correct"},
            "pools": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["id", "free"],
                    "properties": {
                        "id": {"type": "integer", "minimum": 1},
                        "free": {"type": "integer", "minimum": 0},
                        "out_of_service": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
    "Snapshot": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "pool": {"type": "integer"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "actor_id": {"type": ["integer", "null"]},
            "source": ENUM(vocabulary.UPDATE_SOURCES),
            "confirmed_unchanged": {"type": "boolean"},
            "capacity": {"type": "integer"},
            "out_of_service": {"type": "integer"},
            "occupied": {"type": "integer"},
            "held": {"type": "integer"},
            "free": {"type": "integer"},
        },
    },
    "SearchResult": {
        "type": "object",
        "required": ["id", "name", "type", "region", "pools", "freshness", "intake_open_now"],
        "not": {"required": ["address"]},
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "name": {"type": "string"},
            "type": ENUM(vocabulary.SHELTER_TYPES),
            "region": {"type": "string"},
            "region_name": {"type": "string"},
            "municipality": {"type": "string"},
            "distance_km": {"type": ["number", "null"]},
            "free_fitting": {"type": "integer"},
            "pools": {"type": "array", "items": {"type": "object"}},
            "confirmed_at": NULLABLE_TIME,
            "freshness": ENUM(vocabulary.FRESHNESS),
            "intake_open_now": {"type": "boolean"},
            "intake_phone": {"type": "string"},
            "excludes": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Person": {
        "type": "object",
        "additionalProperties": False,
        "required": ["gender", "age", "residence", "exploitation"],
        "description": "no names, birth dates or addresses: the minimal profile matching needs",
        "properties": {
            "gender": ENUM(vocabulary.GENDERS),
            "age": AGE_SCHEMA,
            "residence": ENUM(vocabulary.PERSON_RESIDENCE),
            "exploitation": ENUM(vocabulary.PERSON_EXPLOITATION),
            "needs": {"type": "array", "items": ENUM(vocabulary.CONTRA_INDICATIONS)},
        },
    },
    "NewCase": {
        "type": "object",
        "required": ["case_reference", "callback_phone", "found", "requests"],
        "properties": {
            "case_reference": {"type": "string", "maxLength": 60, "pattern": "^[A-Za-z0-9./_ -]+$"},
            "callback_phone": {"type": "string", "pattern": f"^{PHONE}$"},
            "requester_org": ENUM(vocabulary.REQUESTER_ORGS),
            "found": {
                "type": "object",
                "required": ["region"],
                "properties": {
                    "region": {"type": "string"},
                    "lat": LAT,
                    "lon": LON,
                },
            },
            "urgency": ENUM(vocabulary.URGENCIES),
            "threat": ENUM(vocabulary.THREAT_LEVELS),
            "requests": {
                "type": "array",
                "minItems": 1,
                "maxItems": 150,
                "description": "groups, each placed whole in one pool",
                "items": {
                    "type": "object",
                    "required": ["persons"],
                    "properties": {
                        "persons": {"type": "array", "minItems": 1, "maxItems": 20, "items": _ref("Person")},
                        "children": CHILDREN_SCHEMA,
                        "urgency": ENUM(vocabulary.URGENCIES),
                        "threat": ENUM(vocabulary.THREAT_LEVELS),
                    },
                },
            },
            "apart": {
                "type": "array",
                "description": "pairs of indexes into requests that must not share a shelter",
                "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "integer", "minimum": 0}},
            },
        },
    },
    "Placement": {
        "type": "object",
        "required": ["id", "hold_id", "status", "shelter_id", "pool_id"],
        "properties": {
            "id": {"type": "integer"},
            "hold_id": {"type": "integer"},
            "status": ENUM(vocabulary.PLACEMENT_STATUSES),
            "shelter_id": {"type": "integer"},
            "shelter": {"type": "string"},
            "municipality": {"type": "string"},
            "intake_phone": {"type": "string"},
            "pool_id": {"type": "integer"},
            "distance_km": {"type": ["number", "null"]},
            "hold_expires_at": {"type": "string", "format": "date-time"},
            "refusal_reason": {"type": ["string", "null"]},
            "address": {"type": "string", "description": "for the requester only after the shelter confirmed; audited"},
        },
    },
    "PlacementRequest": {
        "type": "object",
        "required": ["id", "short_code", "status", "size", "case", "placements"],
        "properties": {
            "id": {"type": "integer"},
            "short_code": {"type": "string"},
            "status": ENUM(vocabulary.REQUEST_STATUSES),
            "urgency": ENUM(vocabulary.URGENCIES),
            "threat": ENUM(vocabulary.THREAT_LEVELS),
            "size": {"type": "integer"},
            "persons": {"type": ["array", "null"], "items": _ref("Person")},
            "children": {"type": "integer"},
            "apart_from": {"type": "array", "items": {"type": "integer"}},
            "created_at": {"type": "string", "format": "date-time"},
            "accepted_by_id": {"type": ["integer", "null"]},
            "blocking_reasons": {"type": ["object", "null"]},
            "case": {"type": "object"},
            "placements": {"type": "array", "items": _ref("Placement")},
            "timeline": {"type": "array", "items": {"type": "object"}},
        },
    },
    "NationalTable": {
        "type": "object",
        "required": ["key", "title", "columns", "rows", "suppressed"],
        "properties": {
            "key": {"type": "string"},
            "title": {"type": "string", "description": "the Dutch heading on the national page"},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "object"}},
            "suppressed": {
                "type": "boolean",
                "description": "counts of 1 or 2 victims (and figures from them) are null",
            },
            "withheld": {
                "type": "array",
                "items": {"type": "array"},
                "description": "[row index, column] of cells also null so that a count under 3 cannot be recovered "
                "by subtraction (from a total, another period or another table)",
            },
            "per_case_withheld": {
                "type": "boolean",
                "description": "a list with a row per case, left empty outside CoMensha: its length is a count",
            },
        },
    },
    "NationalTables": {
        "type": "object",
        "required": ["scope", "tables"],
        "properties": {
            "scope": {"type": "string", "enum": ["national", "regional"]},
            "regions": {
                "type": ["array", "null"],
                "items": {"type": "integer"},
                "description": "a coordinator's regions",
            },
            "days": {"type": ["integer", "null"]},
            "suppressed": {"type": "boolean"},
            "tables": {"type": "object", "additionalProperties": _ref("NationalTable")},
        },
    },
    "AuditEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "actor": {"type": "string"},
            "actor_id": {"type": ["integer", "null"]},
            "source": {"type": "string"},
            "action": {"type": "string"},
            "entity": {"type": "string"},
            "entity_id": {"type": ["string", "null"]},
            "route": {"type": ["string", "null"], "description": "why: the route that read or changed the record"},
            "before": {},
            "after": {},
        },
    },
    "User": {
        "type": "object",
        "required": [
            "id",
            "email",
            "name",
            "role",
            "is_lead",
            "active",
            "phone",
            "phone_verified",
            "regions",
            "shelters",
        ],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": ENUM(EVERYONE),
            "is_lead": {"type": "boolean", "description": "a coordinator who manages the accounts of their regions"},
            "active": {"type": "boolean"},
            "phone": {"type": ["string", "null"]},
            "phone_verified": {"type": "boolean"},
            "regions": {"type": "array", "items": {"type": "string"}, "description": "region codes"},
            "shelters": {"type": "array", "items": {"type": "integer"}, "description": "shelter ids"},
            "mfa_enrolled": {"type": "boolean"},
            "created_at": NULLABLE_TIME,
            "sessions_ended": {"type": "integer", "description": "on deactivation: how many open sessions ended"},
        },
    },
    "UserInput": {
        "type": "object",
        "additionalProperties": False,
        "description": "No password: a new account gets a one-time link to set its own. A region's coordinator "
        "lead may give only the roles police, shelter_staff and coordinator, bound to their own regions.",
        "properties": {
            "email": {"type": "string", "maxLength": 254, "description": "required on create; never changes"},
            "name": {"type": "string", "maxLength": 120},
            "role": ENUM(EVERYONE),
            "regions": {
                "type": "array",
                "items": {"type": "string"},
                "description": "region codes (coordinator: one at least)",
            },
            "shelters": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "shelter ids (shelter_staff: one at least)",
            },
            "phone": {"type": ["string", "null"]},
            "is_lead": {"type": "boolean", "description": "admins only; coordinators only"},
        },
    },
}


def _query(name, schema, description=""):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


NATIONAL_QUERY = [
    _query("days", {"type": "integer", "enum": [30, 90, 365]}, "the period of windowed figures and trends"),
    _query("format", {"type": "string", "enum": ["json", "csv"]}, "csv: one table, named by `table`"),
    _query("table", {"type": "string"}, "which table as CSV (default the first)"),
]


def _national_ok():
    return {
        "description": "JSON: every table; CSV (format=csv): one table",
        "content": {"application/json": {"schema": _ref("NationalTables")}, "text/csv": {"schema": {"type": "string"}}},
    }


def _national(summary, tables):
    return {
        "summary": f"{summary}. Tables: {', '.join(tables)}. CoMensha and admins: national; coordinators: their regions, "
        "counts under 3 suppressed",
        "parameters": NATIONAL_QUERY,
        "responses": {"200": _national_ok(), **ERRORS, "422": _error("bad query")},
    }


# --- rotas (piket/rotas/api.py) ------------------------------------------------------------------
_TIME = {"type": "string", "format": "date-time"}
_LOCAL_TIME_IN = {
    "type": "string",
    "description": "Dutch local time `YYYY-MM-DD HH:MM`, or ISO 8601 with an offset (needed for the doubled "
    "hour of the autumn change); a time that does not exist on the clock is refused",
}
_HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
_PERSON_IN = {"type": ["integer", "string"], "description": "a user id or e-mail; someone who may take a duty"}
ROTA_SCHEMAS = {
    "Rota": {
        "type": "object",
        "required": ["id", "name", "level", "region", "owner_id"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "level": {"type": "string", "enum": ["primary", "backup", "national"]},
            "region": {"type": ["string", "null"]},
            "owner_id": {"type": ["integer", "null"]},
        },
    },
    "RotaShift": {
        "type": "object",
        "required": ["id", "user_id", "start", "end", "source"],
        "properties": {
            "id": {"type": "integer"},
            "user_id": {"type": "integer"},
            "start": _TIME,
            "end": _TIME,
            "source": {"type": "string", "enum": ["import", "manual"]},
        },
    },
    "RotaRotation": {
        "type": "object",
        "required": ["id", "start_date", "handover", "shift_hours", "days", "people", "until_date", "state"],
        "properties": {
            "id": {"type": "integer"},
            "start_date": {"type": "string", "format": "date"},
            "handover": _HHMM,
            "shift_hours": {"type": "integer", "minimum": 1, "maximum": 336},
            "days": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
            "people": {"type": "array", "items": {"type": "integer"}},
            "until_date": {"type": ["string", "null"], "format": "date"},
            "state": {"type": "string", "enum": ["planned", "running", "ended"]},
        },
    },
    "RotaOverride": {
        "type": "object",
        "required": ["id", "user_id", "start", "end", "reason"],
        "properties": {
            "id": {"type": "integer"},
            "user_id": {"type": "integer"},
            "start": _TIME,
            "end": _TIME,
            "reason": {"type": "string"},
            "created_by_id": {"type": ["integer", "null"]},
        },
    },
}
_SHIFT_IN = {"type": "object", "properties": {"user": _PERSON_IN, "start": _LOCAL_TIME_IN, "end": _LOCAL_TIME_IN}}
_ROTATION_IN = {
    "type": "object",
    "properties": {
        "start_date": {"type": "string", "format": "date"},
        "handover": _HHMM,
        "shift_hours": {"type": "integer", "minimum": 1, "maximum": 336},
        "days": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
        "people": {"type": "array", "items": _PERSON_IN},
        "until_date": {"type": ["string", "null"], "format": "date"},
    },
}
_OVERRIDE_IN = {
    "type": "object",
    "properties": {
        "user": _PERSON_IN,
        "start": _LOCAL_TIME_IN,
        "end": _LOCAL_TIME_IN,
        "reason": {"type": "string", "maxLength": 200},
    },
}
_ROTA_ID = _path_id("rota_id")
_PAST_RULE = (
    " From now on only: something already begun keeps its start and may only end earlier (not before now); "
    "a rotation that has begun is ended (until_date) and a new one takes over instead of being rewritten; "
    "the past stays as it was. Admins and the rota's owner change shifts and swaps, admins rotations, "
    "whoever entered a swap may shorten or remove it."
)


def _rota_items(plural, schema, body, noun):
    item_id = _path_id(f"{noun}_id")
    listing = {
        "get": {
            "summary": f"The rota's {plural} from now on" if plural != "rotations" else "The rota's rotations",
            "parameters": _ROTA_ID,
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": [plural],
                        "properties": {plural: {"type": "array", "items": _ref(schema)}},
                    }
                ),
                **ERRORS,
                "404": _error("no such rota"),
            },
        },
        "post": {
            "summary": f"Add a {noun}; the same overlap and daylight-saving checks as the CSV import",
            "parameters": _ROTA_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {"201": _ok(_ref(schema), "created"), **WRITE_ERRORS, "404": _error("no such rota")},
        },
    }
    one = {
        "patch": {
            "summary": f"Change a {noun}; fields left out stay." + _PAST_RULE,
            "parameters": _ROTA_ID + item_id,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {"200": _ok(_ref(schema)), **WRITE_ERRORS, "404": _error("no such rota or item")},
        },
        "delete": {
            "summary": f"Remove a {noun} not yet begun (204); one that has begun is ended instead (200)." + _PAST_RULE,
            "parameters": _ROTA_ID + item_id,
            "responses": {
                "200": _ok(_ref(schema), "ended, not removed: it had begun"),
                "204": {"description": "removed"},
                **ERRORS,
                "404": _error("no such rota or item"),
                "422": _error("it lies in the past and stays as it was"),
            },
        },
    }
    return {f"/api/v1/rotas/{{rota_id}}/{plural}": listing, f"/api/v1/rotas/{{rota_id}}/{plural}/{{{noun}_id}}": one}


ROTA_PATHS = {
    "/api/v1/rotas": {
        "get": {
            "summary": "All rotas (coordinators, CoMensha, admins)",
            "responses": {
                "200": _ok({"type": "object", "properties": {"rotas": {"type": "array", "items": _ref("Rota")}}}),
                **ERRORS,
            },
        }
    },
    "/api/v1/rotas/{rota_id}": {
        "get": {
            "summary": "A rota with who is on duty over the next 14 days and the gaps (nobody, after office hours)",
            "parameters": _ROTA_ID,
            "responses": {
                "200": _ok(
                    {
                        "allOf": [_ref("Rota")],
                        "type": "object",
                        "required": ["schedule", "gaps"],
                        "properties": {
                            "schedule": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["start", "end", "user_id", "source"],
                                    "properties": {
                                        "start": _TIME,
                                        "end": _TIME,
                                        "user_id": {"type": ["integer", "null"]},
                                        "source": {
                                            "type": ["string", "null"],
                                            "enum": ["override", "shift", "rotation", None],
                                        },
                                    },
                                },
                            },
                            "gaps": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["start", "end"],
                                    "properties": {"start": _TIME, "end": _TIME},
                                },
                            },
                        },
                    }
                ),
                **ERRORS,
                "404": _error("no such rota"),
            },
        }
    },
    **_rota_items("shifts", "RotaShift", _SHIFT_IN, "shift"),
    **_rota_items("rotations", "RotaRotation", _ROTATION_IN, "rotation"),
    **_rota_items("overrides", "RotaOverride", _OVERRIDE_IN, "override"),
}


PATHS = {
    "/api/v1/vocabulary": {
        "get": {"summary": "Codes and their Dutch labels", "responses": {"200": _ok({"type": "object"}), **ERRORS}}
    },
    "/api/v1/regions": {
        "get": {
            "summary": "All regions",
            "responses": {
                "200": _ok({"type": "object", "properties": {"regions": {"type": "array", "items": _ref("Region")}}}),
                **ERRORS,
            },
        },
        "post": {
            "summary": "Add a region (CoMensha, admin)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Region")}}},
            "responses": {"201": _ok(_ref("Region"), "created"), **WRITE_ERRORS},
        },
    },
    "/api/v1/shelters": {
        "get": {
            "summary": "All shelters, without addresses",
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "shelters": {
                                "type": "array",
                                "items": {"allOf": [_ref("Shelter")], "not": {"required": ["address"]}},
                            }
                        },
                    }
                ),
                **ERRORS,
            },
        },
        "post": {
            "summary": "Add a shelter with its pools (CoMensha, admin)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewShelter")}}},
            "responses": {"201": _ok(_ref("Shelter"), "created"), **WRITE_ERRORS},
        },
    },
    "/api/v1/shelters/{shelter_id}": {
        "get": {
            "summary": "One shelter; the address only for those who may see it (audited)",
            "parameters": ID,
            "responses": {"200": _ok(_ref("Shelter")), **ERRORS, "404": _error("no such shelter")},
        },
        "patch": {
            "summary": "Change a shelter's profile or pools (admin)",
            "parameters": ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": _ok(_ref("Shelter")), **WRITE_ERRORS, "404": _error("no such shelter")},
        },
    },
    "/api/v1/shelters/{shelter_id}/profile": {
        "patch": {
            "summary": "Change the shelter's own profile: target groups, contra-indications, intake hours and phone, "
            "pool sizes (its own staff, admins). One transaction, audited before/after, capacity changes dated; "
            "the national search shows it at once. `changes` says what changed in words; with dry_run nothing is saved",
            "parameters": ID + [_query("dry_run", {"type": "boolean"}, "only answer what would change")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ShelterProfile")}}},
            "responses": {
                "200": _ok(
                    {
                        "allOf": [_ref("Shelter")],
                        "required": ["changes"],
                        "properties": {"changes": {"type": "array", "items": {"type": "string"}}},
                    }
                ),
                **WRITE_ERRORS,
                "404": _error("no such shelter"),
            },
        },
    },
    "/api/v1/shelters/{shelter_id}/retire": {
        "post": {
            "summary": "Retire a shelter: no longer in search, matching or the national view; its history stays "
            "(CoMensha, admin). Refused (409) while a place is held for a placement",
            "parameters": ID,
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["id", "key", "active"],
                        "properties": {
                            "id": {"type": "integer"},
                            "key": {"type": "string"},
                            "active": {"type": "boolean"},
                        },
                    }
                ),
                **WRITE_ERRORS,
                "404": _error("no such shelter, or retired already"),
            },
        },
    },
    "/api/v1/regions/{region_code}/retire": {
        "post": {
            "summary": "Retire a region: offered nowhere any more, its history stays (CoMensha, admin). Refused (409) "
            "while it has active shelters or rotas; the message names them",
            "parameters": [{"name": "region_code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _ok(_ref("Region")), **WRITE_ERRORS, "404": _error("no such region")},
        },
    },
    "/api/v1/shelters/{shelter_id}/availability": {
        "post": {
            "summary": "Report free places, or confirm they are unchanged (own shelter)",
            "parameters": ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AvailabilityUpdate")}}},
            "responses": {"200": _ok(_ref("Shelter")), **WRITE_ERRORS, "404": _error("no such shelter")},
        },
        "get": {
            "summary": "Append-only history of reported availability",
            "parameters": ID + [_query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})],
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"snapshots": {"type": "array", "items": _ref("Snapshot")}}}
                ),
                **ERRORS,
                "404": _error("no such shelter"),
                "422": _error("bad query"),
            },
        },
    },
    "/api/v1/availability": {
        "get": {
            "summary": "National search, nearest first; never addresses",
            "parameters": [
                _query("region", {"type": "string"}, "only this care region"),
                _query("type", {"type": "string"}, "shelter types, comma-separated"),
                _query("near", {"type": "string"}, "region code to measure distance from"),
                _query("gender", ENUM(vocabulary.GENDERS)),
                _query("age", AGE_SCHEMA),
                _query("residence", ENUM(vocabulary.PERSON_RESIDENCE)),
                _query("exploitation", ENUM(vocabulary.PERSON_EXPLOITATION)),
                _query("needs", {"type": "string"}, "contra-indication codes, comma-separated"),
                _query("children", CHILDREN_SCHEMA),
                _query("only_free", {"type": "boolean"}),
            ],
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"results": {"type": "array", "items": _ref("SearchResult")}}}
                ),
                **ERRORS,
                "422": _error("a filter is invalid"),
            },
        }
    },
    "/api/v1/placement-requests": {
        "post": {
            "summary": "Ask for beds for one case (police, KMar, NLA, coordinator). Send an Idempotency-Key header: "
            "a retried submit returns the first case (200) and creates nothing twice.",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                }
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewCase")}}},
            "responses": {
                "201": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "case_id": {"type": "integer"},
                            "requests": {"type": "array", "items": _ref("PlacementRequest")},
                        },
                    },
                    "created",
                ),
                "200": _ok({"type": "object"}, "the case an earlier submit with this key created"),
                **WRITE_ERRORS,
            },
        },
        "get": {
            "summary": "Requests in the caller's scope: the police their own, coordinators their regions' and those "
            "they were paged for or accepted, the national piket on duty and admins all; every listed case is audited",
            "parameters": [_query("open", {"type": "boolean"})],
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"requests": {"type": "array", "items": _ref("PlacementRequest")}}}
                ),
                **ERRORS,
                "422": _error("bad query"),
            },
        },
    },
    "/api/v1/placement-requests/{request_id}": {
        "get": {
            "summary": "One request with its timeline",
            "parameters": RID,
            "responses": {"200": _ok(_ref("PlacementRequest")), **ERRORS, "404": _error("no such request")},
        }
    },
    "/api/v1/placement-requests/{request_id}/accept": {
        "post": {
            "summary": "Accept (first writer wins; 409 names who has it)",
            "parameters": RID,
            "responses": {
                "200": _ok(_ref("PlacementRequest")),
                **ERRORS,
                "404": _error("no such request"),
                "409": _error("already accepted"),
            },
        }
    },
    "/api/v1/placement-requests/{request_id}/cancel": {
        "post": {
            "summary": "Withdraw the request; open holds are released",
            "parameters": RID,
            "responses": {
                "200": _ok(_ref("PlacementRequest")),
                **ERRORS,
                "404": _error("no such request"),
                "409": _error("already closed"),
            },
        }
    },
    "/api/v1/placement-requests/{request_id}/decline": {
        "post": {
            "summary": "A paged coordinator says 'not me'; when everyone of the current step did, the next step runs",
            "parameters": RID,
            "responses": {"200": _ok(_ref("PlacementRequest")), **ERRORS, "404": _error("no such request")},
        }
    },
    "/api/v1/placement-requests/{request_id}/profile": {
        "put": {
            "summary": "Fill in the profile of a request made by phone (it has none until then); once",
            "parameters": RID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["persons"],
                            "properties": {
                                "persons": {"type": "array", "minItems": 1, "maxItems": 20, "items": _ref("Person")},
                                "children": CHILDREN_SCHEMA,
                                "region": {
                                    "type": "string",
                                    "description": "a care region's code; only for a call whose region was not "
                                    "understood (region kind `unknown`): 409 on a case whose region is known",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {"200": _ok(_ref("PlacementRequest")), **WRITE_ERRORS, "404": _error("no such request")},
        }
    },
    "/api/v1/cases/{case_id}/report-owner": {
        "put": {
            "summary": "Hand the CoMensha report of the case to someone named (the owner, or a coordinator)",
            "parameters": CID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["email"],
                            "properties": {"email": {"type": "string", "maxLength": 254}},
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["case_id", "report_owner_id", "report_owner_since"],
                        "properties": {
                            "case_id": {"type": "integer"},
                            "report_owner_id": {"type": "integer"},
                            "report_owner_since": {"type": "string", "format": "date-time"},
                        },
                    }
                ),
                **WRITE_ERRORS,
                "404": _error("no such case"),
            },
        }
    },
    "/api/v1/cases/{case_id}/report": {
        "put": {
            "summary": "Mark the case's CoMensha report made (its owner, a coordinator, CoMensha, an admin); once, first writer wins. "
            "Records only that it was made, by whom and when",
            "parameters": CID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["made"],
                            "properties": {"made": {"type": "boolean", "enum": [True]}},
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["case_id", "report_made", "report_made_at"],
                        "properties": {
                            "case_id": {"type": "integer"},
                            "placed_at": NULLABLE_TIME,
                            "report_owner_id": {"type": ["integer", "null"]},
                            "report_owner": {"type": ["string", "null"]},
                            "report_owner_since": NULLABLE_TIME,
                            "report_made": {"type": "boolean"},
                            "report_made_at": NULLABLE_TIME,
                            "report_made_by_id": {"type": ["integer", "null"]},
                            "report_made_by": {"type": ["string", "null"]},
                            "report_reminded_at": NULLABLE_TIME,
                        },
                    }
                ),
                **WRITE_ERRORS,
                "404": _error("no such case"),
            },
        }
    },
    "/api/v1/placement-requests/{request_id}/proposals": {
        "get": {
            "summary": "Ranked proposals for every waiting request of the case, excluded shelters with their reason, "
            "and for an unplaced request the rule that, waived, would give a place",
            "parameters": RID,
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "properties": {
                            "status": {"type": "string"},
                            "computed_at": {
                                "type": ["string", "null"],
                                "format": "date-time",
                                "description": "when these proposals were computed (by the worker, or once by a view)",
                            },
                            "stale": {
                                "type": "boolean",
                                "description": "the case or the registry changed since: being recomputed",
                            },
                            "requests": {"type": "object"},
                        },
                    }
                ),
                **ERRORS,
                "404": _error("no such request"),
            },
        }
    },
    "/api/v1/placement-requests/{request_id}/placements": {
        "post": {
            "summary": "Choose a pool: holds it (default 90 minutes)",
            "parameters": RID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["pool_id"],
                            "properties": {"pool_id": {"type": "integer", "minimum": 1}},
                        }
                    }
                },
            },
            "responses": {"201": _ok(_ref("Placement"), "held"), **WRITE_ERRORS, "404": _error("no such request")},
        }
    },
    "/api/v1/holds/{hold_id}/confirm": {
        "post": {
            "summary": "The shelter confirms the intake: the held place becomes occupied",
            "parameters": HID,
            "responses": {
                "200": _ok(_ref("Placement")),
                **ERRORS,
                "404": _error("no such hold"),
                "409": _error("the hold already ended"),
            },
        }
    },
    "/api/v1/holds/{hold_id}/release": {
        "post": {
            "summary": "Give the place back; from the shelter a refusal with a reason code",
            "parameters": HID,
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"reason": ENUM(vocabulary.REFUSAL_REASONS)}}
                    }
                },
            },
            "responses": {"200": _ok(_ref("Placement")), **WRITE_ERRORS, "404": _error("no such hold")},
        }
    },
    "/api/v1/occupancy": {
        "get": _national(
            "Capacity, occupied, held and free per region and shelter type now, the daily "
            "trend and the dated capacity changes",
            ["occupancy_regions", "occupancy_types", "occupancy_trend", "capacity_changes"],
        )
    },
    "/api/v1/occupancy/history": {
        "get": {
            "summary": "Occupancy snapshots summed per slot and region (export)",
            "parameters": [
                _query("kind", {"type": "string", "enum": ["hourly", "daily"]}),
                _query("from", {"type": "string"}, "ISO 8601; default 30 days before `to`"),
                _query("to", {"type": "string"}, "ISO 8601; default now"),
                _query("format", {"type": "string", "enum": ["json", "csv"]}),
            ],
            "responses": {"200": _national_ok(), **ERRORS, "422": _error("bad query")},
        }
    },
    "/api/v1/freshness": {
        "get": _national("Per shelter and provider: when its numbers were last confirmed", ["freshness"])
    },
    "/api/v1/freshness/{shelter_id}/reminder": {
        "post": {
            "summary": "Remind the shelter by SMS to update its free places (at most once an hour)",
            "parameters": ID,
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["shelter_id", "queued"],
                        "properties": {
                            "shelter_id": {"type": "integer"},
                            "queued": {"type": "integer", "description": "0: reminded within the hour"},
                        },
                    }
                ),
                **ERRORS,
                "404": _error("no such shelter"),
                "422": _error("the shelter has no phone number"),
            },
        }
    },
    "/api/v1/unmet-demand": {
        "get": _national(
            "Requests that ended without a bed, refused proposals and searches that "
            "found nothing, by reason, contra-indication, target group, region and month",
            [
                "unmet_by_reason",
                "unmet_by_contra_indication",
                "unmet_by_target_group",
                "unmet_by_region_month",
                "refusals_by_reason",
                "empty_searches_by_target_group",
            ],
        )
    },
    "/api/v1/time-to-placement": {
        "get": _national(
            "Minutes to accept, to proposal chosen and to intake confirmed (median, p90) "
            "per region, office hours against after hours; escalation levels reached",
            ["time_to_placement", "escalations"],
        )
    },
    "/api/v1/comensha-reports": {
        "get": _national("CoMensha reports still owed, and per region how many were made", ["open_reports", "reports"])
    },
    "/api/v1/what-if": {
        "post": {
            "summary": "How many of the last 30 days' unplaced requests would have had a bed with extra places (comensha, admin)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "edits": {
                                    "type": "array",
                                    "maxItems": 50,
                                    "items": {
                                        "type": "object",
                                        "required": ["shelter", "extra"],
                                        "properties": {
                                            "shelter": {"type": "string", "description": "shelter key"},
                                            "pool": {
                                                "type": "string",
                                                "description": "pool key; a new key adds a pool of beds",
                                            },
                                            "kind": {"type": "string", "enum": list(vocabulary.POOL_KINDS)},
                                            "extra": {"type": "integer", "minimum": 1, "maximum": 500},
                                        },
                                    },
                                },
                                "scenario": {
                                    "type": "object",
                                    "description": "a whole scenario in the matching contract's format, instead of edits",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["baseline", "whatif", "extra_placed"],
                        "properties": {
                            "baseline": {"type": "object"},
                            "whatif": {"type": "object"},
                            "extra_placed": {"type": "integer"},
                            "tables": {"type": "object"},
                        },
                    }
                ),
                **WRITE_ERRORS,
            },
        }
    },
    "/api/v1/audit": {
        "get": {
            "summary": "The audit log, newest first, searched by record and by person (admin, comensha)",
            "parameters": [
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                _query("entity", {"type": "string"}, "a kind of record: case, shelter, placement, user"),
                _query("entity_id", {"type": "string"}, "the record's id"),
                _query("actor", {"type": "string"}, "a person's e-mail address"),
                _query("action", {"type": "string"}, "e.g. case.read, shelter.address_shown"),
            ],
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"entries": {"type": "array", "items": _ref("AuditEntry")}}}
                ),
                **ERRORS,
                "422": _error("bad query"),
            },
        }
    },
    **ROTA_PATHS,
    "/api/v1/users": {
        "get": {
            "summary": "The accounts the caller manages (admins: all; a region's coordinator lead: those of their regions)",
            "parameters": [
                _query("role", ENUM(EVERYONE), "only this role"),
                _query("region", {"type": "string"}, "only accounts bound to this region (a code)"),
            ],
            "responses": {
                "200": _ok({"type": "object", "properties": {"users": {"type": "array", "items": _ref("User")}}}),
                **ERRORS,
                "422": _error("bad query"),
            },
        },
        "post": {
            "summary": "Create an account; the answer holds a one-time link to set its password (shown once)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("UserInput")}}},
            "responses": {
                "201": _ok(
                    {
                        "type": "object",
                        "required": ["user", "password_link"],
                        "properties": {"user": _ref("User"), "password_link": {"type": "string"}},
                    },
                    "created",
                ),
                **WRITE_ERRORS,
            },
        },
    },
    "/api/v1/users/{user_id}": {
        "get": {
            "summary": "One account the caller manages",
            "parameters": UID,
            "responses": {"200": _ok(_ref("User")), **ERRORS, "404": _error("no such user")},
        },
        "patch": {
            "summary": "Change name, role, regions, shelters, phone, is_lead (only the fields given); a new role ends "
            "the account's sessions",
            "parameters": UID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("UserInput")}}},
            "responses": {"200": _ok(_ref("User")), **WRITE_ERRORS, "404": _error("no such user")},
        },
    },
    "/api/v1/users/{user_id}/deactivate": {
        "post": {
            "summary": "Deactivate: no login, pages or answers; every open session ends now",
            "parameters": UID,
            "responses": {"200": _ok(_ref("User")), **WRITE_ERRORS, "404": _error("no such user")},
        }
    },
    "/api/v1/users/{user_id}/reactivate": {
        "post": {
            "summary": "Reactivate a deactivated account",
            "parameters": UID,
            "responses": {"200": _ok(_ref("User")), **WRITE_ERRORS, "404": _error("no such user")},
        }
    },
    "/api/v1/users/{user_id}/password-reset": {
        "post": {
            "summary": "A one-time link to set a new password (PASSWORD_RESET_HOURS, used once, ends the account's "
            "sessions when used): texted to the verified phone (the SMS holds only the link) or returned once",
            "parameters": UID,
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "via": {
                                    "type": "string",
                                    "enum": ["show", "sms"],
                                    "description": "default: sms when the phone is verified, else show",
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    {
                        "type": "object",
                        "required": ["via", "link"],
                        "properties": {
                            "via": {"type": "string", "enum": ["show", "sms"]},
                            "link": {"type": ["string", "null"], "description": "only when shown"},
                        },
                    }
                ),
                **WRITE_ERRORS,
                "404": _error("no such user"),
            },
        }
    },
    "/api/v1/me/phone": {
        "get": {
            "summary": "One's own phone: the number (E.164), whether it is verified, and the last test's statuses",
            "responses": {"200": _ok(_ref("MyPhone")), **ERRORS},
        },
        "put": {
            "summary": "Change (or with an empty phone, remove) one's own mobile number; a new number is unverified",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "phone": {
                                    "type": "string",
                                    "description": "a mobile number: 06 1234 5678, +31 6 1234 5678; a fixed line is "
                                    "refused (422): pages come as SMS",
                                }
                            },
                        }
                    }
                },
            },
            "responses": {"200": _ok(_ref("MyPhone")), **WRITE_ERRORS},
        },
    },
    "/api/v1/me/phone/verify": {
        "post": {
            "summary": "Without a code: text a verification code to one's phone (202; valid 10 minutes, 3 an hour). "
            "With {code}: verify the phone (5 tries a code)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[0-9 ]*$"}}}
                    }
                },
            },
            "responses": {
                "200": _ok(_ref("MyPhone"), "verified"),
                "202": _ok(
                    {
                        "type": "object",
                        "required": ["sent", "expires_at"],
                        "properties": {"sent": {"type": "boolean"}, "expires_at": {"type": "string"}},
                    },
                    "a code was texted",
                ),
                **WRITE_ERRORS,
                "429": _error("too many codes this hour"),
            },
        }
    },
    "/api/v1/me/phone/test": {
        "post": {
            "summary": "Send oneself a test: an SMS and a call to one's own phone (3 an hour); GET /me/phone shows "
            "their statuses as they arrive",
            "responses": {"202": _ok(_ref("MyPhone"), "queued"), **WRITE_ERRORS, "429": _error("too many tests")},
        }
    },
}


# --- a region's office hours, escalation ladders and the preview (limits: piket/ladders/rules.py) ---------

_CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}, "description": "a care region"}]
_NO_REGION = {"404": _error("no such care region")}
_CLOCK_START = {"type": "string", "pattern": f"^({ladder_rules.CLOCK})$"}
_CLOCK_END = {"type": "string", "pattern": f"^({ladder_rules.CLOCK_END})$"}
_DATE = {"type": "string", "pattern": f"^{ladder_rules.DATE}$", "description": "YYYY-MM-DD, Europe/Amsterdam"}
_STEP_MINUTE = _within("integer", ladder_rules.STEP_MINUTE)
SCHEMAS["LadderStep"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["after", "level"],
    "properties": {
        "after": {**_STEP_MINUTE, "description": "minutes after the request was made; strictly increasing"},
        "level": {**ENUM(vocabulary.LADDER_LEVELS), "description": "exhausted: the last step, and only there"},
        "channels": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": list(ladder_rules.CHANNELS)},
            "description": "required for every step but exhausted (which has none)",
        },
    },
}
_LADDER = {"type": "array", "minItems": 2, "maxItems": ladder_rules.MAX_STEPS, "items": _ref("LadderStep")}
SCHEMAS["EscalationPolicyEdit"] = {
    "type": "object",
    "additionalProperties": False,
    "description": "fields left out keep their value; 422 names the field, e.g. `after_hours[2].after`",
    "properties": {
        "after_hours": _LADDER,
        "office_hours": _LADDER,
        "backup_region": {
            "type": ["string", "null"],
            "description": "a care region (not this one) whose primary stands in for a missing back-up",
        },
        "rounds": _within("integer", ladder_rules.ROUNDS),
        "ack_timeout_minutes": {
            **_within("integer", ladder_rules.ACK_TIMEOUT),
            "description": "minutes an accepted request may go without a held place; 0: never",
        },
    },
}
SCHEMAS["EscalationPolicy"] = {
    "type": "object",
    "required": ["region", "default", *ladder_rules.POLICY_FIELDS],
    "properties": {
        **SCHEMAS["EscalationPolicyEdit"]["properties"],
        "region": {"type": "string"},
        "default": {"type": "boolean", "description": "true: no policy stored, the defaults apply"},
    },
}
_WINDOW = {
    "type": "object",
    "additionalProperties": False,
    "required": ["from", "to"],
    "properties": {"from": _CLOCK_START, "to": _CLOCK_END},
}
SCHEMAS["OfficeHoursEdit"] = {
    "type": "object",
    "additionalProperties": False,
    "description": "fields left out keep their value; Dutch public holidays are always after hours",
    "properties": {
        "windows": {
            "type": "array",
            "maxItems": ladder_rules.MAX_WINDOWS,
            "description": "weekly windows, none overlapping on a day; [] never office hours",
            "items": {
                "type": "object",
                "required": ["days", "from", "to"],
                "properties": {
                    "days": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1, "maximum": 7}},
                    "from": _CLOCK_START,
                    "to": _CLOCK_END,
                },
            },
        },
        "exceptions": {
            "type": "array",
            "maxItems": ladder_rules.MAX_EXCEPTIONS,
            "description": "dates or date ranges (at most "
            f"{ladder_rules.MAX_EXCEPTION_DAYS} days, none covering the same date) with other hours",
            "items": {
                "type": "object",
                "required": ["from"],
                "properties": {
                    "from": _DATE,
                    "to": {**_DATE, "description": "inclusive; default `from`"},
                    "windows": {
                        "type": "array",
                        "maxItems": ladder_rules.MAX_EXCEPTION_WINDOWS,
                        "items": _WINDOW,
                        "description": "[]: after hours all day",
                    },
                },
            },
        },
    },
}
SCHEMAS["OfficeHours"] = {
    "type": "object",
    "required": ["region", "default", "windows", "exceptions", "in_office_now"],
    "properties": {
        **SCHEMAS["OfficeHoursEdit"]["properties"],
        "region": {"type": "string"},
        "default": {"type": "boolean"},
        "in_office_now": {"type": "boolean"},
        "holidays_after_hours": {"type": "boolean"},
    },
}
SCHEMAS["EscalationPreview"] = {
    "type": "object",
    "required": ["region", "at", "mode", "saved", "steps", "gaps", "text"],
    "properties": {
        "region": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "mode": {
            "type": "string",
            "enum": ["office", "after_hours"],
            "description": "the ladder a request made now takes",
        },
        "mode_reason": {"type": "string"},
        "saved": {"type": "boolean", "description": "false: the preview of the posted, unsaved edit"},
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["minute", "at", "level", "people", "gap", "text"],
                "properties": {
                    "index": {"type": "integer"},
                    "minute": {"type": "integer"},
                    "at": {"type": "string", "format": "date-time"},
                    "level": ENUM(vocabulary.LADDER_LEVELS),
                    "channels": {"type": "array", "items": {"type": "string"}},
                    "people": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "skipped": {"type": "string", "description": "why this person would not be paged"},
                            },
                        },
                    },
                    "via": {"type": ["string", "null"], "description": "the back-up region's primary standing in"},
                    "gap": {"type": "boolean", "description": "nobody would be paged at this step"},
                    "text": {"type": "string"},
                },
            },
        },
        "gaps": {"type": "integer"},
        "rounds": {"type": "integer"},
        "ack_timeout_minutes": {"type": "integer"},
        "backup_region": {"type": ["string", "null"]},
        "intro": {"type": "string"},
        "text": {"type": "string", "description": "the whole preview as one Dutch sentence"},
    },
}
_READ = "Coordinators, CoMensha and admins read every region"
_WRITE = "Admins change every region, a coordinator their own regions (403 otherwise); audited with before and after"


def _body(name):
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


PATHS["/api/v1/regions/{code}/office-hours"] = {
    "get": {
        "summary": f"The region's office hours and exceptions, and whether it is in office hours now. {_READ}",
        "parameters": _CODE,
        "responses": {"200": _ok(_ref("OfficeHours")), **ERRORS, **_NO_REGION},
    },
    "put": {
        "summary": f"Change the region's office hours and exceptions (Europe/Amsterdam). {_WRITE}",
        "parameters": _CODE,
        "requestBody": _body("OfficeHoursEdit"),
        "responses": {"200": _ok(_ref("OfficeHours")), **WRITE_ERRORS, **_NO_REGION},
    },
}
PATHS["/api/v1/regions/{code}/escalation-policy"] = {
    "get": {
        "summary": f"The region's two ladders (office hours, after hours), back-up region, rounds and time-out. {_READ}",
        "parameters": _CODE,
        "responses": {"200": _ok(_ref("EscalationPolicy")), **ERRORS, **_NO_REGION},
    },
    "put": {
        "summary": f"Change the region's ladders; requests already made keep the ladder they started with. {_WRITE}",
        "parameters": _CODE,
        "requestBody": _body("EscalationPolicyEdit"),
        "responses": {"200": _ok(_ref("EscalationPolicy")), **WRITE_ERRORS, **_NO_REGION},
    },
}
PATHS["/api/v1/regions/{code}/escalation-preview"] = {
    "get": {
        "summary": f"Who a request made now in the region would page, step by step, from the rotas as they stand. {_READ}",
        "parameters": _CODE,
        "responses": {"200": _ok(_ref("EscalationPreview")), **ERRORS, **_NO_REGION},
    },
    "post": {
        "summary": "The same for an unsaved edit of the policy (checked as a PUT, nothing stored); "
        "admins, a coordinator their own regions",
        "parameters": _CODE,
        "requestBody": _body("EscalationPolicyEdit"),
        "responses": {"200": _ok(_ref("EscalationPreview")), **WRITE_ERRORS, **_NO_REGION},
    },
}


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Piket API",
            "version": "1",
            "description": "Free shelter beds for victims of human trafficking, nationally. Bearer tokens: "
            "`flask --app app users token EMAIL`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **ROTA_SCHEMAS},
        },
        "paths": PATHS,
    }


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(spec())
