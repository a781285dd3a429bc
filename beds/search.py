"""National availability search: which shelters fit a person profile, nearest first.

Eligibility is the matcher's own (one definition of the rules); this module adds what a
person looking for a bed needs beside it: free places per pool, freshness, intake open now.
"""

import datetime as dt
import functools
import hashlib
import json
from collections import Counter, namedtuple

from sqlalchemy import DateTime, Text, cast, select, type_coerce
from sqlalchemy.exc import IntegrityError

import matching
import validation as v
import vocabulary
from beds import service
from beds.models import BedPool, EmptySearch, Region, Shelter
from beds.registry import region_by_code
from extensions import db
from timeutil import intake_open
from transactions import atomic


def _repeated(args, key):
    """A field given more than once (the page's checkboxes: needs=a&needs=b) as the one comma-separated value
    validation.choices reads; a MultiDict's get would give the first only."""
    given = args.getlist(key) if hasattr(args, "getlist") else []
    return {key: ",".join(given)} if len(given) > 1 else args


def parse_filters(args) -> dict:
    """Search filters from a query string (API) or form (page); every field optional."""
    f = {
        "region": v.text(args, "region", max_length=60, default=None) or None,
        "types": v.choices(args, "type", vocabulary.SHELTER_TYPES, default=[]),
        "near": v.text(args, "near", max_length=60, default=None) or None,
        "gender": v.choice(args, "gender", vocabulary.GENDERS, default=None) if args.get("gender") else None,
        "age": v.integer(args, "age", within=v.AGE, default=None) if args.get("age") not in (None, "") else None,
        "residence": v.choice(args, "residence", vocabulary.PERSON_RESIDENCE, default=None)
        if args.get("residence")
        else None,
        # exploitation "unknown" is not given, as the matcher reads it (vocabulary.PERSON_EXPLOITATION)
        "exploitation": v.choice(args, "exploitation", vocabulary.PERSON_EXPLOITATION, default=None)
        if args.get("exploitation") not in (None, "", vocabulary.UNKNOWN)
        else None,
        "needs": v.choices(_repeated(args, "needs"), "needs", vocabulary.CONTRA_INDICATIONS, default=[]),
        "children": v.integer(args, "children", within=v.CHILDREN, default=0)
        if args.get("children") not in (None, "")
        else 0,
        "only_free": v.boolean(args, "only_free", default=False) if args.get("only_free") not in (None, "") else False,
    }
    if f["region"]:
        region_by_code(f["region"], field="region")
    return f  # an unknown "near" is refused by search(), which looks that region up anyway


def _residences(code) -> tuple:
    """Residence unknown fits only a shelter that admits both, as in the matcher (vocabulary.PERSON_RESIDENCE)."""
    return tuple(vocabulary.RESIDENCE) if code == vocabulary.UNKNOWN else (code,)


def _failure(shelter, f) -> str | None:
    """The first admission rule the shelter fails, as the matcher's reason code in the contract's order
    (gender, age, residence, exploitation, contra_indication:<need>), or None when it admits the profile.
    Any trait left open in the filters matches anything."""
    if f["gender"] is not None and f["gender"] not in shelter.genders:
        return "gender"
    if f["age"] is not None and not (shelter.minors if f["age"] < 18 else shelter.adults):
        return "age"
    if f["residence"] is not None and not set(_residences(f["residence"])) <= set(shelter.residence):
        return "residence"
    if f["exploitation"] is not None and f["exploitation"] not in shelter.exploitation:
        return "exploitation"
    excluded = [need for need in f["needs"] if need in (shelter.excludes or [])]
    return f"contra_indication:{excluded[0]}" if excluded else None


# A search reads every active shelter and its pools. As mapped objects that cost most of the request
# (hundreds of instances, five JSON cells per shelter decoded one by one), so it reads plain rows in
# one query (a shelter's columns repeat on each of its pools' rows), the JSON cells as text, and
# decodes each distinct text once (they repeat: ["female"], "24/7").
_JSON_COLUMNS = ("intake", "genders", "residence", "exploitation", "excludes")
_SHELTER_COLUMNS = (
    Shelter.id,
    Shelter.key,
    Shelter.name,
    Shelter.type,
    Shelter.municipality,
    Shelter.lat,
    Shelter.lon,
    Shelter.adults,
    Shelter.minors,
    Shelter.intake_phone,
    Region.code.label("region_code"),
    Region.name.label("region_name"),
    *(cast(getattr(Shelter, c), Text).label(c) for c in _JSON_COLUMNS),
)
_POOL_FIELDS = ("id", "key", "kind", "room_size", "capacity", "out_of_service", "occupied", "held", "confirmed_at")
# confirmed_at is read as stored (naive UTC) and made aware once per shelter in _search: converting every
# pool's value as the column type does put SQLAlchemy on its slower row path, a quarter of the read.
_POOL_COLUMNS = tuple(
    (type_coerce(BedPool.confirmed_at, DateTime) if c == "confirmed_at" else getattr(BedPool, c)).label(f"pool_{c}")
    for c in _POOL_FIELDS
)
_SHELTER_KEYS = tuple(c.key for c in _SHELTER_COLUMNS)


@functools.lru_cache(maxsize=4096)
def _json(text):
    """Decoded once per distinct text; callers only read the value, never change it."""
    return None if text is None else json.loads(text)


_PLAIN_KEYS = _SHELTER_KEYS[: -len(_JSON_COLUMNS)]  # the JSON cells come last
ShelterRow = namedtuple("ShelterRow", (*_SHELTER_KEYS, "pools"))
Pool = namedtuple("Pool", _POOL_FIELDS)
# Built once: most searches filter on neither region nor type, and building the statement (and its
# cache key) again for every search cost as much as reading the rows.
_ACTIVE_SHELTERS_AND_POOLS = (
    select(*_SHELTER_COLUMNS, *_POOL_COLUMNS)
    .select_from(Shelter)
    .join(Region, Shelter.region_id == Region.id)
    .outerjoin(BedPool, BedPool.shelter_id == Shelter.id)
    .where(Shelter.active.is_(True))
    .order_by(Shelter.id, BedPool.id)
)


def _shelters(f, refused=None) -> list:
    """The active shelters that admit the profile (ShelterRow), each with .pools (in pool id order).
    `refused` (a Counter), when given, counts the others by the first rule they fail."""
    query = _ACTIVE_SHELTERS_AND_POOLS
    if f["region"]:
        query = query.where(Region.code == f["region"])
    if f["types"]:
        query = query.where(Shelter.type.in_(f["types"]))
    shelters, shelter, fits, plain, width = [], None, False, len(_PLAIN_KEYS), len(_SHELTER_KEYS)
    for row in db.session.connection().execute(query).all():  # plain rows: no ORM step needed
        if shelter is None or row[0] != shelter.id:
            shelter = ShelterRow(*row[:plain], *map(_json, row[plain:width]), [])
            failure = _failure(shelter, f)
            fits = failure is None
            if fits:
                shelters.append(shelter)
            elif refused is not None:
                refused[failure] += 1
        if fits and row.pool_id is not None:
            shelter.pools.append(Pool._make(row[width:]))
    return shelters


def search(now, f, cfg) -> list[dict]:
    return _search(now, f, cfg)


def search_explained(now, f, cfg) -> tuple[list[dict], list[dict]]:
    """The results and, when none has a free fitting place, why: the shelters in scope (region and
    kind filters) counted by the reason they give none, most first, labelled as the case page labels
    the matcher's reasons ({"reason", "label", "shelters"}); [] when a place was found."""
    refused = Counter()
    results = _search(now, f, cfg, refused)
    if any(r["free_fitting"] > 0 for r in results):
        return results, []
    for r in results:  # they admit the profile but have no free place that fits
        refused[_no_place(r["pools"])] += 1
    return results, [
        {"reason": code, "label": vocabulary.reason_label(code), "shelters": n}
        for code, n in sorted(refused.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _no_place(pools) -> str:
    """Why an admitting shelter has no place: full (capacity), or no pool that can hold the request (pool_fit)."""
    return "capacity" if any(p["fits"] for p in pools) else "pool_fit"


# The pools' labels and the distances, looked up rather than computed again for every shelter of every search.
_POOL_LABELS = {kind: vocabulary.label(vocabulary.POOL_KINDS, kind) for kind in vocabulary.POOL_KINDS}
_distance_km = functools.lru_cache(maxsize=16384)(matching.distance_km)


def _search(now, f, cfg, refused=None) -> list[dict]:
    origin = region_by_code(f["near"], field="near") if f["near"] else None
    here = None if origin is None else (origin.lat, origin.lon)  # read once: mapped attributes cost on every read
    shelters = _shelters(f, refused)
    children, fresh, stale = f["children"], cfg["FRESH_HOURS"], cfg["STALE_HOURS"]
    results = []
    for shelter in shelters:
        pools, free_fitting = [], 0
        for p in shelter.pools:
            free = max(p.capacity - p.out_of_service - p.occupied - p.held, 0)  # BedPool.free
            fits = matching.pool_fits(p.kind, p.room_size, size=1 + children, children=children)
            free_fitting += free if fits else 0
            pools.append(
                {
                    "id": p.id,
                    "key": p.key,
                    "kind": p.kind,
                    "label": _POOL_LABELS.get(p.kind, p.kind),
                    "room_size": p.room_size,
                    "capacity": p.capacity,
                    "free": free,
                    "fits": fits,
                }
            )
        if f["only_free"] and not free_fitting:
            if refused is not None:
                refused[_no_place(pools)] += 1
            continue
        confirmed = service.last_confirmed(shelter)  # naive UTC here (_POOL_COLUMNS)
        confirmed = confirmed and confirmed.replace(tzinfo=dt.UTC)
        results.append(
            {
                "id": shelter.id,
                "key": shelter.key,
                "name": shelter.name,
                "type": shelter.type,
                "region": shelter.region_code,
                "region_name": shelter.region_name,
                "municipality": shelter.municipality,
                "distance_km": None if here is None else round(_distance_km(*here, shelter.lat, shelter.lon), 1),
                "pools": pools,
                "free_fitting": free_fitting,
                "confirmed_at": confirmed.isoformat() if confirmed else None,
                "freshness": service.freshness(confirmed, now, fresh, stale),
                "intake_open_now": intake_open(shelter.intake, now),
                "intake_phone": shelter.intake_phone,
                "excludes": list(shelter.excludes or []),
            }
        )
    # Nearest first when a place is given; otherwise the most free places first.
    results.sort(
        key=lambda r: (r["distance_km"] if r["distance_km"] is not None else 0, -r["free_fitting"], r["name"], r["id"])
    )
    return results


def _for_someone(f) -> bool:
    return bool(
        f.get("gender") or f.get("age") is not None or f.get("residence") or f.get("needs") or f.get("children")
    )


def record_empty(now, filters, results, user) -> bool:
    """Count a search that found no free fitting place as unmet demand (beds.models.EmptySearch).
    Only a search for someone (a profile field filled in) is demand; without one it is browsing.
    The same searcher repeating the same search within the same UTC hour counts once.
    Returns whether a row was written. Owns its transaction."""
    if not _for_someone(filters):
        return False
    if any(r["free_fitting"] > 0 for r in results):
        return False
    code = filters.get("near") or filters.get("region")
    region = region_by_code(code) if code else None
    person = {"gender": filters.get("gender"), "age": filters.get("age"), "residence": filters.get("residence")}
    canonical = {k: sorted(val) if isinstance(val, list) else val for k, val in filters.items()}
    hour = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    key = hashlib.sha256(json.dumps([getattr(user, "id", None), canonical, hour], sort_keys=True).encode()).hexdigest()
    try:
        with atomic():
            if db.session.scalar(select(EmptySearch.id).where(EmptySearch.dedupe_key == key)) is not None:
                return False
            db.session.add(
                EmptySearch(
                    at=now,
                    region_id=region.id if region else None,
                    role=getattr(user, "role", "") or "",
                    target_groups=vocabulary.target_groups([person], filters.get("children") or 0),
                    needs=sorted(filters.get("needs") or []),
                    dedupe_key=key,
                )
            )
    except IntegrityError:
        return False  # the same search, submitted twice at once: the other one counted it
    return True
