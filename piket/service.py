"""Placement requests: creating a case (idempotently), reading it, accepting, cancelling."""

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import validation as v
import vocabulary
from accounts import phones
from accounts.roles import COORDINATING, REQUESTERS, Role
from audit import service as audit
from beds import holds
from beds.registry import region_by_code
from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from piket import access, escalation, lifecycle, messages, proposals
from piket.lifecycle import ACCEPTABLE, ESCALATING, OPEN, WAITING, PlacementStatus, RequestStatus
from piket.models import Case, PlacementRequest
from piket.timeline import event
from transactions import atomic, locked
from vocabulary import RequesterOrg

CODE_ALPHABET = "ACDEFHJKLMNPQRTUVWXY3479"  # no 0/O, 1/I, 2/Z, 5/S, 6/G, 8/B: read out at night
CODE_LENGTH = 4
MAX_GROUPS, MAX_PERSONS = 150, 20
# Who asked, when the body does not say: an organisation, from the asker's role.
DEFAULT_ORG = {
    Role.POLICE: RequesterOrg.POLICE,
    Role.COORDINATOR: RequesterOrg.COORDINATOR,
    Role.ADMIN: RequesterOrg.COORDINATOR,
}


# --- reading the request ------------------------------------------------------------------------


def _person(data, path) -> dict:
    if not isinstance(data, dict):
        raise ValidationError("moet een object zijn", field=path)
    unknown = sorted(set(data) - {"gender", "age", "residence", "exploitation", "needs"})
    if unknown:  # names and birth dates have no place here: refuse rather than store them
        raise ValidationError("onbekend veld (geen namen, geboortedata of adressen)", field=f"{path}.{unknown[0]}")
    return {
        "gender": v.choice(data, "gender", vocabulary.GENDERS, f"{path}.gender"),
        "age": v.integer(data, "age", f"{path}.age", within=v.AGE),
        "residence": v.choice(data, "residence", vocabulary.PERSON_RESIDENCE, f"{path}.residence"),
        "exploitation": v.choice(data, "exploitation", vocabulary.PERSON_EXPLOITATION, f"{path}.exploitation"),
        "needs": v.choices(data, "needs", vocabulary.CONTRA_INDICATIONS, f"{path}.needs", default=[]),
    }


def parse_case(data, user) -> dict:
    """A case body: shared fields, the groups to place (each placed whole), and who stays apart."""
    found = data.get("found")
    if not isinstance(found, dict):
        raise ValidationError("moet een object met region zijn (en eventueel lat, lon)", field="found")
    region = region_by_code(v.text(found, "region", "found.region", max_length=60), field="found.region")
    lat = v.number(found, "lat", "found.lat", within=v.NL_LAT, default=None)
    lon = v.number(found, "lon", "found.lon", within=v.NL_LON, default=None)
    if (lat is None) != (lon is None):
        raise ValidationError(
            "geef lat en lon allebei, of geen van beide", field="found.lat" if lat is None else "found.lon"
        )
    case = {
        "case_reference": v.text(data, "case_reference", max_length=60, pattern=r"[A-Za-z0-9./_ -]+"),
        "callback_phone": phones.contact(data, "callback_phone"),
        "requester_org": v.choice(
            data, "requester_org", vocabulary.REQUESTER_ORGS, default=DEFAULT_ORG.get(user.role, RequesterOrg.POLICE)
        ),
        "region": region,
        "found_lat": region.lat if lat is None else round(lat, 2),
        "found_lon": region.lon if lon is None else round(lon, 2),
    }
    urgency = v.choice(data, "urgency", vocabulary.URGENCIES, default="immediate")
    threat = v.choice(data, "threat", vocabulary.THREAT_LEVELS, default="low")
    groups = data.get("requests")
    if not isinstance(groups, list) or not groups:
        raise ValidationError("moet een lijst van minstens één groep zijn", field="requests")
    if len(groups) > MAX_GROUPS:
        raise ValidationError(f"hoogstens {MAX_GROUPS} groepen per zaak", field="requests")
    case["requests"] = []
    for i, group in enumerate(groups):
        where = f"requests[{i}]"
        if not isinstance(group, dict):
            raise ValidationError("moet een object met persons zijn", field=where)
        persons = group.get("persons")
        if not isinstance(persons, list) or not persons or len(persons) > MAX_PERSONS:
            raise ValidationError(f"noem 1 tot {MAX_PERSONS} personen", field=f"{where}.persons")
        case["requests"].append(
            {
                "persons": [_person(p, f"{where}.persons[{j}]") for j, p in enumerate(persons)],
                "children": v.integer(group, "children", f"{where}.children", within=v.CHILDREN, default=0),
                "urgency": v.choice(group, "urgency", vocabulary.URGENCIES, f"{where}.urgency", default=urgency),
                "threat": v.choice(group, "threat", vocabulary.THREAT_LEVELS, f"{where}.threat", default=threat),
            }
        )
    apart = data.get("apart", [])
    if not isinstance(apart, list):
        raise ValidationError("moet een lijst van paren groepsnummers zijn", field="apart")
    case["apart"] = []
    for i, pair in enumerate(apart):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
            or not all(0 <= x < len(groups) for x in pair)
            or pair[0] == pair[1]
        ):
            raise ValidationError(
                f"must be two different indexes into requests (0..{len(groups) - 1})", field=f"apart[{i}]"
            )
        case["apart"].append(tuple(sorted(pair)))
    return case


# --- creating ---------------------------------------------------------------------------------


def _short_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not db.session.scalar(select(PlacementRequest.id).where(PlacementRequest.short_code == code)):
            return code


def create_case(now, fields, user, idempotency_key=None, source="web", page_after_minutes=0) -> tuple[Case, bool]:
    """Create the case and its requests, each with its escalation snapshot (first step due at once,
    or after `page_after_minutes`). Returns (case, created); a retried submit with the same
    Idempotency-Key returns the first case and creates nothing."""
    if idempotency_key:
        existing = _by_idempotency_key(user, idempotency_key)
        if existing:
            return existing, False
    try:
        with atomic(expire=False):  # the answer is the case as written here
            case = Case(
                created_at=now,
                created_by_id=getattr(user, "id", None),
                idempotency_key=idempotency_key,
                source=source,
                case_reference=fields["case_reference"],
                callback_phone=fields["callback_phone"],
                requester_org=fields["requester_org"],
                region=fields["region"],
                found_lat=fields["found_lat"],
                found_lon=fields["found_lon"],
                requests=[],
            )
            db.session.add(case)
            with db.session.no_autoflush:
                ladder = escalation.snapshot(now, fields["region"].id)  # one ladder for every group
            requests = []
            for group in fields["requests"]:
                request = PlacementRequest(
                    case=case,
                    short_code=_short_code(),
                    status=RequestStatus.RECEIVED,
                    created_at=now,
                    urgency=group["urgency"],
                    threat=group["threat"],
                    persons=group["persons"],
                    children=group["children"],
                    size=len(group["persons"]) + group["children"],
                    apart_from=[],
                    profile_stats=profile_stats(group["persons"], group["children"]),
                    placements=[],
                )
                db.session.add(request)
                with db.session.no_autoflush:  # its escalation goes into the INSERT, not an UPDATE after it
                    escalation.start(now, request, page_after_minutes, ladder=ladder)
                requests.append(request)
            db.session.flush()
            for a, b in fields["apart"]:
                requests[a].apart_from = sorted(set(requests[a].apart_from) | {requests[b].id})
                requests[b].apart_from = sorted(set(requests[b].apart_from) | {requests[a].id})
            for request in requests:
                event(now, request, "received", user, size=request.size, urgency=request.urgency, source=source)
            audit.record(
                now,
                "case.create",
                "case",
                None,
                actor=user,
                after={"requests": [r.id for r in requests], "region": fields["region"].code},
            )
    except IntegrityError:
        # Two identical submits raced: the other one won, so answer with its case.
        existing = idempotency_key and _by_idempotency_key(user, idempotency_key)
        if existing:
            return existing, False
        raise
    return case, True


def profile_stats(persons, children) -> dict | None:
    """The profile's anonymous aggregates, kept after the purge for unmet demand; None without a profile (phone)."""
    if not persons:
        return None
    return {
        "groups": vocabulary.target_groups(persons, children),
        "needs": sorted({need for p in persons for need in p.get("needs") or []}),
    }


def _by_idempotency_key(user, key):
    return db.session.scalar(select(Case).where(Case.created_by_id == user.id, Case.idempotency_key == key))


# --- reading, accepting, cancelling ---------------------------------------------------------------


def get_request(request_id, user, now) -> PlacementRequest:
    """The request, if this user may see and act on it (piket/access.py: the one rule)."""
    request = db.session.get(PlacementRequest, request_id)
    if request is None:
        raise NotFound("Deze aanvraag bestaat niet.", field="request_id")
    if not access.can_see_request(user, request, now):
        raise Forbidden("Deze aanvraag valt buiten uw regio's en oproepen.", field="request_id")
    return request


def accept(now, request_id, user, channel="web", *, whole_case=False) -> PlacementRequest:
    """First writer wins: a conditional update; the second accepter is told who has it.
    `channel`: web, api, sms, voice, link or phone (a call through the national number).
    whole_case: a yes to a page takes every group of the case that nobody has yet (one page per case)."""
    request = get_request(request_id, user, now)
    if user.role not in COORDINATING:
        raise Forbidden("Alleen een zorgcoördinator neemt een aanvraag aan.")
    with atomic():
        won = lifecycle.claim(
            now,
            request,
            RequestStatus.ACCEPTED,
            among=ACCEPTABLE,  # not `placing`: that one is accepted already
            values={"accepted_by_id": user.id, "accepted_at": now},
            actor=user,
            channel=channel,
        )
        if won:
            if whole_case:
                for group in request.case.requests:
                    if group.id != request.id and group.status in ACCEPTABLE:
                        lifecycle.claim(
                            now,
                            group,
                            RequestStatus.ACCEPTED,
                            among=ACCEPTABLE,
                            values={"accepted_by_id": user.id, "accepted_at": now},
                            actor=user,
                            channel=channel,
                            with_group=request.short_code,
                        )
            escalation.after_accept(now, request, user, channel)
    db.session.refresh(request)
    if not won:
        from accounts.models import User

        holder = db.session.get(User, request.accepted_by_id) if request.accepted_by_id else None
        raise Conflict(
            f"Al aangenomen door {messages.display_name(holder)}."
            if holder
            else f"Deze aanvraag is {vocabulary.REQUEST_STATUSES[request.status]}.",
            field="request_id",
            code="already_accepted",
            accepted_by=getattr(holder, "email", None),
        )
    return request


def cancel(now, request_id, user) -> PlacementRequest:
    request = get_request(request_id, user, now)
    if user.role not in COORDINATING and request.case.created_by_id != user.id:
        raise Forbidden("Alleen de aanvrager of een zorgcoördinator trekt een aanvraag in.")
    # Why it got no bed, kept for unmet demand: solved before the lock, recorded if it ends unplaced.
    reasons = proposals.blocking_reasons(now, request) if request.status in WAITING else None
    with atomic():
        row = locked(PlacementRequest, request.id)
        was_waiting = row.status in WAITING
        holder = row.accepted_by_id
        lifecycle.transition(now, row, RequestStatus.CANCELLED, actor=user)
        if holder is not None and holder != user.id:
            escalation.tell_cancelled(now, row, holder)
        if reasons is not None and was_waiting:
            row.blocking_reasons = reasons
        for placement in row.placements:  # a place still held for it is given back
            if placement.status == PlacementStatus.HELD:
                holds.release(now, placement.hold_id, "cancelled", actor=user)
                lifecycle.decide(now, placement, PlacementStatus.RELEASED)
    return request


def decline(now, request_id, user, channel) -> PlacementRequest:
    """A paged coordinator says 'not me' (keypad 2, SMS NEE, the link's second button)."""
    request = get_request(request_id, user, now)
    with atomic():
        for group in request.case.requests:  # one page per case: its no is for every group still paged
            if group.status in ESCALATING:
                escalation.decline(now, group, user, channel)
    return request


# --- the CoMensha report's owner, and the profile of a request that came in by phone ---------------


def hand_over_report(now, case_id, user, email) -> Case:
    """The CoMensha report's owner hands it to someone named (or a coordinator reassigns it)."""
    from accounts.models import User

    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("Deze zaak bestaat niet.", field="case_id")
    if (user.role not in COORDINATING or not access.can_see_case(user, case, now)) and case.report_owner_id != user.id:
        raise Forbidden("Alleen wie de melding bij CoMensha doet, of een zorgcoördinator, draagt haar over.")
    email = v.text({"email": email}, "email", max_length=254).strip().lower()
    to = db.session.scalar(select(User).where(User.email == email, User.active.is_(True), User.role.in_(REQUESTERS)))
    if to is None:
        raise ValidationError("geen actieve politie- of coördinatoraccount met dit e-mailadres", field="email")
    with atomic():
        before = case.report_owner_id
        case.report_owner_id, case.report_owner_since = to.id, now
        audit.record(
            now, "case.report_owner", "case", case.id, before={"owner": before}, after={"owner": to.id}, actor=user
        )
        for request in case.requests:
            event(now, request, "report_owner", user, owner=to.id)
    return case


def set_profile(now, request_id, data, user) -> PlacementRequest:
    """A request made by phone has no profile yet: the coordinator fills it in after the call."""
    request = get_request(request_id, user, now)
    if user.role not in COORDINATING:
        raise Forbidden("Alleen een zorgcoördinator vult het profiel in.")
    persons = data.get("persons") if isinstance(data, dict) else None
    if not isinstance(persons, list) or not persons or len(persons) > MAX_PERSONS:
        raise ValidationError(f"noem 1 tot {MAX_PERSONS} personen", field="persons")
    parsed = [_person(p, f"persons[{i}]") for i, p in enumerate(persons)]
    children = v.integer(data, "children", within=v.CHILDREN, default=0)
    region = _region_to_fill_in(data, request.case)
    with atomic():
        row = locked(PlacementRequest, request.id)
        if row.persons:
            raise Conflict("Het profiel van deze aanvraag is al ingevuld.", field="persons")
        if row.status not in OPEN:
            raise Conflict(f"Deze aanvraag is {vocabulary.REQUEST_STATUSES[row.status]}.", field="request_id")
        row.persons, row.children, row.size = parsed, children, len(parsed) + children
        row.profile_stats = profile_stats(parsed, children)
        event(now, row, "profile_set", user, size=row.size)
        if region is not None:
            case = row.case
            case.region, case.found_lat, case.found_lon = region, region.lat, region.lon
            for each in case.requests:
                event(now, each, "region_set", user, region=region.code)
    return row


def _region_to_fill_in(data, case):
    """A call to the national number whose region was not understood is in the unknown region: its
    region is given with the profile. A known region stays as it is (None: nothing to change)."""
    code = data.get("region") if isinstance(data, dict) else None
    if code == "" and case.region.kind == vocabulary.RegionKind.UNKNOWN:
        # The page's region list starts empty (no silent first region): an empty choice is no choice.
        raise ValidationError("kies de regio waar de persoon is gevonden", field="region")
    if code in (None, "", case.region.code):
        return None
    if case.region.kind != vocabulary.RegionKind.UNKNOWN:
        raise Conflict("De regio van deze zaak staat al vast.", field="region")
    region = region_by_code(v.text(data, "region", max_length=60), field="region")
    if region.kind != vocabulary.RegionKind.CARE:
        raise ValidationError("kies een zorgcoördinatieregio", field="region")
    return region
