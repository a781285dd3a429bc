"""What-if: would last month's requests that ended without a bed have had one with extra places?

The scenario is the matching contract's own format (shared/matching-contract.md), built from today's
registry, so CoMensha can download it, edit it (or let the page add places) and upload it again.
In it a shelter's id is its registry key and a pool's id "<shelter key>/<pool key>": stable names a
person can edit, not database ids. Requests keep their ids (the request id as a string); their
`apart_from` names only requests inside the set. Shelters carry an extra optional `name`.

An uploaded scenario may be anything: it is checked against the limits below and by the matching
package's own validation, and any fault is a ValidationError naming the contract field.
"""

import copy
import datetime as dt
import json
import re

from sqlalchemy import select

import matching
import validation as v
import vocabulary
from beds.models import Shelter
from beds.scenario import shelter_entry
from errors import ValidationError
from extensions import db
from national.tables import Table
from piket.lifecycle import CLOSED_UNPLACED, PlacementStatus
from piket.models import Placement, PlacementRequest
from piket.proposals import request_entry

MAX_SCENARIO_BYTES = 5 * 1024 * 1024  # an uploaded scenario, as compact JSON
MAX_REQUESTS = 5_000
MAX_EDITS = 100
MAX_EXTRA = 500  # places (or rooms) one edit may add
MAX_ROOM_SIZE = 20
MAX_NUMBER = 100_000  # any whole number in an uploaded scenario (free places, room sizes, ages, children)
POOL_KEY = r"[A-Za-z0-9._-]{1,40}"


def unplaced_requests(now, days=30) -> list[PlacementRequest]:
    """Requests closed without a bed (withdrawn or nobody reached) in the last `days` days, whose
    profile is still there (not purged, not a phone request left without one)."""
    confirmed = select(Placement.id).where(
        Placement.request_id == PlacementRequest.id, Placement.status == PlacementStatus.CONFIRMED
    )
    rows = db.session.scalars(
        select(PlacementRequest)
        .where(
            PlacementRequest.status.in_(CLOSED_UNPLACED),
            PlacementRequest.closed_at >= now - dt.timedelta(days=days),
            PlacementRequest.closed_at <= now,
            PlacementRequest.purged_at.is_(None),
            ~confirmed.exists(),
        )
        .order_by(PlacementRequest.id)
    ).all()
    return [r for r in rows if r.persons]


def _pool_id(shelter_key, pool_key) -> str:
    return f"{shelter_key}/{pool_key}"


def build(now, cfg, days=30) -> dict:
    """Today's registry (every active shelter, every pool with its free places now) and last
    `days` days' requests that ended without a bed, each as its own request."""
    shelters = db.session.scalars(select(Shelter).where(Shelter.active.is_(True)).order_by(Shelter.key)).all()
    entries = []
    for shelter in shelters:
        if not shelter.pools:
            continue
        entry = shelter_entry(shelter)
        entry["id"], entry["name"] = shelter.key, shelter.name
        for pool, pool_entry in zip(shelter.pools, entry["pools"], strict=True):
            pool_entry["id"] = _pool_id(shelter.key, pool.key)
        entries.append(entry)
    requests = unplaced_requests(now, days)
    ids = {str(r.id) for r in requests}
    out = []
    for r in requests:
        entry = request_entry(r)
        # request_entry keeps the case's partners; a partner outside this set is not in the scenario.
        entry["apart_from"] = [i for i in (str(x) for x in r.apart_from or []) if i in ids and i != entry["id"]]
        out.append(entry)
    return {
        "version": 1,
        "now": now.isoformat(),
        "policy": {"high_threat_min_km": cfg["HIGH_THREAT_MIN_KM"]},
        "shelters": entries,
        "requests": out,
    }


def shelter_choices() -> list[dict]:
    """The active shelters to offer on the what-if form: key (the scenario's id), name, region and
    their pools (key, kind, free now), by name."""
    shelters = db.session.scalars(select(Shelter).where(Shelter.active.is_(True))).all()
    return sorted(
        (
            {
                "key": s.key,
                "name": s.name,
                "region": s.region.name,
                "pools": [
                    {"key": p.key, "kind": p.kind, "room_size": p.room_size, "free": max(p.free, 0)} for p in s.pools
                ],
            }
            for s in shelters
        ),
        key=lambda s: (s["name"], s["key"]),
    )


# --- edits ----------------------------------------------------------------------------------------


def _whole(text, field, minimum, maximum) -> int:
    if not (len(text) <= 6 and text.isascii() and text.isdigit() and minimum <= int(text) <= maximum):
        raise ValidationError(f"Vul een heel getal van {minimum} tot en met {maximum} in.", field=field)
    return int(text)


def edits_from_choices(rows: list[dict]) -> list[dict]:
    """The what-if form's rows ({"shelter": a registry key from the list, "kind": a POOL_KINDS code,
    "extra": places (rooms for a family room), "room_size": persons per room, for a family room}) as
    edits: the places go to the shelter's pool of that kind (for a family room: of that size, when
    given), or to a new pool when it has none, so nobody types an internal pool key. Rows without a
    shelter and a number are blank and skipped. Messages in Dutch, for the form."""
    shelters = {s.key: s for s in db.session.scalars(select(Shelter).where(Shelter.active.is_(True)))}
    edits = []
    for i, row in enumerate(rows):
        key, kind, extra, room = (str(row.get(k) or "").strip() for k in ("shelter", "kind", "extra", "room_size"))
        if not key and not extra:
            continue
        where = f"edits[{i}]"
        shelter = shelters.get(key)
        if shelter is None:
            raise ValidationError("Kies een opvang uit de lijst.", field=f"{where}.shelter")
        if kind not in vocabulary.POOL_KINDS:
            raise ValidationError("Kies een soort plaats uit de lijst.", field=f"{where}.kind")
        extra_n = _whole(extra, f"{where}.extra", 1, MAX_EXTRA)
        size = _whole(room, f"{where}.room_size", 1, MAX_ROOM_SIZE) if room else None
        pools = [p for p in shelter.pools if p.kind == kind and (size is None or p.room_size == size)]
        if pools:
            edits.append({"shelter": key, "pool": pools[0].key, "extra": extra_n})
            continue
        if kind == "family_room" and size is None:
            raise ValidationError(
                "Deze opvang heeft nog geen gezinskamer: vul in voor hoeveel personen een kamer is.",
                field=f"{where}.room_size",
            )
        taken = {p.key for p in shelter.pools} | {e["pool"] for e in edits if e["shelter"] == key}
        pool_key = next(k for k in (kind, *(f"{kind}-{n}" for n in range(2, MAX_EDITS + 3))) if k not in taken)
        edit = {"shelter": key, "pool": pool_key, "kind": kind, "extra": extra_n}
        if kind == "family_room":
            edit["room_size"] = size
        edits.append(edit)
    if not edits:
        raise ValidationError(
            "Kies een opvang en een aantal extra plaatsen, of upload een scenario.", field="edits[0].shelter"
        )
    return edits


def _form_edits(form) -> list[dict]:
    """Form fields edits[0].shelter, edits[0].pool, edits[0].extra (, .kind, .room_size) as a list."""
    rows = {}
    for key in form.keys():
        match = re.fullmatch(r"edits\[(\d{1,3})\]\.(shelter|pool|extra|kind|room_size)", key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = form.get(key)
    # A blank row of the form is no edit; its index is kept so a message names the right row.
    return [rows.get(i, {}) for i in range(max(rows) + 1)] if rows else []


def parse_edits(data) -> list[dict]:
    """Edits from JSON ({"edits": [...]} or the list itself) or from a form (edits[i].field):
    extra places on an existing pool {"shelter", "pool", "extra"}, or a new pool
    {"shelter", "pool", "kind", "extra"} (a family_room also "room_size"). extra is 1..500 (rooms
    for a family_room). Blank form rows are skipped."""
    if isinstance(data, list):
        items, from_form = data, False
    elif isinstance(data, dict) and "edits" in data:
        items, from_form = data["edits"], False
    elif hasattr(data, "keys") and hasattr(data, "get"):
        items, from_form = _form_edits(data), True
    else:
        raise ValidationError("moet een lijst van wijzigingen zijn", field="edits")
    if not isinstance(items, list):
        raise ValidationError("moet een lijst van wijzigingen zijn", field="edits")
    if len(items) > MAX_EDITS:
        raise ValidationError(f"hoogstens {MAX_EDITS} wijzigingen", field="edits")
    edits = []
    for i, item in enumerate(items):
        where = f"edits[{i}]"
        if not isinstance(item, dict):
            raise ValidationError("moet een object met shelter, pool en extra zijn", field=where)
        if from_form and not any(str(item.get(k) or "").strip() for k in ("shelter", "pool", "extra")):
            continue
        edit = {
            "shelter": v.text(item, "shelter", f"{where}.shelter", max_length=60),
            "pool": v.text(item, "pool", f"{where}.pool", max_length=40, pattern=POOL_KEY),
            "extra": v.integer(item, "extra", f"{where}.extra", minimum=1, maximum=MAX_EXTRA),
        }
        kind = (
            v.choice(item, "kind", vocabulary.POOL_KINDS, f"{where}.kind", default=None) if item.get("kind") else None
        )
        if kind is not None:
            edit["kind"] = kind
            if kind == "family_room":
                edit["room_size"] = v.integer(item, "room_size", f"{where}.room_size", minimum=1, maximum=MAX_ROOM_SIZE)
        edits.append(edit)
    return edits


def _pool_words(key) -> str:
    """A pool key as a person reads it: "gezinskamer" for family_room; another key as typed, quoted."""
    return vocabulary.POOL_KINDS.get(key) or repr(key)


def _find_pool(shelter, pool_key):
    """A pool of the shelter by its full id or by the part after the shelter's key."""
    for pool in shelter.get("pools") or []:
        if isinstance(pool, dict) and pool.get("id") in (pool_key, _pool_id(shelter.get("id"), pool_key)):
            return pool
    return None


def apply_edits(scenario, edits) -> dict:
    """A new scenario (the given one is untouched) with the extra places added to the pools' free
    counts (rooms for a family_room), or the new pools appended to their shelters."""
    if not isinstance(scenario, dict) or not isinstance(scenario.get("shelters"), list):
        raise ValidationError("het scenario heeft geen lijst van opvangen (shelters)", field="shelters")
    edited = copy.deepcopy(scenario)
    by_id = {s.get("id"): s for s in edited["shelters"] if isinstance(s, dict)}
    for i, edit in enumerate(edits):
        shelter = by_id.get(edit["shelter"])
        if shelter is None:
            raise ValidationError(f"onbekende opvang {edit['shelter']!r}", field=f"edits[{i}].shelter")
        if not isinstance(shelter.get("pools"), list):
            raise ValidationError("deze opvang heeft geen lijst van soorten plaatsen", field=f"edits[{i}].shelter")
        pool = _find_pool(shelter, edit["pool"])
        if edit.get("kind"):
            if pool is not None:
                raise ValidationError(
                    f"{_pool_words(edit['pool'])} bestaat al bij deze opvang; kies geen soort om er plaatsen bij"
                    " te zetten",
                    field=f"edits[{i}].pool",
                )
            new = {"id": _pool_id(shelter["id"], edit["pool"]), "kind": edit["kind"], "free": edit["extra"]}
            if edit["kind"] == "family_room":
                new["room_size"] = edit["room_size"]
            shelter["pools"].append(new)
            continue
        if pool is None:
            raise ValidationError(
                f"{edit['shelter']!r} heeft geen {_pool_words(edit['pool'])}; kies een soort om die plaatsen nieuw"
                " toe te voegen",
                field=f"edits[{i}].pool",
            )
        free = pool.get("free")
        if isinstance(free, bool) or not isinstance(free, int):
            raise ValidationError("het aantal vrije plaatsen is geen heel getal", field=f"edits[{i}].pool")
        pool["free"] = max(free, 0) + edit["extra"]
    return edited


# --- solving ----------------------------------------------------------------------------------------


def _check_numbers(value, path):
    """Every whole number at most MAX_NUMBER: the solver works in machine integers, and no free
    count, room size, age or number of children comes near it."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_numbers(item, f"{path}[{i}]")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        raise ValidationError(f"mag hoogstens {MAX_NUMBER} zijn", field=path or "scenario")


def check_limits(scenario):
    """The limits of an uploaded scenario (the caller parsed the JSON; its body limit should match)."""
    if (
        isinstance(scenario, dict)
        and isinstance(scenario.get("requests"), list)
        and len(scenario["requests"]) > MAX_REQUESTS
    ):
        raise ValidationError(f"hoogstens {MAX_REQUESTS} aanvragen", field="requests")
    try:
        size = len(json.dumps(scenario, separators=(",", ":"), ensure_ascii=False).encode())
    except (TypeError, ValueError, RecursionError):
        raise ValidationError("moet een JSON-scenario zijn", field="scenario") from None
    if size > MAX_SCENARIO_BYTES:
        raise ValidationError(f"hoogstens {MAX_SCENARIO_BYTES // (1024 * 1024)} MB", field="scenario")
    try:
        _check_numbers(scenario, "")
    except RecursionError:
        raise ValidationError("is te diep genest", field="scenario") from None


# The matcher's own checks (matching/scenario.py) speak English, the contract's language; a person
# reading the what-if reads them in Dutch, the field named as the scenario file names it.
_SCENARIO_MESSAGES = [
    (r"is required", "ontbreekt"),
    (r"must be an object with lat, lon and region", "moet een object met lat, lon en region zijn"),
    (r"must be (a JSON |an )object", "moet een object zijn"),
    (r"must be an integer >= (\d+)", r"moet een heel getal van \1 of meer zijn"),
    (r"must be >= (\d+)", r"moet \1 of meer zijn"),
    (r"must be at most (\d+)", r"mag hoogstens \1 zijn"),
    (r"must be (a|a finite) number", "moet een getal zijn"),
    (r"must be a non-empty string|must be a string", "moet tekst zijn"),
    (r"must be true or false", "moet true of false zijn"),
    (r"must be a list", "moet een lijst zijn"),
    (r"must be one of (.*)", r"kies uit: \1"),
    (r"must be between (\S+) and (\S+)", r"moet tussen \1 en \2 liggen"),
    (r'must be "24/7" or a list of windows', 'moet "24/7" zijn of een lijst van vensters'),
    (r"must be a non-empty list of ISO weekdays 1..7", "moet een lijst van ISO-weekdagen 1..7 zijn"),
    (r"must be HH:MM", "schrijf als UU:MM"),
    (r"must be later than from", "moet later zijn dan from"),
    (r"must be an ISO 8601 date-time with offset", "moet een ISO 8601-tijdstip met tijdzone zijn"),
    (r"must carry a UTC offset", "mist de tijdzone (bijvoorbeeld +01:00)"),
    (r"must be (\d+)", r"moet \1 zijn"),
    (r"must list at least one person", "noemt geen enkele persoon"),
    (r"names the request itself", "noemt de aanvraag zelf"),
    (r"names unknown request (.*)", r"noemt een onbekende aanvraag \1"),
    (r"(pool|shelter|request) id (.*) is used twice", r"id \2 komt twee keer voor"),
]


def scenario_message(err) -> str:
    """A matcher's ScenarioError in Dutch: "now: is required" -> "veld now: ontbreekt"."""
    for pattern, dutch in _SCENARIO_MESSAGES:
        if re.fullmatch(pattern, err.message):
            return f"veld {err.field}: {re.sub(pattern, dutch, err.message)}" if err.field else dutch
    return f"veld {err.field}: klopt niet" if err.field else "het scenario klopt niet"


def run(scenario, cfg) -> dict:
    """Validate (the matching package's own rules) and solve. Counts are of requests and of persons
    (size: victims plus accompanying children, the places they need)."""
    check_limits(scenario)
    try:
        parsed = matching.validate(scenario)
    except matching.ScenarioError as err:
        raise ValidationError(scenario_message(err), field=err.field, code="invalid_scenario") from None
    except (
        TypeError,
        AttributeError,
        KeyError,
        RecursionError,
    ):  # a shape validate did not foresee: still the client's
        raise ValidationError(
            "is geen scenario in het formaat van het matchingcontract", field="scenario", code="invalid_scenario"
        ) from None
    result = matching.solve_parsed(parsed, time_limit_s=cfg["MATCH_TIME_LIMIT_S"])
    sizes = {r.id: r.size for r in parsed.requests}
    placed = sorted({a["request"] for a in result["assignments"]}, key=lambda rid: (len(rid), rid))
    return {
        "requests": len(parsed.requests),
        "placed": len(placed),
        "persons": sum(sizes.values()),
        "persons_placed": sum(sizes[rid] for rid in placed),
        "placed_ids": placed,
        "status": result["status"],
    }


def compare(now, cfg, edits=None, scenario=None, days=30) -> dict:
    """Today's registry against last month's unplaced requests, as it is and with the extra places
    (`edits` on the built scenario, or on an uploaded `scenario` that replaces it)."""
    baseline_scenario = build(now, cfg, days)
    baseline = run(baseline_scenario, cfg)
    edited = baseline_scenario if scenario is None else scenario
    if edits:
        edited = apply_edits(edited, edits)
    whatif = baseline if edited is baseline_scenario else run(edited, cfg)
    rows = [
        {
            "scenario_code": code,
            "scenario": label,
            **{k: result[k] for k in ("requests", "placed", "persons", "persons_placed")},
        }
        for code, label, result in (("baseline", "zoals nu", baseline), ("whatif", "met extra plaatsen", whatif))
    ]
    table = Table(
        "whatif",
        f"Wat als: aanvragen zonder plaats van de afgelopen {days} dagen",
        [
            ("scenario", "scenario"),
            ("requests", "aanvragen"),
            ("placed", "met plaats"),
            ("persons", "personen"),
            ("persons_placed", "personen met plaats"),
        ],
        rows,
        counts=("requests", "placed", "persons", "persons_placed"),
    )
    return {
        "baseline": baseline,
        "whatif": whatif,
        "extra_placed": whatif["placed"] - baseline["placed"],
        "scenario": edited,
        "table": table,
    }
