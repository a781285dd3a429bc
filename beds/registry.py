"""Administering the registry: regions and shelters with their admission profile and pools."""

import hashlib
import json

from sqlalchemy import bindparam, func, select

import formatting
import validation as v
import vocabulary
from accounts import phones
from audit import service as audit
from beds.holds import HoldStatus
from beds.models import BedPool, CapacityChange, Hold, Organisation, Region, Shelter
from errors import Conflict, NotFound, ValidationError
from extensions import db
from piket.rotas.models import Rota
from transactions import atomic, locked

KEY = r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}"


_REGION_BY_CODE = select(Region).where(Region.code == bindparam("code"))  # built once: every search asks


def region_by_code(code, field="region"):
    """An active region: a retired one is offered nowhere (search, requests, new shelters)."""
    region = db.session.scalar(_REGION_BY_CODE, {"code": code})
    if region is None:
        raise ValidationError(f"onbekende regio {code!r}", field=field)
    if not region.active:
        raise ValidationError(f"regio {code!r} is opgeheven", field=field)
    return region


def region_to_retire(code):
    """Any region by its code, retired or not (the registrars' pages); NotFound when none has it."""
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound("Deze regio bestaat niet.", field="region")
    return region


def offered_regions(kind=None) -> list:
    """The active regions to offer on a form or a menu, by kind and name (a retired one is not offered)."""
    query = select(Region).where(Region.active.is_(True)).order_by(Region.kind, Region.name)
    if kind is not None:
        query = query.where(Region.kind == kind)
    return db.session.scalars(query).all()


def parse_region(data) -> dict:
    return {
        "code": v.text(data, "code", max_length=60, pattern=r"[a-z0-9]+(-[a-z0-9]+)*"),
        "name": v.text(data, "name", max_length=120),
        "kind": v.choice(data, "kind", vocabulary.REGION_KINDS),
        "centre": v.text(data, "centre", max_length=120, default=""),
        "lat": v.number(data, "lat", minimum=-90, maximum=90),
        "lon": v.number(data, "lon", minimum=-180, maximum=180),
        "dial_code": v.integer(data, "dial_code", minimum=1, maximum=999, default=None),
    }


def create_region(now, data, actor):
    fields = parse_region(data)
    with atomic():
        if db.session.scalar(select(Region).where(Region.code == fields["code"])):
            raise Conflict("er is al een regio met deze code", field="code")
        if fields["dial_code"] is not None and db.session.scalar(
            select(Region).where(Region.dial_code == fields["dial_code"])
        ):
            raise Conflict("een andere regio heeft deze kiescode", field="dial_code")
        region = Region(**fields)
        db.session.add(region)
        db.session.flush()
        audit.record(now, "region.create", "region", region.id, after=fields, actor=actor)
    return region


def parse_pools(items, path="pools") -> list[dict]:
    if not isinstance(items, list) or not items:
        raise ValidationError("geef minstens één soort plaats", field=path)
    pools, keys = [], set()
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise ValidationError("moet een object zijn", field=where)
        pool = {
            "key": v.text(item, "key", f"{where}.key", max_length=40, pattern=KEY),
            "kind": v.choice(item, "kind", vocabulary.POOL_KINDS, f"{where}.kind"),
            "capacity": v.integer(item, "capacity", f"{where}.capacity", minimum=0, maximum=10000),
            "occupied": v.integer(item, "occupied", f"{where}.occupied", minimum=0, maximum=10000, default=0),
            "out_of_service": v.integer(
                item, "out_of_service", f"{where}.out_of_service", minimum=0, maximum=10000, default=0
            ),
            "room_size": None,
        }
        if pool["kind"] == "family_room":
            pool["room_size"] = v.integer(item, "room_size", f"{where}.room_size", minimum=2, maximum=20)
        if pool["occupied"] + pool["out_of_service"] > pool["capacity"]:
            raise ValidationError("bezet plus buiten gebruik is meer dan de capaciteit", field=f"{where}.occupied")
        if pool["key"] in keys:
            raise ValidationError("komt twee keer voor", field=f"{where}.key")
        keys.add(pool["key"])
        pools.append(pool)
    return pools


def parse_shelter(data, partial=False) -> dict:
    """The shelter fields present in `data` (all required unless partial), validated."""
    optional = {
        "address": "",
        "address_confidential": True,
        "intake_phone": "",
        "max_stay_days": None,
        "organisation": None,
        "excludes": [],
        "exploitation": list(vocabulary.EXPLOITATION_TYPES),
        "adults": True,
        "minors": False,
    }
    readers = {
        "key": lambda d, k: v.text(d, k, max_length=60, pattern=KEY),
        "name": lambda d, k: v.text(d, k, max_length=160),
        "type": lambda d, k: v.choice(d, k, vocabulary.SHELTER_TYPES),
        "region": lambda d, k: v.text(d, k, max_length=60),
        "municipality": lambda d, k: v.text(d, k, max_length=120),
        "lat": lambda d, k: round(v.number(d, k, within=v.NL_LAT), 2),  # coarse: never a house
        "lon": lambda d, k: round(v.number(d, k, within=v.NL_LON), 2),
        "address": lambda d, k: v.text(d, k, max_length=300, default=""),
        "address_confidential": lambda d, k: v.boolean(d, k),
        "intake": lambda d, k: v.intake_hours(d.get(k), k),
        "intake_phone": lambda d, k: phones.contact(d, k, required=False),
        "max_stay_days": lambda d, k: v.integer(d, k, minimum=1, maximum=3650, default=None),
        "organisation": lambda d, k: v.text(d, k, max_length=60, default=None),
        "genders": lambda d, k: v.choices(d, k, vocabulary.GENDERS, allow_empty=False),
        "adults": lambda d, k: v.boolean(d, k),
        "minors": lambda d, k: v.boolean(d, k),
        "residence": lambda d, k: v.choices(d, k, vocabulary.RESIDENCE, allow_empty=False),
        "exploitation": lambda d, k: v.choices(d, k, vocabulary.EXPLOITATION_TYPES, allow_empty=False),
        "excludes": lambda d, k: v.choices(d, k, vocabulary.CONTRA_INDICATIONS),
        "pools": lambda d, k: parse_pools(d.get(k), k),
    }
    fields = {}
    for key, read in readers.items():
        if key in data:
            fields[key] = read(data, key)
        elif not partial:
            if key in optional:
                fields[key] = optional[key]
            else:
                read(data, key)  # raises "is required" naming the field
    unknown = sorted(set(data) - set(readers))
    if unknown:
        raise ValidationError("onbekend veld", field=unknown[0])
    if not fields.get("adults", True) and not fields.get("minors", True):
        raise ValidationError("een opvang neemt volwassenen, minderjarigen of beide op", field="adults")
    if partial and "key" in fields:
        raise ValidationError("kan niet worden gewijzigd", field="key")
    return fields


def organisations() -> list:
    return db.session.scalars(select(Organisation).order_by(Organisation.name)).all()


def active_shelter_counts() -> dict:
    """region id -> its number of active shelters (the registrars' region list)."""
    rows = db.session.execute(
        select(Shelter.region_id, func.count(Shelter.id)).where(Shelter.active.is_(True)).group_by(Shelter.region_id)
    ).all()
    return dict(rows)


def _organisation(key):
    if key is None:
        return None
    org = db.session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        raise ValidationError(f"onbekende organisatie {key!r}", field="organisation")
    return org


def _apply(shelter, fields):
    for name, value in fields.items():
        if name == "region":
            shelter.region = region_by_code(value)
        elif name == "organisation":
            shelter.organisation = _organisation(value)
        elif name != "pools":
            setattr(shelter, name, value)


def create_shelter(now, data, actor):
    fields = parse_shelter(data)
    with atomic():
        if db.session.scalar(select(Shelter).where(Shelter.key == fields["key"])):
            raise Conflict("er is al een opvang met deze sleutel", field="key")
        shelter = Shelter()
        _apply(shelter, fields)
        shelter.pools = [BedPool(**p) for p in fields["pools"]]
        db.session.add(shelter)
        db.session.flush()
        for pool in shelter.pools:
            record_capacity(now, pool, None, actor)
        audit.record(now, "shelter.create", "shelter", shelter.id, after=describe(shelter), actor=actor)
    return shelter


def update_shelter(now, shelter, data, actor):
    """Change any fields (admins); `pools` here changes capacities (matched by key) or adds pools."""
    return _update(now, shelter, parse_shelter(data, partial=True), actor, "shelter.update")


# What a shelter keeps current itself (DESIGN.md: its staff keep their contra-indications current): its
# target groups, contra-indications, intake hours and phone, and its pools' sizes. Read by parse_shelter's
# own readers: one rule set for the admin's PATCH, the profile PATCH and the profile page.
PROFILE_FIELDS = (
    "genders",
    "adults",
    "minors",
    "residence",
    "exploitation",
    "excludes",
    "intake",
    "intake_phone",
    "pools",
)


def parse_profile(data) -> dict:
    """The profile fields present in `data`, validated; any other field is refused by name."""
    if not isinstance(data, dict):
        raise ValidationError("moet een object zijn", field="body")
    other = sorted(set(data) - set(PROFILE_FIELDS))
    if other:
        raise ValidationError("hoort niet bij het profiel van een opvang (alleen beheerders)", field=other[0])
    return parse_shelter(data, partial=True)


def fingerprint(shelter) -> str:
    """A short hash of the profile as it is: the page's confirm step says which version it showed."""
    text = json.dumps(describe(shelter), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def update_profile(now, shelter, fields, actor, expected=None):
    """Save parsed profile fields in one transaction (audited before/after, capacity changes dated).
    `expected`: the fingerprint the confirming person saw; refused (Conflict) when it changed meanwhile."""
    return _update(now, shelter, fields, actor, "shelter.profile", expected=expected)


def _update(now, shelter, fields, actor, action, expected=None):
    with atomic():
        shelter = locked(Shelter, shelter.id)  # two editors: the second sees the first's profile
        if expected is not None and fingerprint(shelter) != expected:
            raise Conflict("Het profiel is intussen door iemand anders gewijzigd: bekijk de wijzigingen opnieuw.")
        _check_admits_someone(shelter, fields)
        before = describe(shelter)
        _apply(shelter, fields)
        existing = {p.key: p for p in _locked_pools(shelter.id)}
        check_pools(existing, fields.get("pools", []))
        changed = []  # (pool, capacity before): the dated inventory, written once the new pools have ids
        for spec in fields.get("pools", []):
            pool = existing.get(spec["key"])
            if pool is None:
                pool = BedPool(**spec)
                shelter.pools.append(pool)
                changed.append((pool, None))
                continue
            if spec["capacity"] != pool.capacity:
                changed.append((pool, pool.capacity))
            pool.capacity, pool.room_size = spec["capacity"], spec["room_size"]
        db.session.flush()
        for pool, before_capacity in changed:
            record_capacity(now, pool, before_capacity, actor)
        audit.record(now, action, "shelter", shelter.id, before=before, after=describe(shelter), actor=actor)
    return shelter


def check_pools(existing, specs):
    """Pool changes that the pools as they are allow: the kind stays, the capacity not below the places
    in use. `existing`: key -> BedPool (under the lock when saving; as read for a preview)."""
    for i, spec in enumerate(specs):
        pool = existing.get(spec["key"])
        if pool is None:
            continue
        if spec["kind"] != pool.kind:
            raise ValidationError("de soort van een bestaande plaats kan niet veranderen", field=f"pools[{i}].kind")
        in_use = pool.occupied + pool.out_of_service + pool.held
        if spec["capacity"] < in_use:
            raise ValidationError(
                f"mag niet onder de {in_use} plaatsen in gebruik (bezet, vastgehouden, buiten gebruik) komen",
                field=f"pools[{i}].capacity",
            )


def _check_admits_someone(shelter, fields):
    adults, minors = fields.get("adults", shelter.adults), fields.get("minors", shelter.minors)
    if not adults and not minors:
        raise ValidationError("een opvang neemt volwassenen, minderjarigen of beide op", field="adults")


def _locked_pools(shelter_id):
    # The places in use are read under the lock: a capacity is never set below what a hold just took.
    return db.session.scalars(
        select(BedPool)
        .where(BedPool.shelter_id == shelter_id)
        .order_by(BedPool.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def record_capacity(now, pool, before, actor):
    """A dated line in the bed inventory: a new pool (before None) or a changed capacity. In the
    caller's transaction; the pool must have its id (flushed)."""
    db.session.add(
        CapacityChange(
            pool_id=pool.id,
            shelter_id=pool.shelter_id,
            effective_at=now,
            capacity_before=before,
            capacity_after=pool.capacity,
            actor_id=getattr(actor, "id", None),
        )
    )


def describe(shelter) -> dict:
    """The shelter's profile as plain data (the address left out: audit rows are read widely)."""
    return {
        "key": shelter.key,
        "name": shelter.name,
        "type": shelter.type,
        "region": shelter.region.code,
        "municipality": shelter.municipality,
        "lat": shelter.lat,
        "lon": shelter.lon,
        "intake": shelter.intake,
        "intake_phone": shelter.intake_phone,
        "max_stay_days": shelter.max_stay_days,
        "genders": shelter.genders,
        "adults": shelter.adults,
        "minors": shelter.minors,
        "residence": shelter.residence,
        "exploitation": shelter.exploitation,
        "excludes": shelter.excludes,
        "pools": [
            {"key": p.key, "kind": p.kind, "capacity": p.capacity, "room_size": p.room_size} for p in shelter.pools
        ],
    }


# --- what a profile change changes, in words ------------------------------------------------------

_LIST_FIELDS = {
    "genders": ("Geslacht", vocabulary.GENDERS),
    "residence": ("Verblijfsstatus", vocabulary.RESIDENCE),
    "exploitation": ("Soort uitbuiting", vocabulary.EXPLOITATION_TYPES),
    "excludes": ("Contra-indicaties", vocabulary.CONTRA_INDICATIONS),
}
_YES_NO_FIELDS = {"adults": "Volwassenen", "minors": "Minderjarigen"}


def pool_name(pool) -> str:
    """A pool as people call it: its kind, and its key when that says more ("Gezinskamer (groot)")."""
    name = vocabulary.label(vocabulary.POOL_KINDS, pool["kind"]).capitalize()
    return (
        name
        if pool["key"] in (pool["kind"], "family" if pool["kind"] == "family_room" else "")
        else f"{name} ({pool['key']})"
    )


def _places(kind, n) -> str:
    if kind == "family_room":
        return f"{n} {'kamer' if n == 1 else 'kamers'}"
    return f"{n} {'plaats' if n == 1 else 'plaatsen'}"


def profile_changes(shelter, fields) -> list[dict]:
    """What saving `fields` would change, one line per field or pool: {"field", "label", "text"}
    ("Contra-indicaties", "+ actieve verslaving; − rolstoel"), in the order of the form. Empty: nothing."""
    _check_admits_someone(shelter, fields)
    check_pools({p.key: p for p in shelter.pools}, fields.get("pools", []))
    lines = []
    before = describe(shelter)
    for name in PROFILE_FIELDS:
        if name not in fields or name == "pools":
            continue
        old, new = before[name], fields[name]
        if name in _LIST_FIELDS:
            label, table = _LIST_FIELDS[name]
            added = [vocabulary.label(table, c) for c in new if c not in (old or [])]
            removed = [vocabulary.label(table, c) for c in (old or []) if c not in new]
            if added or removed:
                text = "; ".join([f"+ {a}" for a in added] + [f"− {r}" for r in removed])
                lines.append({"field": name, "label": label, "text": text})
        elif name in _YES_NO_FIELDS and bool(old) != bool(new):
            lines.append({"field": name, "label": _YES_NO_FIELDS[name], "text": f"{_yes(old)} → {_yes(new)}"})
        elif name == "intake" and old != new:
            lines.append(
                {
                    "field": name,
                    "label": "Intake-uren",
                    "text": f"{formatting.intake_hours(old)} → {formatting.intake_hours(new)}",
                }
            )
        elif name == "intake_phone" and (old or "") != new:
            lines.append({"field": name, "label": "Intaketelefoon", "text": f"{old or 'geen'} → {new or 'geen'}"})
    existing = {p["key"]: p for p in before["pools"]}
    for i, spec in enumerate(fields.get("pools", [])):
        pool = existing.get(spec["key"])
        where = f"pools[{i}]"
        if pool is None:
            lines.append(
                {"field": where, "label": f"Nieuw: {pool_name(spec)}", "text": _places(spec["kind"], spec["capacity"])}
            )
            continue
        if spec["capacity"] != pool["capacity"]:
            lines.append(
                {
                    "field": f"{where}.capacity",
                    "label": pool_name(pool),
                    "text": f"{pool['capacity']} → {_places(pool['kind'], spec['capacity'])}",
                }
            )
        if spec["kind"] == pool["kind"] == "family_room" and spec["room_size"] != pool["room_size"]:
            lines.append(
                {
                    "field": f"{where}.room_size",
                    "label": f"{pool_name(pool)}, bedden per kamer",
                    "text": f"{pool['room_size']} → {spec['room_size']}",
                }
            )
    return lines


def _yes(value) -> str:
    return "ja" if value else "nee"


# --- retiring: no longer offered, the history stays ------------------------------------------------


def retire_shelter(now, shelter, actor):
    """Take a shelter out of search, matching and the national view. Refused while a place is held
    for a placement (confirm or release it first). Its pools, snapshots and inventory stay."""
    with atomic():
        shelter = locked(Shelter, shelter.id)
        if not shelter.active:
            raise Conflict("Deze opvang is al opgeheven.", field="shelter_id")
        held = db.session.scalar(
            select(func.count(Hold.id))
            .join(BedPool)
            .where(BedPool.shelter_id == shelter.id, Hold.status == HoldStatus.HELD)
        )
        if held:
            raise Conflict(
                f"Er {'wordt' if held == 1 else 'worden'} nog {held} {'plaats' if held == 1 else 'plaatsen'} "
                "vastgehouden voor een plaatsing: bevestig of geef die eerst vrij.",
                field="shelter_id",
            )
        shelter.active = False
        audit.record(
            now, "shelter.retire", "shelter", shelter.id, before={"active": True}, after={"active": False}, actor=actor
        )
    return shelter


def retire_region(now, region, actor):
    """Take a region out of every form and menu. Refused, with the reason, while it still has active
    shelters or rotas (move or retire those first): nothing would be left pointing at a region nobody offers."""
    with atomic():
        region = locked(Region, region.id)
        if not region.active:
            raise Conflict("Deze regio is al opgeheven.", field="region")
        shelters = db.session.scalars(
            select(Shelter.name).where(Shelter.region_id == region.id, Shelter.active.is_(True)).order_by(Shelter.name)
        ).all()
        if shelters:
            raise Conflict(
                f"Deze regio heeft nog {len(shelters)} actieve opvang: {', '.join(shelters)}. Hef die eerst op.",
                field="region",
            )
        rotas = db.session.scalars(select(Rota.name).where(Rota.region_id == region.id).order_by(Rota.name)).all()
        if rotas:
            raise Conflict(
                f"Deze regio heeft nog {len(rotas)} {'rooster' if len(rotas) == 1 else 'roosters'}: "
                f"{', '.join(rotas)}. Verwijder of verplaats die eerst.",
                field="region",
            )
        region.active = False
        audit.record(
            now, "region.retire", "region", region.id, before={"active": True}, after={"active": False}, actor=actor
        )
    return region
