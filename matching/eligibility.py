"""The hard rules 1-7 of the contract, pool fit, and great-circle distance.

Rules are checked per request against all shelters at once with numpy where it pays (distance,
the region and safety test); the admission rules are set look-ups on a few distinct profiles.
"""
import math
from zoneinfo import ZoneInfo

import numpy as np

EARTH_RADIUS_KM = 6371.0
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
RULES = ("gender", "age", "residence", "exploitation", "contra_indication", "intake_closed", "safety_distance")


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


def fitting_pools(shelter, request) -> list:
    """Pools whose kind and room size can hold the request as a whole (free not considered)."""
    if request.children > 0:
        return [p for p in shelter.pools if p.kind == "family_room" and p.room_size >= request.size]
    return [p for p in shelter.pools if p.kind == "bed"]


def need(pool, request) -> int:
    """Places a request takes in a pool: its size in beds, or one room."""
    return 1 if pool.kind == "family_room" else request.size


class Eligibility:
    """For every request: each shelter's failing rules, distances, and the candidate pools."""

    def __init__(self, scenario):
        self.scenario = scenario
        shelters = scenario.shelters
        self.lats = np.array([s.lat for s in shelters], dtype=float)
        self.lons = np.array([s.lon for s in shelters], dtype=float)
        self.open_now = [intake_open(s.intake, scenario.now) for s in shelters]
        self.distances = {}
        self.failures = {}
        for request in scenario.requests:
            dist = distances_km(request.lat, request.lon, self.lats, self.lons) if shelters else np.zeros(0)
            self.distances[request.id] = dist
            self.failures[request.id] = [failing_rules(s, request, self.open_now[i], float(dist[i]), scenario.high_threat_min_km)
                                         for i, s in enumerate(shelters)]

    def candidates(self, request):
        """(shelter index, pool, distance) for eligible shelters' fitting pools with room, nearest first."""
        out = []
        dist = self.distances[request.id]
        for i, (shelter, failed) in enumerate(zip(self.scenario.shelters, self.failures[request.id])):
            if failed:
                continue
            for pool in fitting_pools(shelter, request):
                if pool.free >= need(pool, request):
                    out.append((i, pool, float(dist[i])))
        out.sort(key=lambda c: (c[2], c[1].id))
        return out

    def reason(self, request, index) -> str | None:
        """The first failing rule, or pool_fit when no pool can hold the request; None when it fits."""
        failed = self.failures[request.id][index]
        if failed:
            return failed[0]
        if not fitting_pools(self.scenario.shelters[index], request):
            return "pool_fit"
        return None
