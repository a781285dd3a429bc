"""The hard rules 1-7 of the contract, pool fit, and great-circle distance.

Rules are checked per request against all shelters at once with numpy where it pays (distance,
the region and safety test); the admission rules are set look-ups on a few distinct profiles.
"""

import math
from zoneinfo import ZoneInfo

import numpy as np

EARTH_RADIUS_KM = 6371.0
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine), as the contract defines it."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distances_km(lat, lon, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def intake_open(intake, now) -> bool:
    if intake == "24/7":
        return True
    here = now.astimezone(AMSTERDAM)
    clock = here.strftime("%H:%M")
    return any(here.isoweekday() in days and start <= clock < end for days, start, end in intake)


def failing_rules(shelter, request, open_now: bool, distance: float, min_km: float) -> list[str]:
    """Every rule the shelter fails for the request, in the contract's order (first = the reason)."""
    failed = []
    persons = request.persons
    if any(p.gender not in shelter.genders for p in persons):
        failed.append("gender")
    if any(not (shelter.minors if p.age < 18 else shelter.adults) for p in persons):
        failed.append("age")
    if any(p.residence not in shelter.residence for p in persons):
        failed.append("residence")
    if any(p.exploitation is not None and p.exploitation not in shelter.exploitation for p in persons):
        failed.append("exploitation")
    seen = set()
    for p in persons:
        for need in p.needs:
            if need in shelter.excludes and need not in seen:
                seen.add(need)
                failed.append(f"contra_indication:{need}")
    if request.urgency == "immediate" and not open_now:
        failed.append("intake_closed")
    if request.threat == "high" and (shelter.region == request.region or distance < min_km):
        failed.append("safety_distance")
    return failed


def pool_fits(kind, room_size, *, size, children) -> bool:
    """Whether a pool's kind and room size can hold a request of `size` persons, `children` of them
    children, as a whole (free places not considered): with children one family room big enough,
    without them beds."""
    return (kind == "family_room" and (room_size or 0) >= size) if children else kind == "bed"


def fitting_pools(shelter, request) -> list:
    """Pools whose kind and room size can hold the request as a whole (free not considered)."""
    return [p for p in shelter.pools if pool_fits(p.kind, p.room_size, size=request.size, children=request.children)]


def need(pool, request) -> int:
    """Places a request takes in a pool: its size in beds, or one room."""
    return 1 if pool.kind == "family_room" else request.size


class Eligibility:
    """For every request: each shelter's first failing rule, distances, and the candidate pools.

    Shelter traits are columns of boolean arrays, so one request is checked against thousands
    of shelters in a few vector operations; the reason codes follow the contract's rule order."""

    def __init__(self, scenario):
        self.scenario = scenario
        shelters = scenario.shelters
        self.lats = np.array([s.lat for s in shelters], dtype=float)
        self.lons = np.array([s.lon for s in shelters], dtype=float)
        open_by_hours = {}  # most shelters share a handful of intake schedules
        self.open_now = np.array(
            [
                open_by_hours[s.intake]
                if s.intake in open_by_hours
                else open_by_hours.setdefault(s.intake, intake_open(s.intake, scenario.now))
                for s in shelters
            ],
            dtype=bool,
        )
        self.regions = np.array([s.region for s in shelters], dtype=object)
        self.adults = np.array([s.adults for s in shelters], dtype=bool)
        self.minors = np.array([s.minors for s in shelters], dtype=bool)
        self._sets = {
            "genders": [s.genders for s in shelters],
            "residence": [s.residence for s in shelters],
            "exploitation": [s.exploitation for s in shelters],
            "excludes": [s.excludes for s in shelters],
        }
        self._columns = {}
        self.has_bed = np.array([any(p.kind == "bed" for p in s.pools) for s in shelters], dtype=bool)
        self.max_room = np.array(
            [max((p.room_size for p in s.pools if p.kind == "family_room"), default=0) for s in shelters], dtype=int
        )
        self.distances, self.reasons = {}, {}
        for request in scenario.requests:
            self.distances[request.id] = distances_km(request.lat, request.lon, self.lats, self.lons)
            self.reasons[request.id] = self._first_failures(request)

    def _admits(self, trait, value) -> np.ndarray:
        """Shelters whose `trait` set holds `value`, cached per (trait, value)."""
        key = (trait, value)
        if key not in self._columns:
            self._columns[key] = np.fromiter(
                (value in s for s in self._sets[trait]), dtype=bool, count=len(self._sets[trait])
            )
        return self._columns[key]

    def _first_failures(self, request) -> np.ndarray:
        """Per shelter: the first failing rule's code, "pool_fit", or "" when the request fits."""
        n = len(self.scenario.shelters)
        reason = np.full(n, "", dtype=object)
        undecided = np.ones(n, dtype=bool)

        def fail(mask, code):
            hit = undecided & mask
            reason[hit] = code
            undecided[hit] = False

        def every(mask_of):  # a rule holds for the request when it holds for every person
            ok = np.ones(n, dtype=bool)
            for p in request.persons:
                ok &= mask_of(p)
            return ok

        fail(~every(lambda p: self._admits("genders", p.gender)), "gender")
        fail(~every(lambda p: self.minors if p.age < 18 else self.adults), "age")
        fail(~every(lambda p: self._admits("residence", p.residence)), "residence")
        fail(
            ~every(lambda p: True if p.exploitation is None else self._admits("exploitation", p.exploitation)),
            "exploitation",
        )
        seen = []
        for p in request.persons:
            for need_code in p.needs:
                if need_code not in seen:
                    seen.append(need_code)
                    fail(self._admits("excludes", need_code), f"contra_indication:{need_code}")
        if request.urgency == "immediate":
            fail(~self.open_now, "intake_closed")
        if request.threat == "high":
            fail(
                (self.regions == request.region) | (self.distances[request.id] < self.scenario.high_threat_min_km),
                "safety_distance",
            )
        fits = self.max_room >= request.size if request.children > 0 else self.has_bed
        fail(~fits, "pool_fit")
        return reason

    def candidates(self, request):
        """(shelter index, pool, distance) for eligible shelters' fitting pools with room, nearest first."""
        out = []
        dist = self.distances[request.id]
        shelters = self.scenario.shelters
        for i in np.flatnonzero(self.reasons[request.id] == ""):
            for pool in fitting_pools(shelters[i], request):
                if pool.free >= need(pool, request):
                    out.append((int(i), pool, float(dist[i])))
        out.sort(key=lambda c: (c[2], c[1].id))
        return out

    def reason(self, request, index) -> str | None:
        """The first failing rule, or pool_fit when no pool can hold the request; None when it fits."""
        return self.reasons[request.id][index] or None

    def reason_counts(self, request) -> dict:
        """Unplaced reasons over all shelters; eligible shelters with fitting pools count as capacity."""
        codes, counts = np.unique(self.reasons[request.id].astype(str), return_counts=True)
        out = {("capacity" if c == "" else c): int(k) for c, k in zip(codes, counts, strict=True)}
        return dict(sorted(out.items()))

    def failures(self, request, index) -> list[str]:
        """Every rule the shelter fails (for waivers), in the contract's order."""
        return failing_rules(
            self.scenario.shelters[index],
            request,
            bool(self.open_now[index]),
            float(self.distances[request.id][index]),
            self.scenario.high_threat_min_km,
        )
