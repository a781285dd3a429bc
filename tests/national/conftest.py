"""The fixed dataset of the national figures' tests (test_demand.py, test_timing.py), computed by hand.

The dataset: November and December 2026, Amsterdam time is UTC+1 throughout (no DST change).
The window is [2026-11-01 00:00 local, 2027-01-01 00:00 local) = [2026-10-31 23:00Z, 2026-12-31 23:00Z).

Requests (R<n>), region, created (UTC, local), what happened:
  R1  Rotterdam  Mon 11-16 09:00Z (10:00, office)   accepted +4, P-b chosen +20 refused no_place 11:00Z,
                 P-e chosen +40 released; cancelled 12:00Z; blocking capacity + contra_indication:active_addiction;
                 1 adult + 1 child (size 2), groups families + no_residence, needs active_addiction
  R2  Rotterdam  Sat 11-21 22:00Z (23:00, after)    never accepted; paged primary x2, backup, national;
                 exhausted 22:30Z (status only, no event); size 1, men
  R3  Den Haag   Mon 11-30 22:00Z (23:00, after)    accepted +8, P-c chosen +20 refused contra_indication
                 23:10Z (= 12-01 00:10 local); cancelled 23:30Z (= December local); purged (persons None),
                 profile_stats men + groups, needs psychiatric_crisis, size 3
  R4  Amsterdam  Fri 12-25 09:00Z (10:00, Christmas: after)  phone request, no profile (size 0); cancelled 10:00Z
  R5  Rotterdam  Mon 11-16 13:00Z (14:00, office)   accepted +10, chosen +30, confirmed +60; status cancelled
                 (inconsistent on purpose: a request with a confirmed placement is never unmet)
  R6  Rotterdam  Fri 11-20 19:00Z (20:00, after)    accepted +3, P-a chosen +10 refused contra_indication 19:40Z,
                 P-a2 chosen +50 confirmed +90; placed
  R7  Rotterdam  Sat 10-31 20:00Z (before window)   cancelled 10-31 22:30Z (23:30 local: October, out of window),
                 blocking capacity + gender, size 1; P-d refused safety 10-31 21:00Z (out of window)
  R10 Amsterdam  Wed 12-02 08:30Z (09:30, office)   accepted +6; cancelled 12-02 09:00Z; blocking capacity + gender;
                 no profile_stats (from before they existed): derived from persons = 1 adult man, active_addiction
  R11 Rotterdam  Sat 11-21 02:00Z (03:00, after)    accepted +7, chosen +25, confirmed +45; paged primary, backup
  R12 Rotterdam  Sun 11-15 12:00Z (13:00, after)    accepted +12, chosen +40, confirmed +100;
                 paged primary, backup skipped (nobody on duty), paged national
  R13 Rotterdam  Fri 11-13 22:00Z (23:00, after)    accepted +40, still open
  R14 Den Haag   Tue 11-17 08:00Z (09:00, office)   accepted +15.5, open
  R15 Den Haag   Tue 11-17 18:00Z (19:00: office by Den Haag's own hours 08:00-20:00, after by the default)
                 accepted +2.5, open
  R16 Amsterdam  Fri 12-25 10:00Z (11:00, Christmas: after)  accepted +1, chosen +5, confirmed +30; placed
  R17 Amsterdam  Fri 12-25 20:00Z (21:00, after)    paged primary, national; exhausted event +30; accepted late +70

Empty searches: E1 11-21 23:00Z Rotterdam men; E2 11-21 23:05Z no region families + no_residence;
E3 12-25 10:00Z Amsterdam men; E4 10-20 (out of window) Rotterdam minors.
"""

import datetime as dt

import pytest

from extensions import db

UTC = dt.UTC
SINCE = dt.datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # 2026-11-01 00:00 local
UNTIL = dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 2027-01-01 00:00 local
MAN = {"gender": "male", "age": 35, "residence": "lawful", "exploitation": "labour", "needs": ["active_addiction"]}


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def plus(moment, minutes):
    return moment + dt.timedelta(minutes=minutes)


@pytest.fixture
def dataset(registry, users):
    """The fixed dataset above, built directly with the models. Returns {"regions", "requests"}."""
    from beds.models import EmptySearch, Hold
    from piket.models import Case, Placement, PlacementRequest, RequestEvent
    from piket.rotas.models import RegionHours

    regions, shelters = registry["regions"], registry["shelters"]
    coordinator = users["coordinator"]
    pool = shelters["dh-nood"].pools[0]
    db.session.add(
        RegionHours(
            region_id=regions["den-haag"].id, windows=[{"days": [1, 2, 3, 4, 5], "from": "08:00", "to": "20:00"}]
        )
    )
    requests = {}

    def request(
        name,
        region,
        created,
        status,
        size=1,
        children=0,
        persons=None,
        stats=None,
        blocking=None,
        accepted=None,
        closed=None,
    ):
        case = Case(
            created_at=created,
            created_by_id=users["police"].id,
            case_reference=f"REF-{name}",
            callback_phone="+31612345678",
            requester_org="police",
            region=regions[region],
            found_lat=regions[region].lat,
            found_lon=regions[region].lon,
            source="web",
        )
        row = PlacementRequest(
            case=case,
            short_code=name,
            status=status,
            created_at=created,
            urgency="immediate",
            threat="low",
            persons=persons,
            children=children,
            size=size,
            profile_stats=stats,
            apart_from=[],
            blocking_reasons=blocking,
            accepted_at=None if accepted is None else plus(created, accepted),
            accepted_by_id=None if accepted is None else coordinator.id,
            closed_at=closed,
        )
        db.session.add(row)
        db.session.flush()
        requests[name] = row
        return row

    def placement(row, chosen, status, decided=None, reason=None):
        created = plus(row.created_at, chosen)
        hold = Hold(
            pool_id=pool.id,
            places=1,
            created_at=created,
            expires_at=plus(created, 90),
            status={"confirmed": "confirmed", "refused": "released"}.get(status, "released"),
            ended_at=decided,
            reason=reason,
        )
        db.session.add(hold)
        db.session.flush()
        db.session.add(
            Placement(
                request_id=row.id,
                shelter_id=pool.shelter_id,
                pool_id=pool.id,
                hold_id=hold.id,
                status=status,
                distance_km=3.0,
                chosen_by_id=coordinator.id,
                chosen_at=created,
                decided_by_id=coordinator.id if decided else None,
                decided_at=decided,
                refusal_reason=reason,
            )
        )

    def events(row, *steps):
        for minute, kind, level in steps:
            db.session.add(
                RequestEvent(
                    request_id=row.id,
                    at=plus(row.created_at, minute),
                    kind=kind,
                    detail={"level": level} if level else None,
                )
            )

    r1 = request(
        "R1",
        "rotterdam",
        at(11, 16, 9),
        "cancelled",
        size=2,
        children=1,
        accepted=4,
        closed=at(11, 16, 12),
        stats={"groups": ["families", "no_residence"], "needs": ["active_addiction"]},
        blocking={"capacity": 3, "contra_indication:active_addiction": 2},
    )
    placement(r1, 20, "refused", at(11, 16, 11), "no_place")  # P-b
    placement(r1, 40, "released", at(11, 16, 9, 50))  # P-e: a later choice; the first chosen stays +20
    r2 = request(
        "R2",
        "rotterdam",
        at(11, 21, 22),
        "exhausted",
        closed=at(11, 21, 22, 30),
        stats={"groups": ["men"], "needs": []},
    )
    events(r2, (0, "paged", "primary"), (5, "paged", "primary"), (10, "paged", "backup"), (20, "paged", "national"))
    r3 = request(
        "R3",
        "den-haag",
        at(11, 30, 22),
        "cancelled",
        size=3,
        accepted=8,
        closed=at(11, 30, 23, 30),
        stats={"groups": ["groups", "men"], "needs": ["psychiatric_crisis"]},
    )
    placement(r3, 20, "refused", at(11, 30, 23, 10), "contra_indication")  # P-c: December local
    request("R4", "amsterdam", at(12, 25, 9), "cancelled", size=0, persons=[], closed=at(12, 25, 10))
    r5 = request(
        "R5",
        "rotterdam",
        at(11, 16, 13),
        "cancelled",
        accepted=10,
        closed=at(11, 16, 15),
        stats={"groups": ["men"], "needs": []},
        blocking={"capacity": 1},
    )
    placement(r5, 30, "confirmed", plus(r5.created_at, 60))
    r6 = request(
        "R6",
        "rotterdam",
        at(11, 20, 19),
        "placed",
        accepted=3,
        closed=plus(at(11, 20, 19), 90),
        stats={"groups": ["men"], "needs": []},
    )
    placement(r6, 10, "refused", at(11, 20, 19, 40), "contra_indication")  # P-a
    placement(r6, 50, "confirmed", plus(r6.created_at, 90))  # P-a2
    events(r6, (0, "paged", "primary"))
    r7 = request(
        "R7",
        "rotterdam",
        at(10, 31, 20),
        "cancelled",
        accepted=5,
        closed=at(10, 31, 22, 30),
        stats={"groups": ["men"], "needs": []},
        blocking={"capacity": 1, "gender": 2},
    )
    placement(r7, 30, "refused", at(10, 31, 21), "safety")  # P-d: before the window
    request(
        "R10",
        "amsterdam",
        at(12, 2, 8, 30),
        "cancelled",
        accepted=6,
        closed=at(12, 2, 9),
        persons=[MAN],
        blocking={"capacity": 2, "gender": 1},
    )
    r11 = request("R11", "rotterdam", at(11, 21, 2), "placed", accepted=7, closed=plus(at(11, 21, 2), 45))
    placement(r11, 25, "confirmed", plus(r11.created_at, 45))
    events(r11, (0, "paged", "primary"), (10, "paged", "backup"))
    r12 = request("R12", "rotterdam", at(11, 15, 12), "placed", accepted=12, closed=plus(at(11, 15, 12), 100))
    placement(r12, 40, "confirmed", plus(r12.created_at, 100))
    events(r12, (0, "paged", "primary"), (10, "step_skipped", "backup"), (20, "paged", "national"))
    request("R13", "rotterdam", at(11, 13, 22), "accepted", accepted=40)
    r14 = request("R14", "den-haag", at(11, 17, 8), "accepted")
    r14.accepted_at = r14.created_at + dt.timedelta(minutes=15, seconds=30)
    r15 = request("R15", "den-haag", at(11, 17, 18), "accepted")
    r15.accepted_at = r15.created_at + dt.timedelta(minutes=2, seconds=30)
    r16 = request("R16", "amsterdam", at(12, 25, 10), "placed", accepted=1, closed=plus(at(12, 25, 10), 30))
    placement(r16, 5, "confirmed", plus(r16.created_at, 30))
    r17 = request("R17", "amsterdam", at(12, 25, 20), "accepted", accepted=70)
    events(r17, (0, "paged", "primary"), (20, "paged", "national"), (30, "exhausted", None))

    for key, moment, region, groups in [
        ("E1", at(11, 21, 23), "rotterdam", ["men"]),
        ("E2", at(11, 21, 23, 5), None, ["families", "no_residence"]),
        ("E3", at(12, 25, 10), "amsterdam", ["men"]),
        ("E4", at(10, 20, 12), "rotterdam", ["minors"]),
    ]:
        db.session.add(
            EmptySearch(
                at=moment,
                region_id=regions[region].id if region else None,
                role="police",
                target_groups=groups,
                needs=[],
                dedupe_key=key,
            )
        )
    db.session.commit()
    return {"regions": regions, "requests": requests}
