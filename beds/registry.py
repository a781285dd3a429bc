"""Administering the registry: regions and shelters with their admission profile and pools."""

from sqlalchemy import bindparam, select

import validation as v
import vocabulary
from accounts import phones
from audit import service as audit
from beds.models import BedPool, CapacityChange, Organisation, Region, Shelter
from errors import Conflict, ValidationError
from extensions import db
from transactions import atomic

KEY = r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}"


_REGION_BY_CODE = select(Region).where(Region.code == bindparam("code"))  # built once: every search asks


def region_by_code(code, field="region"):
    region = db.session.scalar(_REGION_BY_CODE, {"code": code})
    if region is None:
        raise ValidationError(f"unknown region {code!r}", field=field)
    return region


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
            raise Conflict("a region with this code exists", field="code")
        if fields["dial_code"] is not None and db.session.scalar(
            select(Region).where(Region.dial_code == fields["dial_code"])
        ):
            raise Conflict("another region has this dial code", field="dial_code")
        region = Region(**fields)
        db.session.add(region)
        db.session.flush()
        audit.record(now, "region.create", "region", region.id, after=fields, actor=actor)
    return region


def parse_pools(items, path="pools") -> list[dict]:
    if not isinstance(items, list) or not items:
        raise ValidationError("must be a non-empty list of pools", field=path)
    pools, keys = [], set()
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise ValidationError("must be an object", field=where)
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
            raise ValidationError("occupied plus out of service exceeds capacity", field=f"{where}.occupied")
        if pool["key"] in keys:
            raise ValidationError("is used twice", field=f"{where}.key")
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
        raise ValidationError("unknown field", field=unknown[0])
    if not fields.get("adults", True) and not fields.get("minors", True):
        raise ValidationError("a shelter admits adults, minors or both", field="adults")
    if partial and "key" in fields:
        raise ValidationError("cannot be changed", field="key")
    return fields


def _organisation(key):
    if key is None:
        return None
    org = db.session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        raise ValidationError(f"unknown organisation {key!r}", field="organisation")
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
            raise Conflict("a shelter with this key exists", field="key")
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
    """Change profile fields; `pools` here changes capacities (matched by key) or adds pools."""
    fields = parse_shelter(data, partial=True)
    with atomic():
        before = describe(shelter)
        _apply(shelter, fields)
        existing = {p.key: p for p in shelter.pools}
        changed = []  # (pool, capacity before): the dated inventory, written once the new pools have ids
        for i, spec in enumerate(fields.get("pools", [])):
            pool = existing.get(spec["key"])
            if pool is None:
                pool = BedPool(**spec)
                shelter.pools.append(pool)
                changed.append((pool, None))
                continue
            if spec["kind"] != pool.kind:
                raise ValidationError("cannot change the kind of an existing pool", field=f"pools[{i}].kind")
            if spec["capacity"] < pool.occupied + pool.out_of_service + pool.held:
                raise ValidationError("is below the places in use", field=f"pools[{i}].capacity")
            if spec["capacity"] != pool.capacity:
                changed.append((pool, pool.capacity))
            pool.capacity, pool.room_size = spec["capacity"], spec["room_size"]
        db.session.flush()
        for pool, before_capacity in changed:
            record_capacity(now, pool, before_capacity, actor)
        audit.record(now, "shelter.update", "shelter", shelter.id, before=before, after=describe(shelter), actor=actor)
    return shelter


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
