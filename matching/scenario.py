"""Reading and validating a scenario into small frozen records; every error names its field."""

import datetime as dt
import math
import re
from dataclasses import dataclass

GENDERS = ("female", "male", "x")
RESIDENCES = ("lawful", "none")
EXPLOITATIONS = ("sexual", "labour", "criminal", "other")
URGENCIES = ("immediate", "tonight", "planned")
THREATS = ("low", "medium", "high")
KINDS = ("bed", "family_room")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
# Counts (free places, room sizes, ages, children) above this are input errors, not shelters: the solvers
# work in 64-bit integers, and a count of 10**20 would overflow them instead of being refused.
MAX_COUNT = 1_000_000


class ScenarioError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Pool:
    id: str
    kind: str
    free: int
    room_size: int


@dataclass(frozen=True)
class Shelter:
    id: str
    lat: float
    lon: float
    region: str
    intake: object  # "24/7" or tuple of (days, from, to)
    genders: frozenset
    adults: bool
    minors: bool
    residence: frozenset
    exploitation: frozenset
    excludes: frozenset
    pools: tuple


@dataclass(frozen=True)
class Person:
    gender: str
    age: int
    residence: str
    exploitation: str | None
    needs: tuple


@dataclass(frozen=True)
class Request:
    id: str
    urgency: str
    lat: float
    lon: float
    region: str
    threat: str
    persons: tuple
    children: int
    apart_from: tuple

    @property
    def size(self) -> int:
        return len(self.persons) + self.children


@dataclass(frozen=True)
class Scenario:
    now: dt.datetime
    high_threat_min_km: float
    shelters: tuple
    requests: tuple


_MISSING = object()


def _get(obj, key, path, kind, *, default=_MISSING):
    if not isinstance(obj, dict):
        raise ScenarioError(path, "must be an object")
    if key not in obj:
        if default is _MISSING:
            raise ScenarioError(f"{path}.{key}" if path else key, "is required")
        return default
    value, where = obj[key], f"{path}.{key}" if path else key
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ScenarioError(where, "must be an integer >= 0")
        if value > MAX_COUNT:
            raise ScenarioError(where, f"must be at most {MAX_COUNT}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(where, "must be a number")
        try:
            value = float(value)
        except OverflowError:  # an integer too large for a float
            raise ScenarioError(where, "must be a finite number") from None
        if not math.isfinite(value):  # Python's json reads NaN and Infinity
            raise ScenarioError(where, "must be a finite number")
    elif kind == "str":
        if not isinstance(value, str) or not value:
            raise ScenarioError(where, "must be a non-empty string")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(where, "must be true or false")
    elif kind == "list":
        if not isinstance(value, list):
            raise ScenarioError(where, "must be a list")
    return value


def _codes(obj, key, path, allowed, *, default=_MISSING):
    values = _get(obj, key, path, "list", default=default)
    if values is default and default is not _MISSING:
        return values
    for i, value in enumerate(values):
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            choice = f"one of {', '.join(allowed)}" if allowed else "a string"
            raise ScenarioError(f"{path}.{key}[{i}]", f"must be {choice}")
    return values


def _choice(obj, key, path, allowed, *, default=_MISSING):
    value = _get(obj, key, path, "str", default=default)
    if value not in allowed:
        raise ScenarioError(f"{path}.{key}", f"must be one of {', '.join(allowed)}")
    return value


def _lat_lon(obj, path):
    lat, lon = _get(obj, "lat", path, "number"), _get(obj, "lon", path, "number")
    if not -90 <= lat <= 90:
        raise ScenarioError(f"{path}.lat", "must be between -90 and 90")
    if not -180 <= lon <= 180:
        raise ScenarioError(f"{path}.lon", "must be between -180 and 180")
    return lat, lon


def _intake(obj, path):
    value = _get(obj, "intake", path, None)
    if value == "24/7":
        return value
    if not isinstance(value, list):
        raise ScenarioError(f"{path}.intake", 'must be "24/7" or a list of windows')
    windows = []
    for i, window in enumerate(value):
        where = f"{path}.intake[{i}]"
        days = _get(window, "days", where, "list")
        if not days or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days):
            raise ScenarioError(f"{where}.days", "must be a non-empty list of ISO weekdays 1..7")
        start, end = _get(window, "from", where, "str"), _get(window, "to", where, "str")
        for key, clock in (("from", start), ("to", end)):
            if not CLOCK.match(clock):
                raise ScenarioError(f"{where}.{key}", "must be HH:MM")
        if start >= end:
            raise ScenarioError(f"{where}.to", "must be later than from")
        windows.append((frozenset(days), start, end))
    return tuple(windows)


def _shelter(obj, path, pool_ids):
    admits = _get(obj, "admits", path, None)
    where = f"{path}.admits"
    if not isinstance(admits, dict):
        raise ScenarioError(where, "must be an object")
    lat, lon = _lat_lon(obj, path)
    pools = []
    for j, p in enumerate(_get(obj, "pools", path, "list")):
        pp = f"{path}.pools[{j}]"
        pool_id = _get(p, "id", pp, "str")
        if pool_id in pool_ids:
            raise ScenarioError(f"{pp}.id", f"pool id {pool_id!r} is used twice")
        pool_ids.add(pool_id)
        kind = _choice(p, "kind", pp, KINDS)
        free = _get(p, "free", pp, "int")
        room_size = _get(p, "room_size", pp, "int") if kind == "family_room" else 0
        if kind == "family_room" and room_size < 1:
            raise ScenarioError(f"{pp}.room_size", "must be an integer >= 1")
        pools.append(Pool(pool_id, kind, free, room_size))
    return Shelter(
        id=_get(obj, "id", path, "str"),
        lat=lat,
        lon=lon,
        region=_get(obj, "region", path, "str"),
        intake=_intake(obj, path),
        genders=frozenset(_codes(admits, "genders", where, GENDERS)),
        adults=_get(admits, "adults", where, "bool"),
        minors=_get(admits, "minors", where, "bool"),
        residence=frozenset(_codes(admits, "residence", where, RESIDENCES)),
        exploitation=frozenset(_codes(admits, "exploitation", where, EXPLOITATIONS, default=list(EXPLOITATIONS))),
        excludes=frozenset(_codes(obj, "excludes", path, None, default=[])),
        pools=tuple(pools),
    )


_GENDERS, _RESIDENCES, _EXPLOITATIONS = frozenset(GENDERS), frozenset(RESIDENCES), frozenset(EXPLOITATIONS)
_ALL_EXPLOITATION = list(EXPLOITATIONS)


def _is_int(v):
    return type(v) is int and 0 <= v <= MAX_COUNT


def _is_num(v):
    return (type(v) is float and math.isfinite(v)) or (type(v) is int and -1000 <= v <= 1000)


def _all_str(values):
    # Checked before any set operation: a list or object among the codes is unhashable.
    return type(values) is list and all(type(v) is str for v in values)


def _shelter_fast(obj, pool_ids):
    """The common, valid shelter without per-field bookkeeping; None sends it to the careful path,
    which finds and names what is wrong. Thousands of shelters per solve make this worth it."""
    try:
        admits, intake, pools_in = obj["admits"], obj["intake"], obj["pools"]
        sid, lat, lon, region = obj["id"], obj["lat"], obj["lon"], obj["region"]
        genders, residence = admits["genders"], admits["residence"]
        exploitation = admits.get("exploitation", _ALL_EXPLOITATION)
        excludes = obj.get("excludes", ())
        adults, minors = admits["adults"], admits["minors"]
    except (KeyError, TypeError, AttributeError):
        return None
    if not (
        type(sid) is str
        and sid
        and type(region) is str
        and region
        and _is_num(lat)
        and _is_num(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
        and type(adults) is bool
        and type(minors) is bool
        and _all_str(genders)
        and _GENDERS.issuperset(genders)
        and _all_str(residence)
        and _RESIDENCES.issuperset(residence)
        and _all_str(exploitation)
        and _EXPLOITATIONS.issuperset(exploitation)
        and type(excludes) in (list, tuple)
        and all(type(x) is str for x in excludes)
        and intake == "24/7"
        and type(pools_in) is list
    ):
        return None
    pools = []
    for p in pools_in:
        if type(p) is not dict or not _is_int(p.get("free")):
            return None
        pid, kind = p.get("id"), p.get("kind")
        if type(pid) is not str or not pid or pid in pool_ids:
            return None
        if kind == "bed":
            pools.append(Pool(pid, "bed", p["free"], 0))
        elif kind == "family_room" and _is_int(p.get("room_size")) and p["room_size"] >= 1:
            pools.append(Pool(pid, kind, p["free"], p["room_size"]))
        else:
            return None
    if len({p.id for p in pools}) != len(pools):
        return None
    pool_ids.update(p.id for p in pools)
    return Shelter(
        id=sid,
        lat=float(lat),
        lon=float(lon),
        region=region,
        intake="24/7",
        genders=frozenset(genders),
        adults=adults,
        minors=minors,
        residence=frozenset(residence),
        exploitation=frozenset(exploitation),
        excludes=frozenset(excludes),
        pools=tuple(pools),
    )


def _request(obj, path):
    found = _get(obj, "found", path, None)
    if not isinstance(found, dict):
        raise ScenarioError(f"{path}.found", "must be an object with lat, lon and region")
    lat, lon = _lat_lon(found, f"{path}.found")
    persons = []
    for j, p in enumerate(_get(obj, "persons", path, "list")):
        pp = f"{path}.persons[{j}]"
        exploitation = (
            _choice(p, "exploitation", pp, EXPLOITATIONS, default=None)
            if isinstance(p, dict) and p.get("exploitation") is not None
            else None
        )
        persons.append(
            Person(
                gender=_choice(p, "gender", pp, GENDERS),
                age=_get(p, "age", pp, "int"),
                residence=_choice(p, "residence", pp, RESIDENCES),
                exploitation=exploitation,
                needs=tuple(_codes(p, "needs", pp, None, default=[])),
            )
        )
    if not persons:
        raise ScenarioError(f"{path}.persons", "must list at least one person")
    apart = _codes(obj, "apart_from", path, None, default=[])
    return Request(
        id=_get(obj, "id", path, "str"),
        urgency=_choice(obj, "urgency", path, URGENCIES),
        lat=lat,
        lon=lon,
        region=_get(found, "region", f"{path}.found", "str"),
        threat=_choice(obj, "threat", path, THREATS),
        persons=tuple(persons),
        children=_get(obj, "children", path, "int", default=0),
        apart_from=tuple(apart),
    )


def validate(data) -> Scenario:
    """A parsed Scenario, or ScenarioError naming the first field that is wrong."""
    if not isinstance(data, dict):
        raise ScenarioError("scenario", "must be a JSON object")
    if data.get("version") != 1:
        raise ScenarioError("version", "must be 1")
    now_text = _get(data, "now", "", "str")
    try:
        now = dt.datetime.fromisoformat(now_text)
    except ValueError:
        raise ScenarioError("now", "must be an ISO 8601 date-time with offset") from None
    if now.tzinfo is None:
        raise ScenarioError("now", "must carry a UTC offset")
    policy = _get(data, "policy", "", None, default={})
    min_km = _get(policy, "high_threat_min_km", "policy", "number", default=50.0) if policy is not None else 50.0
    if min_km < 0:
        raise ScenarioError("policy.high_threat_min_km", "must be >= 0")
    pool_ids, shelter_ids = set(), set()
    shelters = []
    for i, s in enumerate(_get(data, "shelters", "", "list")):
        shelter = (_shelter_fast(s, pool_ids) if isinstance(s, dict) else None) or _shelter(
            s, f"shelters[{i}]", pool_ids
        )
        if shelter.id in shelter_ids:
            raise ScenarioError(f"shelters[{i}].id", f"shelter id {shelter.id!r} is used twice")
        shelter_ids.add(shelter.id)
        shelters.append(shelter)
    requests, request_ids = [], set()
    for i, r in enumerate(_get(data, "requests", "", "list")):
        request = _request(r, f"requests[{i}]")
        if request.id in request_ids:
            raise ScenarioError(f"requests[{i}].id", f"request id {request.id!r} is used twice")
        request_ids.add(request.id)
        requests.append(request)
    for i, request in enumerate(requests):
        for j, other in enumerate(request.apart_from):
            if other not in request_ids:
                raise ScenarioError(f"requests[{i}].apart_from[{j}]", f"names unknown request {other!r}")
            if other == request.id:
                raise ScenarioError(f"requests[{i}].apart_from[{j}]", "names the request itself")
    return Scenario(now=now, high_threat_min_km=min_km, shelters=tuple(shelters), requests=tuple(requests))
