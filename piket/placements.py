"""Choosing a proposal (a hold on the pool), and the shelter's confirm or refusal; hold expiry.

The shelter is in the loop: a hold texts its intake number and its staff with a phone (a code and a
link to its intake page, no personal data); it answers `JA <code>` or `NEE <code> <reden>` by SMS or
on the intake page; thirty minutes before the hold expires it and the coordinator are reminded. A
coordinator who heard the shelter's yes on the phone records it on the shelter's behalf.
"""

import datetime as dt
import re

from sqlalchemy import select

import matching
import vocabulary
from accounts.models import User, user_shelters
from accounts.roles import COORDINATING, Role
from audit import service as audit
from beds import holds
from beds import service as beds
from beds.models import BedPool
from beds.scenario import shelter_entry
from errors import Conflict, Forbidden, NotFound, PiketError, ValidationError
from extensions import db
from notify import service as notify
from piket import access, answers, lifecycle, links, messages, service
from piket.lifecycle import PLACEMENT_ACTIVE, WAITING, PlacementStatus, RequestStatus
from piket.models import Placement, PlacementRequest
from piket.proposals import request_entry
from piket.timeline import event
from transactions import atomic, locked


def _places(pool, request) -> int:
    return 1 if pool.kind == "family_room" else request.size


def _check_fit(now, request, pool, cfg):
    """The chosen pool must be one the matcher would allow: same rules, one place to check."""
    scenario = {
        "version": 1,
        "now": now.isoformat(),
        "policy": {"high_threat_min_km": cfg["HIGH_THREAT_MIN_KM"]},
        "shelters": [shelter_entry(pool.shelter, [pool])],
        "requests": [{**request_entry(request), "apart_from": []}],
    }
    result = matching.solve(scenario, time_limit_s=2.0)
    if not result["assignments"]:
        reason = next(iter(result["unplaced"][0]["reasons"]), "capacity")
        if reason == "capacity":
            raise Conflict(
                "Deze plaats is net bezet geraakt; kies een ander voorstel.", field="pool_id", code="no_capacity"
            )
        raise ValidationError(f"past niet: {vocabulary.reason_label(reason)}", field="pool_id", code="not_eligible")
    return result["assignments"][0]["distance_km"]


def _check_apart(request, shelter_id):
    apart = set(request.apart_from or [])
    clash = db.session.scalar(
        select(Placement.id).where(
            Placement.request_id.in_(apart), Placement.shelter_id == shelter_id, Placement.status.in_(PLACEMENT_ACTIVE)
        )
    )
    if clash:
        raise ValidationError(
            "in dezelfde opvang als iemand van wie deze persoon gescheiden moet blijven", field="pool_id", code="apart"
        )


def choose(now, request_id, pool_id, user, cfg) -> Placement:
    """Hold the pool for the request; the request goes to `placing`. Accepts it if nobody had."""
    if user.role not in COORDINATING:
        raise Forbidden("Alleen een zorgcoördinator kiest een plaatsing.")
    request = service.get_request(request_id, user, now)
    pool = db.session.get(BedPool, pool_id)
    if pool is None:
        raise ValidationError("no such pool", field="pool_id")
    with atomic():
        row = locked(PlacementRequest, request.id)
        if row.status not in WAITING:  # an exhausted request is accepted first
            raise Conflict(f"Deze aanvraag is {vocabulary.REQUEST_STATUSES[row.status]}.", field="request_id")
        if row.accepted_by_id is None:
            row.accepted_by_id, row.accepted_at = user.id, now
            event(now, row, "accepted", user)  # taken on without a status of its own: it goes to placing
        distance = _check_fit(now, row, pool, cfg)
        _check_apart(row, pool.shelter_id)
        hold = holds.place(now, pool.id, _places(pool, row), cfg["HOLD_MINUTES"], actor=user)
        placement = Placement(
            request_id=row.id,
            shelter_id=pool.shelter_id,
            pool_id=pool.id,
            hold_id=hold.id,
            status=PlacementStatus.HELD,
            distance_km=distance,
            chosen_by_id=user.id,
            chosen_at=now,
        )
        db.session.add(placement)
        db.session.flush()
        lifecycle.transition(
            now,
            row,
            RequestStatus.PLACING,
            actor=user,
            event_kind="placement_chosen",
            placement=placement.id,
            shelter=pool.shelter_id,
            expires_at=hold.expires_at.isoformat(),
        )
        audit.record(
            now, "placement.choose", "placement", placement.id, actor=user, after={"request": row.id, "pool": pool.id}
        )
        _tell_shelter(now, row, placement)
    return placement


def disclose_addresses(now, placements, user) -> dict[int, str]:
    """{placement id: shelter address} of the placements whose address this user may see: a
    confidential one for the shelter's staff, coordinators and admins, and for the requester only
    once the shelter confirmed the intake. Each showing of a confidential address is audited
    (beds.disclose_address): call it for what a response or page is about to show, and only then."""
    shown = {}
    for p in placements:
        confirmed_requester = p.request.case.created_by_id == user.id and p.status == PlacementStatus.CONFIRMED
        address = beds.disclose_address(now, p.shelter, user, confirmed_requester)
        if address is not None:
            shown[p.id] = address
    return shown


def _placement_for_hold(hold_id) -> Placement:
    placement = db.session.scalar(select(Placement).where(Placement.hold_id == hold_id))
    if placement is None:
        raise NotFound("Deze reservering bestaat niet.", field="hold_id")
    return placement


def _may_decide(user, placement, now) -> bool:
    """The shelter's own staff, or a coordinator who may see the request (piket/access.py)."""
    if user.role in COORDINATING:
        return access.can_see_request(user, placement.request, now)
    return user.role == Role.SHELTER_STAFF and placement.shelter_id in user.shelter_ids


def confirm(now, hold_id, user) -> Placement:
    """The shelter confirms the intake: held places become occupied, the request is placed."""
    placement = _placement_for_hold(hold_id)
    if not _may_decide(user, placement, now):
        raise Forbidden("Alleen de opvang zelf of een zorgcoördinator bevestigt een intake.")
    return _confirm(now, placement, user)


def confirm_by_phone(now, hold_id, user) -> Placement:
    """The coordinator heard the shelter confirm on the phone and records it on the shelter's behalf:
    the same effect as the shelter's own yes, audited as the coordinator's act for that shelter."""
    if user.role not in COORDINATING:
        raise Forbidden("Alleen een zorgcoördinator legt een telefonische bevestiging vast.")
    placement = _placement_for_hold(hold_id)
    service.get_request(placement.request_id, user, now)  # the coordinator may see this request
    return _confirm(now, placement, user, event_kind="intake_confirmed_by_phone", on_behalf_of=placement.shelter_id)


def _confirm(now, placement, actor, source=None, event_kind="intake_confirmed", on_behalf_of=None, **detail):
    """Held places become occupied, the placement confirmed, the request placed, the requester told.
    `actor` None: the shelter's intake number answered (no account); `on_behalf_of`: a shelter's id."""
    with atomic():
        holds.confirm(now, placement.hold_id, actor=actor, source=source)
        lifecycle.decide(now, placement, PlacementStatus.CONFIRMED, by=actor)
        request = placement.request
        if on_behalf_of is not None:
            detail["on_behalf_of"] = {"shelter": on_behalf_of}
        lifecycle.transition(
            now,
            request,
            RequestStatus.PLACED,
            actor=actor,
            source=source,
            event_kind=event_kind,
            placement=placement.id,
            **detail,
        )
        if on_behalf_of is not None or source is not None:
            audit.record(
                now,
                "placement.confirm",
                "placement",
                placement.id,
                actor=actor,
                source=source,
                after={"status": str(PlacementStatus.CONFIRMED), "hold": placement.hold_id, **detail},
            )
        _after_placed(now, request, placement)
    return placement


def _after_placed(now, request, placement):
    """The requester gets the meeting details by SMS (the address itself only on the page, audited);
    the coordinator who placed owns the CoMensha report unless it was handed to someone already."""
    case = request.case
    if case.report_owner_id is None:
        case.report_owner_id, case.report_owner_since = placement.chosen_by_id, now
    notify.enqueue(
        now,
        to=case.callback_phone,
        channel="sms",
        purpose="requester",
        request_id=request.id,
        body=messages.placed_requester_sms(request, placement),
        dedupe_key=f"placed:{placement.id}",
    )
    event(now, request, "requester_informed", channel="sms")


def release(now, hold_id, user, reason=None) -> Placement:
    """Give the place back. From the shelter this is a refusal and needs a reason code."""
    placement = _placement_for_hold(hold_id)
    if not _may_decide(user, placement, now):
        raise Forbidden("U mag deze reservering niet vrijgeven.")
    refusal = user.role == Role.SHELTER_STAFF
    if reason is not None and reason not in vocabulary.REFUSAL_REASONS:
        raise ValidationError(f"kies uit: {', '.join(vocabulary.REFUSAL_REASONS)}", field="reason")
    if refusal and reason is None:
        raise ValidationError("kies een reden voor de weigering", field="reason")
    to = PlacementStatus.REFUSED if refusal else PlacementStatus.RELEASED
    return _give_back(now, placement, to, user, reason)


def _give_back(now, placement, to: PlacementStatus, actor, reason, source=None, **detail):
    """The hold is given back (released, or refused by the shelter) and the request returns to proposals."""
    with atomic():
        holds.release(now, placement.hold_id, reason, actor=actor, source=source)
        lifecycle.decide(now, placement, to, by=actor, reason=reason)
        _back_to_proposals(now, placement.request, to, actor, source=source, reason=reason, **detail)
        if to == PlacementStatus.REFUSED:
            _tell_chooser_refused(now, placement)
    return placement


def _tell_chooser_refused(now, placement):
    """The shelter said no: the coordinator who chose it must choose again, perhaps asleep, so by SMS."""
    chooser = db.session.get(User, placement.chosen_by_id)
    if chooser is None or not chooser.phone:
        return
    notify.enqueue(
        now,
        to=chooser.phone,
        channel="sms",
        purpose="intake_refused",
        user_id=chooser.id,
        request_id=placement.request_id,
        body=messages.refused_coordinator_sms(placement.request, placement),
        dedupe_key=f"intake_refused:{placement.id}",
    )


def _back_to_proposals(now, request, why: PlacementStatus, actor=None, source=None, **detail):
    """The hold ended without an intake: the request goes back to choosing a place."""
    kind, detail = f"placement_{why}", {k: v for k, v in detail.items() if v is not None}
    if request.status == RequestStatus.PLACING:
        lifecycle.transition(
            now, request, RequestStatus.ACCEPTED, actor=actor, source=source, event_kind=kind, **detail
        )
    else:
        event(now, request, kind, actor, **detail)


def expire_due(now) -> int:
    """Worker job: expire holds nobody confirmed in time; their requests go back to proposals."""
    expired = 0
    for hold_id in holds.due_for_expiry(now):
        with atomic():
            if holds.expire(now, hold_id) is None:
                continue  # confirmed or expired by someone else meanwhile
            placement = db.session.scalar(select(Placement).where(Placement.hold_id == hold_id))
            if placement is not None:
                lifecycle.decide(now, placement, PlacementStatus.EXPIRED)
                _back_to_proposals(now, placement.request, PlacementStatus.EXPIRED)
            expired += 1
    return expired


def get_placement(placement_id) -> Placement | None:
    return db.session.get(Placement, placement_id)


# --- the shelter in the loop -------------------------------------------------------------------------------

# A hold's code: "B", the placement id in the request codes' alphabet, and a check character. A request's
# short code never has a B (service.CODE_ALPHABET leaves it out), so a hold code is never taken for one; the
# check character catches a mistyped character, so a typo never answers another hold of the same shelter.
HOLD_CODE_PREFIX = "B"
_ALPHABET = service.CODE_ALPHABET
_CHECK_WEIGHTS = (1, 5, 7, 11, 13, 17, 19, 23)  # coprime with 24: any one wrong character changes the check
assert HOLD_CODE_PREFIX not in _ALPHABET and len(_ALPHABET) == 24


def _check_char(digits: str) -> str:
    total = sum(w * _ALPHABET.index(c) for w, c in zip(_CHECK_WEIGHTS * 3, reversed(digits), strict=False))
    return _ALPHABET[total % len(_ALPHABET)]


def hold_code(placement) -> str:
    """The code the shelter answers with: JA BACF7."""
    n, digits = placement.id, ""
    while n or len(digits) < 3:
        n, r = divmod(n, len(_ALPHABET))
        digits = _ALPHABET[r] + digits
    return HOLD_CODE_PREFIX + digits + _check_char(digits)


def _looks_like_hold_code(word) -> bool:
    """A hold code, or one mistyped (a character too many or too few): never taken for a bare JA."""
    return word.startswith(HOLD_CODE_PREFIX) and 4 <= len(word) <= 7 and all(c in _ALPHABET for c in word[1:])


def placement_for_code(code) -> Placement | None:
    """The placement a hold code names; None when it is no hold code or its check fails."""
    digits, check = code[1:-1], code[-1:]
    if not code.startswith(HOLD_CODE_PREFIX) or len(digits) < 3 or any(c not in _ALPHABET for c in code[1:]):
        return None
    if _check_char(digits) != check:
        return None
    n = 0
    for c in digits:
        n = n * len(_ALPHABET) + _ALPHABET.index(c)
    return db.session.get(Placement, n)


def _staff_with_phone(shelter_ids) -> list[User]:
    return db.session.scalars(
        select(User)
        .join(user_shelters, user_shelters.c.user_id == User.id)
        .where(
            user_shelters.c.shelter_id.in_(list(shelter_ids)),
            User.role == Role.SHELTER_STAFF,
            User.active.is_(True),
            User.phone.is_not(None),
            User.phone != "",
        )
        .order_by(User.id)
        .distinct()
    ).all()


def _shelter_recipients(shelter) -> list[tuple[str, str, int | None]]:
    """(who, number, user id) for the shelter's intake number and each staff account with a phone; one per
    number. `who` goes into the dedupe key ("intake" or "user<id>"), never the number itself."""
    found = [("intake", shelter.intake_phone, None)] if shelter.intake_phone else []
    for user in _staff_with_phone({shelter.id}):
        if not any(notify.same_number(user.phone, number) for _w, number, _u in found):
            found.append((f"user{user.id}", user.phone, user.id))
    return found


def _to_shelter(request, placement, kind, body) -> list[dict]:
    """One SMS to each of the shelter's numbers, keyed once per placement and `kind`."""
    return [
        {
            "to": number,
            "user_id": user_id,
            "request_id": request.id,
            "purpose": kind,
            "body": body,
            "dedupe_key": f"{kind}:{placement.id}:{who}",
        }
        for who, number, user_id in _shelter_recipients(placement.shelter)
    ]


def _send(now, messages_) -> int:
    """Queue those of these SMS whose dedupe key is new (in the caller's transaction); how many."""
    done = notify.queued_keys(m["dedupe_key"] for m in messages_)
    new = [m for m in messages_ if m["dedupe_key"] not in done]
    for m in new:
        notify.enqueue(now, channel="sms", **m)
    return len(new)


def _intake_link(placement, now) -> str:
    return links.intake_url(placement.id, placement.shelter_id, now)


def _tell_shelter(now, request, placement):
    """A place is held: the shelter hears of it at once (in the hold's transaction)."""
    body = messages.hold_shelter_sms(request, placement, hold_code(placement), _intake_link(placement, now))
    _send(now, _to_shelter(request, placement, "intake", body))


REMIND_BEFORE = dt.timedelta(minutes=30)


def remind_expiring(now) -> int:
    """Worker job: thirty minutes before a hold expires the shelter and the coordinator who chose it are
    reminded, once per hold (dedupe keys), and only while nobody has decided. Returns the holds reminded."""
    reminded = 0
    for hold_id in holds.expiring(now, REMIND_BEFORE):
        with atomic():
            placement = db.session.scalar(select(Placement).where(Placement.hold_id == hold_id))
            if placement is None or placement.status != PlacementStatus.HELD:
                continue
            request = placement.request
            body = messages.hold_reminder_shelter_sms(
                request, placement, hold_code(placement), _intake_link(placement, now)
            )
            texts = _to_shelter(request, placement, "intake_reminder", body)
            chooser = db.session.get(User, placement.chosen_by_id)
            if chooser is not None and chooser.phone:
                texts.append(
                    {
                        "to": chooser.phone,
                        "user_id": chooser.id,
                        "request_id": request.id,
                        "purpose": "intake_reminder",
                        "body": messages.hold_reminder_coordinator_sms(request, placement),
                        "dedupe_key": f"intake_reminder:{placement.id}:coordinator",
                    }
                )
            reminded += 1 if _send(now, texts) else 0
    return reminded


# --- the shelter's answer by SMS -----------------------------------------------------------------------------

SHELTER_YES = frozenset({"JA", "J", "OK"})
SHELTER_NO = frozenset({"NEE", "N"})
# A refusal's reason in the shelter's words: a word that starts with one of these (lower case) names it.
REASON_WORDS = {
    "no_place": ("vol", "plaats", "bezet", "geen plaats", "no_place"),
    "no_staff": ("personeel", "staf", "no_staff"),
    "safety": ("veilig", "onveilig", "dreiging", "safety"),
    "target_group": ("doelgroep", "target"),
    "contra_indication": ("contra", "indicatie", "verslav", "agressie", "psych", "zorg"),
}


def refusal_reason(words) -> str:
    """A REFUSAL_REASONS code for the words after the code; "other" when none fits (or none given)."""
    for word in (w.lower() for w in words):
        for code, starts in REASON_WORDS.items():
            if word.startswith(starts):
                return code
    return "other"


def _speaks_for(sender) -> tuple[set[int], User | None]:
    """The shelters this number answers for (their intake number, or a staff account's phone), and that
    account (None for an intake number)."""
    shelter = beds.shelter_by_phone(sender)
    shelters = {shelter.id} if shelter is not None else set()
    staff = answers.user_by_phone(sender, (Role.SHELTER_STAFF,))
    if staff is not None:
        shelters |= staff.shelter_ids
    return shelters, staff


def answer_shelter_sms(now, sender, words) -> str | None:
    """`JA <code>` / `NEE <code> <reden>` from a shelter (words upper case, as the webhook splits them).
    Lenient: punctuation and trailing words are ignored. Only the shelter's own intake number or a phone of
    its staff decides a hold; anyone else changes nothing. None when the SMS is not the shelter's to answer:
    no JA/NEE, or a coordinator's answer to a page (a request code, or no hold code from a non-shelter)."""
    words = [w for w in (re.sub(r"[^0-9A-Z]", "", w.upper()) for w in words) if w]
    if not words or words[0] not in SHELTER_YES | SHELTER_NO:
        return None
    yes, rest = words[0] in SHELTER_YES, words[1:]
    code = rest[0] if rest and _looks_like_hold_code(rest[0]) else None
    shelters, staff = _speaks_for(sender)
    if code is None:
        if not shelters or answers.user_by_phone(sender, COORDINATING) is not None:
            return None  # a coordinator's JA/NEE to a page: answers.py's
        waiting = _held_at(shelters)
        named = [p for p in waiting if rest and p.request.short_code == rest[0]]  # the request's code, as paged
        if named:
            placement, reason_words = named[0], rest[1:]
        elif not waiting:
            return messages.intake_nothing_open()
        elif len(waiting) > 1:
            return messages.intake_which([hold_code(p) for p in waiting])
        else:
            placement, reason_words = waiting[0], rest
    else:
        placement, reason_words = placement_for_code(code), rest[1:]
        if placement is None or placement.shelter_id not in shelters:
            return messages.intake_unknown_code(code) if shelters else messages.unknown_sender()
    code = hold_code(placement)
    try:
        if yes:
            _confirm(now, placement, staff, source="sms", channel="sms")
            return messages.intake_confirmed_reply(code)
        reason = refusal_reason(reason_words)
        _give_back(now, placement, PlacementStatus.REFUSED, staff, reason, source="sms", channel="sms")
        return messages.intake_refused_reply(code, reason)
    except PiketError as err:  # decided or expired meanwhile: say so, change nothing
        db.session.rollback()
        return messages.intake_not_open(code, err.message)


def _held_at(shelter_ids) -> list[Placement]:
    return db.session.scalars(
        select(Placement)
        .where(Placement.shelter_id.in_(list(shelter_ids)), Placement.status == PlacementStatus.HELD)
        .order_by(Placement.id)
    ).all()
