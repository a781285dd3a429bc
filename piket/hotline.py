"""The national piket number: the police call one number, day and night.

The call is answered in Dutch, learns the region (from the caller's registered number, or the
caller says the region's name or keys its number), creates a request (or joins the caller's open
one) so the call is in the timeline, and dials the coordinator on duty, falling through to the
back-up and the national piket. Each dialled coordinator first hears a whisper (region, code) and
takes the call by pressing 1: only that key press accepts, so a voicemail that picks up, a hang-up
or silence is "not answered" and the next one is dialled. If nobody takes it, the request's normal
escalation takes over. A region not understood still makes a request, in the one region of kind
`unknown`: its ladder has no regional rota, so the national piket is paged, and whoever accepts fills
in the region. A withheld caller ID is never a callback number: the caller keys one in, or the
request says it has none.
"""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts import phones
from accounts.models import User, user_regions
from accounts.roles import Role
from beds.models import Region
from errors import ValidationError
from extensions import db
from notify import service as notify
from piket import answers, service
from piket.lifecycle import ESCALATING, OPEN
from piket.models import Case, PlacementRequest, WebhookReceipt
from piket.rotas import service as rotas
from piket.timeline import event
from timeutil import local
from transactions import atomic
from vocabulary import RegionKind, RequesterOrg

DIAL_LEVELS = ("primary", "backup", "national")
JOIN_HOURS = 12  # a second call from the same number within this time joins the open request
DIAL_MINUTES = 3  # the ladder waits this long while the call itself rings the piket
# What a withheld caller ID arrives as: a word, or the word spelled on a keypad (ANONYMOUS, RESTRICTED,
# BLOCKED, UNKNOWN, UNAVAILABLE) as some carriers send it; anything that is no phone number counts too.
WITHHELD_DIGITS = {"266696687", "7378742833", "2562533", "8656696", "86282452253"}
NO_CALLBACK = "afgeschermd"  # the callback number of a caller who withheld theirs and keyed in none
UNKNOWN_REGION = {"code": "onbekend", "name": "Regio onbekend", "centre": "", "lat": 52.09, "lon": 5.12}


def withheld(number) -> bool:
    """Whether a caller ID is no number to call back ("anonymous", "+266696687", empty, ...)."""
    try:
        normal = notify.normalise_number(number)
    except ValidationError:
        return True
    return normal.lstrip("+") in WITHHELD_DIGITS


def unknown_region() -> Region:
    """The region of a call whose region was not understood (kind `unknown`, made on first use): no
    regional rota, so its ladder pages the national piket; whoever accepts fills in the real region."""
    found = select(Region).where(Region.code == UNKNOWN_REGION["code"])
    region = db.session.scalar(found)
    if region is None:
        try:
            with atomic(expire=False):
                region = Region(kind=RegionKind.UNKNOWN, **UNKNOWN_REGION)
                db.session.add(region)
        except IntegrityError:  # a second call made it at the same moment
            region = db.session.scalar(found)
    return region


def caller(number) -> User | None:
    """The registered police officer calling from this number, if any."""
    return answers.user_by_phone(number, (Role.POLICE,))


def caller_region(number) -> Region | None:
    """A registered police caller's region, if their account is bound to one."""
    user = caller(number)
    if user is None:
        return None
    region_id = db.session.scalar(select(user_regions.c.region_id).where(user_regions.c.user_id == user.id))
    return db.session.get(Region, region_id) if region_id else None


def region_names() -> list[str]:
    """Speech hints: the care regions' names, so the recogniser expects them."""
    return db.session.scalars(
        select(Region.name).where(Region.kind == "care", Region.active.is_(True)).order_by(Region.name)
    ).all()


def national_on_duty(now) -> User | None:
    person = rotas.on_duty(now, None, "national")
    return person if person is not None and person.phone and person.active else None


def region_from_answer(digits, speech) -> Region | None:
    if digits and digits.strip("#").isdigit():
        return db.session.scalar(
            select(Region).where(Region.dial_code == int(digits.strip("#")), Region.active.is_(True))
        )
    said = (speech or "").strip().lower().rstrip(".")
    if not said:
        return None
    regions = db.session.scalars(
        select(Region).where(Region.kind == "care", Region.active.is_(True)).order_by(Region.id)
    ).all()
    return next((r for r in regions if r.name.lower() == said), None) or next(
        (r for r in regions if r.name.lower() in said or (r.centre and r.centre.lower() in said)), None
    )


def request_for_call(now, number, call_sid, region) -> PlacementRequest:
    """Join the caller's open request, or create one whose profile the coordinator completes.
    Without a region (not understood) the request is made in the unknown region: never dropped."""
    key = f"hotline:{call_sid}"
    request_id = answers.once(now, key, lambda: str(_join_or_create(now, number, region or unknown_region()).id))
    return db.session.get(PlacementRequest, int(request_id))


def _join_or_create(now, number, region) -> PlacementRequest:
    since = now - dt.timedelta(hours=JOIN_HOURS)
    open_ = db.session.scalars(
        select(PlacementRequest)
        .join(Case)
        .where(
            PlacementRequest.status.in_(OPEN),
            PlacementRequest.created_at >= since,
        )
        .order_by(PlacementRequest.id.desc())
    ).all()
    hidden = withheld(number)
    mine = None if hidden else next((r for r in open_ if notify.same_number(r.case.callback_phone, number)), None)
    if mine is not None:
        with atomic():
            event(now, mine, "phone_call", joined=True)
        return mine
    fields = {
        "case_reference": f"TEL-{local(now):%Y%m%d-%H%M}",
        "callback_phone": NO_CALLBACK if hidden else number,
        "requester_org": RequesterOrg.POLICE,
        "region": region,
        "found_lat": region.lat,
        "found_lon": region.lon,
        "apart": [],
        "requests": [{"persons": [], "children": 0, "urgency": "immediate", "threat": "low"}],
    }
    case, _ = service.create_case(now, fields, caller(number), source="phone", page_after_minutes=DIAL_MINUTES)
    if hidden:
        with atomic():
            for request in case.requests:
                event(now, request, "phone_callback_withheld")
    return case.requests[0]


def needs_callback_number(request) -> bool:
    return request.case.callback_phone == NO_CALLBACK


def set_callback_number(now, request, digits) -> bool:
    """The number a caller with a withheld ID keyed in: stored if it is a phone number (and not
    itself a withheld one), only over the placeholder. Returns whether it was stored."""
    if withheld(digits or ""):
        return False
    try:
        number = phones.parse_contact(digits, field="digits")
    except ValidationError:  # no number that exists: asked again
        return False
    with atomic():
        case = db.session.get(Case, request.case_id)
        if case.callback_phone != NO_CALLBACK:
            return False
        case.callback_phone = number
        for row in case.requests:
            event(now, row, "phone_callback_set")
    return True


def next_to_dial(now, request, level_index):
    """(index, user) of the first level from level_index with someone on duty, or (None, None).
    A request someone already accepted rings that person first: the caller wants them."""
    holder = db.session.get(User, request.accepted_by_id) if request.accepted_by_id and level_index == 0 else None
    if holder is not None and holder.phone and holder.active:
        return 0, holder
    for index in range(level_index, len(DIAL_LEVELS)):
        person = rotas.on_duty(now, request.case.region_id, DIAL_LEVELS[index])
        if person is not None and person.phone and person.active:
            return index, person
    return None, None


def dialling(now, request, index, person):
    with atomic():
        event(now, request, "phone_dial", level=DIAL_LEVELS[index], users=[person.id])


def nobody_answered(now, request):
    """The call reached nobody: the ladder starts now (SMS and calls), the caller hears the code."""
    with atomic():
        row = db.session.get(PlacementRequest, request.id)
        if row.status in ESCALATING:
            row.next_action_at = now
            notify.wake_workers()
        event(now, row, "phone_unanswered")


def not_taken(now, request, index, dial_status):
    """The dialled coordinator did not press 1 (voicemail, hang-up, silence, busy, no answer)."""
    with atomic():
        event(now, request, "phone_not_taken", level=DIAL_LEVELS[index], status=dial_status or None)


def took_call(call_sid, index) -> bool:
    """Whether the coordinator dialled at this level pressed 1 in the whisper (connected() ran)."""
    key = f"dial:{call_sid}:{index}"
    return db.session.scalar(select(WebhookReceipt.key).where(WebhookReceipt.key == key)) is not None


def connected(now, request, user_id, call_sid, index) -> bool:
    """The coordinator pressed 1 in the whisper and is put through: that is an accept (first writer
    wins), once per call and level. `call_sid` is the caller's call, as the Dial's action sees it.
    False for an account deactivated since it was dialled: not put through, nothing accepted."""
    user = db.session.get(User, user_id)
    if not answers.may_answer(user):
        return False

    def handle():
        with atomic():
            event(now, request, "phone_connected", user, level=DIAL_LEVELS[index])
        return answers.accept(now, request, user, "phone")

    answers.once(now, f"dial:{call_sid}:{index}", handle)
    return True
