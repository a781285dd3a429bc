"""Would a page go to nobody? The paging checks behind `flask --app app doctor` and the rota page's warning.

A page goes to nobody when a step of a region's ladder finds nobody on duty at its level (a gap in the
rota, no rota at all, no coordinator for the office-hours queue), when the person on duty has no
verified phone, or when an alarm meant for the admins or a rota's planner has no verified phone to go to.
Read-only: it only looks at the rotas, ladders and accounts as they stand.
"""

import datetime as dt
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import select

import formatting
from accounts.models import User
from accounts.phones import is_verified
from accounts.roles import Role
from beds.models import Region
from extensions import db
from piket import escalation
from piket.rotas import schedule
from piket.rotas import service as rotas
from piket.rotas.models import Rota

HOURS = 24  # how far ahead the checks look


class Severity(StrEnum):
    PROBLEM = "fout"  # a page or an alarm would reach nobody
    WARNING = "let op"  # works, but not as it should in production


class Finding(NamedTuple):
    severity: Severity
    subject: str  # what it is about: a region, "alarmen", "worker", ...
    message: str  # Dutch, for the rota page and the doctor alike
    region_id: int | None = None  # the region it is about; None: national, or the whole installation


Interval = tuple[dt.datetime, dt.datetime]


def _minus(pieces: list[Interval], holes: list[Interval]) -> list[Interval]:
    for a, b in holes:
        pieces = [p for lo, hi in pieces for p in ((lo, min(hi, a)), (max(lo, b), hi)) if p[0] < p[1]]
    return pieces


def _within(pieces: list[Interval], frame: list[Interval]) -> list[Interval]:
    return [(max(lo, a), min(hi, b)) for lo, hi in pieces for a, b in frame if max(lo, a) < min(hi, b)]


def _span(pieces: list[Interval]) -> str:
    lo, hi = pieces[0]
    more = f" (en nog {len(pieces) - 1} keer)" if len(pieces) > 1 else ""
    return f"van {formatting.when(lo)} tot {formatting.when(hi)}{more}"


class _Lookups:
    """What paging_findings asks again and again across 30 regions, two modes and three levels (the same
    national rota, the same back-up region, the same people), read once per call: the rota list page
    runs it on every view."""

    def __init__(self, now, end):
        self.now, self.end = now, end
        self._rotas = {(r.region_id, r.level): r for r in db.session.scalars(select(Rota))}
        self._plans: dict[int, list] = {}
        self._users: dict[int, object] = {}

    def rota(self, region_id, level) -> Rota | None:
        return self._rotas.get((None if level == "national" else region_id, level))

    def plan(self, rota) -> list:
        if rota.id not in self._plans:
            self._plans[rota.id] = rotas.plan(rota, self.now, self.end)
        return self._plans[rota.id]

    def covered(self, rota) -> list[Interval]:
        return [(s.start, s.end) for s in self.plan(rota) if s.user_id is not None] if rota else []

    def users(self, ids) -> list:
        missing = {i for i in ids if i not in self._users}
        self._users.update(rotas.users_by_id(missing))
        return [self._users[i] for i in ids if i in self._users]


def visible_to(user, findings: list[Finding]) -> list[Finding]:
    """A coordinator sees what concerns their regions and the whole country; the others everything."""
    if user.role != Role.COORDINATOR:
        return findings
    return [f for f in findings if f.region_id is None or f.region_id in user.region_ids]


def paging_findings(now, *, hours: int = HOURS) -> list[Finding]:
    """Every way a page or an alarm in the next `hours` would reach nobody, region by region."""
    end = now + dt.timedelta(hours=hours)
    findings: list[Finding] = []
    told: set = set()  # the national rota and a person are reported once, not once per region
    regions = db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.name)).all()
    lookups = _Lookups(now, end)
    if not regions:
        findings.append(Finding(Severity.PROBLEM, "regio's", "Er is geen zorgregio: een aanvraag kan nergens heen."))
    for region in regions:
        policy = escalation.policy_for(region.id)
        office = schedule.office_intervals(rotas.office_hours(region.id), now, end, rotas.office_exceptions(region.id))
        modes = {
            "office": (office, (policy.office_hours if policy else None) or escalation.OFFICE_HOURS),
            "after_hours": (
                _minus([(now, end)], office),
                (policy.after_hours if policy else None) or escalation.AFTER_HOURS,
            ),
        }
        for mode, (frame, steps) in modes.items():
            if not frame:
                continue
            for level in dict.fromkeys(s["level"] for s in steps if s["level"] != "exhausted"):
                findings += _level_findings(lookups, region, policy, mode, level, frame, told)
    findings += _alarm_findings(told)
    return findings


def _level_findings(lookups, region, policy, mode, level, frame, told) -> list[Finding]:
    when = "tijdens kantooruren" if mode == "office" else "buiten kantooruren"
    if level == "region":
        if any(p.active and is_verified(p) for p in escalation.region_coordinators(region.id)):
            return []
        return [
            Finding(
                Severity.PROBLEM,
                region.name,
                f"Een oproep aan de regio {when} ({_span(frame)}) gaat naar niemand: "
                "geen actieve zorgcoördinator van de regio met een geverifieerd telefoonnummer.",
                region.id,
            )
        ]
    rota = lookups.rota(region.id, level)
    subject, where = ("landelijk", None) if level == "national" else (region.name, region.id)
    if rota is None:
        key = ("missing", "national" if level == "national" else region.id, level)
        if key in told:
            return []
        told.add(key)
        name = "Piket nationaal" if level == "national" else f"Piket {rotas.LEVEL_LABELS[level]} {region.name}"
        return [
            Finding(
                Severity.PROBLEM,
                subject,
                f"{name} bestaat niet: de oproepen op die stap van de ladder gaan naar niemand.",
                where,
            )
        ]
    out = []
    holes = _minus(frame, lookups.covered(rota))
    if holes and level == "backup" and policy and policy.backup_region_id:
        holes = _minus(holes, lookups.covered(lookups.rota(policy.backup_region_id, "primary")))
    if holes and ("gap", rota.id, mode) not in told:
        told.add(("gap", rota.id, mode))
        out.append(
            Finding(
                Severity.PROBLEM,
                subject,
                f"{rotas.title(rota)} heeft niemand ingeroosterd {_span(holes)}: die oproepen gaan naar niemand.",
                where,
            )
        )
    on_duty = sorted(
        {s.user_id for s in lookups.plan(rota) if s.user_id is not None and _within([(s.start, s.end)], frame)}
    )
    for user in lookups.users(on_duty):
        if not is_verified(user) and ("person", rota.id, user.id) not in told:
            told.add(("person", rota.id, user.id))
            out.append(
                Finding(
                    Severity.PROBLEM,
                    subject,
                    f"{user.name or user.email} staat op {rotas.title(rota)} zonder geverifieerd telefoonnummer: "
                    "de oproep bereikt niemand.",
                    where,
                )
            )
    return out


def _alarm_findings(told) -> list[Finding]:
    """The admins get the alarm when a request is exhausted; a rota's planner gets its gap reports."""
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))).all()
    out = []
    if not admins:
        out.append(
            Finding(
                Severity.PROBLEM,
                "alarmen",
                "Er is geen actieve beheerder: het alarm bij een uitgeputte oproep gaat naar niemand.",
            )
        )
    elif not any(is_verified(a) for a in admins):
        out.append(
            Finding(
                Severity.PROBLEM,
                "alarmen",
                "Geen beheerder heeft een geverifieerd telefoonnummer: het alarm bij een uitgeputte oproep gaat naar niemand.",
            )
        )
    owners = {rota.owner for rota in rotas.list_rotas() if rota.owner is not None}
    for owner in sorted(owners, key=lambda u: u.id):
        if not (owner.active and is_verified(owner)):
            out.append(
                Finding(
                    Severity.PROBLEM,
                    "alarmen",
                    f"{owner.name or owner.email} plant roosters maar heeft geen geverifieerd telefoonnummer (of is niet actief): "
                    "meldingen over gaten in het rooster gaan naar niemand.",
                )
            )
    return out
