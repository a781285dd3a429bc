"""Rotas: who is on duty, office hours, gaps, and changing the plan (rotas, rotations, overrides,
CSV imports, iCal links). Every change owns its transaction, is audited, and takes `now`."""

import csv
import datetime as dt
import io
import re
import secrets

from sqlalchemy import delete, func, select

import formatting
import validation as v
import vocabulary
from accounts import phones
from accounts.models import User
from accounts.roles import COORDINATING, OVERSIGHT, Role
from audit import service as audit
from beds.models import Region
from errors import Forbidden, NotFound, ValidationError
from extensions import db
from notify import service as notify
from piket.rotas import schedule
from piket.rotas.models import LEVELS, CalendarFeed, RegionHours, Rota, RotaOverride, RotaRotation, RotaShift
from timeutil import AMSTERDAM
from transactions import atomic, locked

LEVEL_LABELS = {"primary": "primair", "backup": "achtervang", "national": "nationaal"}
SOURCE_LABELS = {"override": "vervanging", "shift": "rooster", "rotation": "rotatie", None: "—"}
# Whoever is on duty must be able to accept and place: CoMensha's national piket staff hold a
# coordinator account for it (the comensha role itself only reads the national view).
DUTY_ROLES = dict.fromkeys(LEVELS, COORDINATING)
NATIONAL_WORDS = ("", "landelijk", "nationaal", "national")  # the region column of a national rota's CSV
MAX_IMPORT_ROWS = 5000
MAX_OVERRIDE_DAYS = 31


# --- reading -------------------------------------------------------------------------------------


def get_rota(rota_id) -> Rota:
    rota = db.session.get(Rota, rota_id)
    if rota is None:
        raise NotFound("Dit rooster bestaat niet.", field="rota_id")
    return rota


def rota_for(region_id, level) -> Rota | None:
    """The rota of a region at a level; level "national" ignores the region."""
    query = select(Rota).where(Rota.level == level)
    query = query.where(Rota.region_id.is_(None)) if level == "national" else query.where(Rota.region_id == region_id)
    return db.session.scalar(query)


def list_rotas() -> list[Rota]:
    rotas = db.session.scalars(select(Rota)).all()
    return sorted(
        rotas, key=lambda r: (r.region_id is not None, r.region.name if r.region else "", LEVELS.index(r.level))
    )


def title(rota: Rota) -> str:
    """How a rota is named in messages and calendars: "Piket primair Rotterdam"."""
    return f"Piket {LEVEL_LABELS[rota.level]}" + (f" {rota.region.name}" if rota.region else "")


def plan(rota: Rota, start: dt.datetime, end: dt.datetime) -> list[schedule.Segment]:
    """The rota's effective schedule over [start, end) (see schedule.effective)."""
    rotations = [
        schedule.Rotation(
            r.start_date, r.handover, r.shift_hours, tuple(r.days or ()), tuple(r.people or ()), r.until_date, r.id
        )
        for r in db.session.scalars(select(RotaRotation).where(RotaRotation.rota_id == rota.id))
    ]
    shifts = [
        schedule.Shift(s.start, s.end, s.user_id, s.id)
        for s in db.session.scalars(
            select(RotaShift).where(RotaShift.rota_id == rota.id, RotaShift.start < end, RotaShift.end > start)
        )
    ]
    overrides = [
        schedule.Shift(o.start, o.end, o.user_id, o.id)
        for o in db.session.scalars(
            select(RotaOverride).where(
                RotaOverride.rota_id == rota.id, RotaOverride.start < end, RotaOverride.end > start
            )
        )
    ]
    return schedule.effective(start, end, rotations, shifts, overrides)


def rotas_naming(user_id, start, end) -> list[Rota]:
    """The rotas on which this person may be on duty over [start, end): a shift or a swap of theirs
    overlaps it, or a rotation takes them in turn. Planning only these is what a start page can afford."""
    ids = set(
        db.session.scalars(
            select(RotaShift.rota_id).where(RotaShift.user_id == user_id, RotaShift.start < end, RotaShift.end > start)
        )
    )
    ids |= set(
        db.session.scalars(
            select(RotaOverride.rota_id).where(
                RotaOverride.user_id == user_id, RotaOverride.start < end, RotaOverride.end > start
            )
        )
    )
    ids |= {r.rota_id for r in db.session.scalars(select(RotaRotation)) if user_id in (r.people or ())}
    return [rota for rota in list_rotas() if rota.id in ids]


def on_duty_in(rota, moment) -> User | None:
    segments = plan(rota, moment, moment + dt.timedelta(seconds=1))
    user_id = segments[0].user_id if segments else None
    return db.session.get(User, user_id) if user_id is not None else None


def on_duty(moment, region_id, level) -> User | None:
    """Who is on duty at `moment` on the region's rota of this level (national: region ignored)."""
    rota = rota_for(region_id, level)
    return on_duty_in(rota, moment) if rota is not None else None


def on_duty_all(moment, region_id) -> dict:
    """{"primary": User | None, "backup": ..., "national": ...} at `moment`."""
    return {level: on_duty(moment, region_id, level) for level in LEVELS}


def _hours_row(region_id) -> RegionHours | None:
    return db.session.scalar(select(RegionHours).where(RegionHours.region_id == region_id)) if region_id else None


def office_hours(region_id) -> list[dict]:
    row = _hours_row(region_id)
    return row.windows if row is not None else schedule.DEFAULT_OFFICE_HOURS


def office_exceptions(region_id) -> list[dict]:
    """The region's dates with other hours, or after hours all day (schedule.exception_on)."""
    row = _hours_row(region_id)
    return (row.exceptions or []) if row is not None else []


def office_hours_by_region() -> dict[int, tuple[list[dict], list[dict]]]:
    """Every region's (windows, exceptions) that differ from the default, in one query; a region
    absent here keeps the default hours and has no exceptions."""
    return {
        region_id: (windows, exceptions or [])
        for region_id, windows, exceptions in db.session.execute(
            select(RegionHours.region_id, RegionHours.windows, RegionHours.exceptions)
        )
    }


def in_office_hours(region_id, moment) -> bool:
    """Whether the region's office is open at `moment`; Dutch public holidays are after hours, and a
    date with an exception keeps the exception's hours."""
    row = _hours_row(region_id)  # read once: every new request asks this
    if row is None:
        return schedule.in_office(schedule.DEFAULT_OFFICE_HOURS, moment)
    return schedule.in_office(row.windows, moment, row.exceptions or [])


def _local_midnight(moment, days_back=0) -> dt.datetime:
    day = moment.astimezone(AMSTERDAM).date() - dt.timedelta(days=days_back)
    return schedule.to_utc(dt.datetime.combine(day, dt.time()))


def gaps(now, rota, days=14) -> list[schedule.Segment]:
    """Stretches in the next `days` with nobody on duty outside office hours (the region's; the
    national rota uses the default hours). A gap that is already running keeps its real start
    (looked up to a week back, from a fixed local midnight), so a report about it stays one report."""
    start, end = _local_midnight(now, 7), now + dt.timedelta(days=days)
    office = schedule.office_intervals(office_hours(rota.region_id), start, end, office_exceptions(rota.region_id))
    return [g for g in schedule.after_hours_gaps(plan(rota, start, end), office) if g.end > now]


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def eligible_people(rota) -> list[User]:
    """Who may take a duty on this rota (for the override form's choice)."""
    return db.session.scalars(
        select(User)
        .where(
            User.active.is_(True),
            User.phone.is_not(None),
            User.phone != "",
            User.phone_verified_at.is_not(None),
            User.role.in_(DUTY_ROLES[rota.level]),
        )
        .order_by(User.name, User.email)
    ).all()


# --- times and people, as typed ---------------------------------------------------------------------


def _date(value, field, required=True) -> dt.date | None:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        if required:
            raise ValidationError("vul een datum in", field=field)
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValidationError("schrijf een datum als tekst, JJJJ-MM-DD", field=field)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError("onleesbare datum; schrijf JJJJ-MM-DD", field=field) from None


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Whether two stretches [start, end) overlap; shifts that only touch (one ends as the next begins)
    do not. The one definition for the import and for shifts entered or changed by hand."""
    return a_start < b_end and b_start < a_end


def _find_user(value, field) -> User:
    value = v.storable(str(value or "").strip(), field)
    if not value:
        raise ValidationError("kies een persoon", field=field)
    user_id = v.id_text(value)
    user = (
        db.session.get(User, user_id)
        if user_id is not None
        else db.session.scalar(select(User).where(func.lower(User.email) == value.lower()))
    )
    if user is None:
        raise ValidationError(f"onbekende gebruiker {value[:80]}", field=field)
    return user


def duty_problem(user, level) -> str | None:
    """Why this person cannot take a duty on a rota of this level, or None."""
    if not user.active:
        return f"account {user.email} is niet actief"
    who = f"{user.name} ({user.email})" if user.name else user.email
    if not user.phone:
        return (
            f"{who} heeft geen telefoonnummer (piket wordt per sms en telefoon opgeroepen); "
            "vul een mobiel nummer in en laat het bevestigen via Mijn telefoon"
        )
    if not phones.is_verified(user):
        return (
            f"het telefoonnummer van {who} is nog niet bevestigd; {who} vraagt op Mijn telefoon "
            "(/account/telefoon) een sms-code aan en vult die in, daarna kan hij of zij worden ingeroosterd"
        )
    if user.role not in DUTY_ROLES[level]:
        wanted = " of ".join(vocabulary.label(vocabulary.ROLES, r) for r in DUTY_ROLES[level])
        return f"{user.email} heeft rol {vocabulary.label(vocabulary.ROLES, user.role)}; dit rooster vraagt {wanted}"
    return None


def _duty_person(value, level, field) -> User:
    user = _find_user(value, field)
    problem = duty_problem(user, level)
    if problem:
        raise ValidationError(problem, field=field)
    return user


def may_plan(actor, rota) -> bool:
    """Who may change a rota's shifts and any of its swaps: admins and the rota's owner (the one rule;
    pages and the API ask here). Rotations are the admins' (may_rotate); anyone may hand over their own duty."""
    return actor is None or actor.role == Role.ADMIN or actor.id == rota.owner_id


def may_rotate(actor) -> bool:
    """Who may add, change and end a rota's rotations: admins."""
    return actor is None or actor.role == Role.ADMIN


def _may_plan(actor, rota):
    if not may_plan(actor, rota):
        raise Forbidden("Alleen de eigenaar van dit rooster of een beheerder mag het rooster wijzigen.")


def _may_rotate(actor):
    if not may_rotate(actor):
        raise Forbidden("Alleen een beheerder stelt een rotatie in.")


# --- rotas and rotations ---------------------------------------------------------------------------


def create_rota(now, data, actor) -> Rota:
    """A rota for a region at a level (or the national rota). data: region (code; empty for national),
    level, name (optional), owner (e-mail or id of the planner who gets gap reports)."""
    level = v.choice(data, "level", LEVELS)
    code = (data.get("region") or "").strip()
    region = None
    if level == "national":
        if code:
            raise ValidationError("het landelijke rooster hoort niet bij een regio", field="region")
    else:
        if not code:
            raise ValidationError("kies een regio", field="region")
        region = db.session.scalar(select(Region).where(Region.code == code))
        if region is None:
            raise ValidationError(f"onbekende regio {code[:60]}", field="region")
    owner = _find_user(data.get("owner"), "owner")
    if not owner.active or owner.role not in OVERSIGHT:
        raise ValidationError(
            "de eigenaar moet een actieve zorgcoördinator, CoMensha-medewerker of beheerder zijn", field="owner"
        )
    name = v.text(data, "name", max_length=120, default="") or f"Piket {LEVEL_LABELS[level]}" + (
        f" {region.name}" if region else ""
    )
    with atomic():
        if rota_for(region.id if region else None, level) is not None:
            raise ValidationError("dit rooster bestaat al", field="level")
        rota = Rota(region_id=region.id if region else None, level=level, name=name, owner_id=owner.id)
        db.session.add(rota)
        db.session.flush()
        audit.record(
            now,
            "rota.create",
            "rota",
            rota.id,
            actor=actor,
            after={"region": code or None, "level": level, "name": name, "owner_id": owner.id},
        )
    return rota


def _rotation_fields(data, rota, current=None) -> dict:
    """A rotation's fields from data, checked; a field left out keeps `current`'s value (a PATCH)."""
    current = current or {}

    def given(key):
        return key in data or key not in current

    start_date = _date(data.get("start_date"), "start_date") if given("start_date") else current["start_date"]
    until_date = (
        _date(data.get("until_date"), "until_date", required=False) if given("until_date") else current["until_date"]
    )
    if until_date is not None and until_date < start_date:
        raise ValidationError("moet op of na de startdatum liggen", field="until_date")
    handover = (
        v.text(data, "handover", max_length=5, pattern=r"([01]\d|2[0-3]):[0-5]\d")
        if given("handover")
        else current["handover"]
    )
    shift_hours = (
        v.integer(data, "shift_hours", minimum=1, maximum=14 * 24) if given("shift_hours") else current["shift_hours"]
    )
    days = data.get("days") if given("days") else current["days"]
    if isinstance(days, (list, tuple)) and all(re.fullmatch(r"[1-7]", str(d)) for d in days):
        days = [int(d) for d in days]  # anything else is refused below, not silently dropped
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days)
    ):
        raise ValidationError("kies minstens één dag (1 = maandag ... 7 = zondag)", field="days")
    if given("people"):
        people = data.get("people")
        if isinstance(people, str):
            people = [p for p in re.split(r"[\s,;]+", people) if p]
        if not isinstance(people, (list, tuple)) or not people:
            raise ValidationError("noem minstens één persoon", field="people")
        people_ids = [_duty_person(p, rota.level, f"people[{i}]").id for i, p in enumerate(people)]
    else:
        people_ids = current["people"]
    return {
        "start_date": start_date,
        "handover": handover,
        "shift_hours": shift_hours,
        "days": sorted(set(days)),
        "people": list(people_ids),
        "until_date": until_date,
    }


def _rotation_json(rotation) -> dict:
    return {
        "rotation_id": rotation.id,
        "start_date": rotation.start_date.isoformat(),
        "handover": rotation.handover,
        "shift_hours": rotation.shift_hours,
        "days": list(rotation.days or ()),
        "people": list(rotation.people or ()),
        "until_date": rotation.until_date.isoformat() if rotation.until_date else None,
    }


def add_rotation(now, rota_id, data, actor) -> RotaRotation:
    """A recurring rule. data: start_date, handover "HH:MM", shift_hours, days [1..7],
    people [e-mail or id, in turn], until_date (optional)."""
    rota = get_rota(rota_id)
    _may_rotate(actor)
    fields = _rotation_fields(data, rota)
    with atomic():
        rotation = RotaRotation(rota_id=rota.id, created_at=now, **fields)
        db.session.add(rotation)
        db.session.flush()
        audit.record(now, "rota.rotation_add", "rota", rota.id, actor=actor, after=_rotation_json(rotation))
    return rotation


def set_office_hours(now, region_id, windows, actor) -> RegionHours:
    """A region's office hours (windows as in shelters' intake hours; an empty list: never in office)."""
    clean = [] if windows == [] else v.intake_hours(windows, "windows")
    if clean == "24/7":
        clean = [{"days": [1, 2, 3, 4, 5, 6, 7], "from": "00:00", "to": "24:00"}]
    with atomic():
        row = db.session.scalar(select(RegionHours).where(RegionHours.region_id == region_id))
        before = row.windows if row else None
        if row is None:
            row = RegionHours(region_id=region_id)
            db.session.add(row)
        row.windows = clean
        db.session.flush()
        audit.record(now, "region.office_hours", "region", region_id, before=before, after=clean, actor=actor)
    return row


# --- overrides ---------------------------------------------------------------------------------------


def add_override(now, rota_id, data, actor) -> RotaOverride:
    """A swap: data user (e-mail or id), start, end (local "YYYY-MM-DD HH:MM"), reason. Allowed to the
    person on duty for that whole stretch (handing it over), the rota's owner, and admins."""
    rota = get_rota(rota_id)
    start = v.local_time(data.get("start"), "start")
    end = v.local_time(data.get("end"), "end")
    if end <= start:
        raise ValidationError("moet na het begin liggen", field="end")
    if end <= now:
        raise ValidationError("ligt in het verleden", field="end")
    if end - start > dt.timedelta(days=MAX_OVERRIDE_DAYS):
        raise ValidationError(f"een vervanging duurt hoogstens {MAX_OVERRIDE_DAYS} dagen", field="end")
    person = _duty_person(data.get("user"), rota.level, "user")
    reason = v.text(data, "reason", max_length=200, default="")
    with atomic():
        locked(Rota, rota.id)  # two swaps of the same night are decided one after the other
        if actor is not None and actor.role != Role.ADMIN and actor.id != rota.owner_id:
            planned = plan(rota, start, end)
            if not planned or any(seg.user_id != actor.id for seg in planned):
                raise Forbidden(
                    "Alleen wie in die hele periode piket heeft, de eigenaar van het rooster "
                    "of een beheerder kan deze dienst overdragen."
                )
        override = RotaOverride(
            rota_id=rota.id,
            user_id=person.id,
            start=start,
            end=end,
            created_by_id=getattr(actor, "id", None),
            reason=reason,
            created_at=now,
        )
        db.session.add(override)
        db.session.flush()
        audit.record(
            now,
            "rota.override_add",
            "rota",
            rota.id,
            actor=actor,
            after={
                "override_id": override.id,
                "user_id": person.id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": reason,
            },
        )
    return override


# --- changing what is planned: from now on; the past stays as it was ---------------------------------------


def get_shift(rota, shift_id) -> RotaShift:
    row = db.session.get(RotaShift, shift_id)
    if row is None or row.rota_id != rota.id:
        raise NotFound("Deze dienst bestaat niet (meer).", field="shift_id")
    return row


def get_rotation(rota, rotation_id) -> RotaRotation:
    row = db.session.get(RotaRotation, rotation_id)
    if row is None or row.rota_id != rota.id:
        raise NotFound("Deze rotatie bestaat niet (meer).", field="rotation_id")
    return row


def get_override(rota, override_id) -> RotaOverride:
    row = db.session.get(RotaOverride, override_id)
    if row is None or row.rota_id != rota.id:
        raise NotFound("Deze vervanging bestaat niet (meer).", field="override_id")
    return row


def shifts_of(rota, since=None) -> list[RotaShift]:
    """The rota's explicit shifts that end after `since` (all when None), in order."""
    query = select(RotaShift).where(RotaShift.rota_id == rota.id)
    if since is not None:
        query = query.where(RotaShift.end > since)
    return db.session.scalars(query.order_by(RotaShift.start, RotaShift.id)).all()


def rotations_of(rota) -> list[RotaRotation]:
    return db.session.scalars(
        select(RotaRotation).where(RotaRotation.rota_id == rota.id).order_by(RotaRotation.start_date, RotaRotation.id)
    ).all()


def overrides_of(rota, since=None) -> list[RotaOverride]:
    query = select(RotaOverride).where(RotaOverride.rota_id == rota.id)
    if since is not None:
        query = query.where(RotaOverride.end > since)
    return db.session.scalars(query.order_by(RotaOverride.start, RotaOverride.id)).all()


def _stretch(now, data, current=None, max_days=None) -> tuple[dt.datetime, dt.datetime]:
    """start and end from data (local times, as the import reads them: a time that does not exist or
    occurs twice on the clock is refused), a field left out keeping `current`'s. Something already
    started keeps its start and may only be shortened, to end at or after now; nothing new lies in the past."""
    start = v.local_time(data.get("start"), "start") if current is None or "start" in data else current.start
    end = v.local_time(data.get("end"), "end") if current is None or "end" in data else current.end
    if current is not None and current.start <= now:
        if current.end <= now:
            raise ValidationError("ligt in het verleden en blijft zoals het was", field="end")
        if start != current.start:
            raise ValidationError("is al begonnen; alleen het einde kan nog eerder", field="start")
        if end > current.end:
            raise ValidationError("wat al begonnen is kan alleen korter; voeg daarna iets nieuws toe", field="end")
        if end < now:
            raise ValidationError("kan niet vóór nu eindigen", field="end")
    elif start < now and (current is None or start != current.start):
        raise ValidationError("ligt in het verleden", field="start")
    if end <= start:
        raise ValidationError("moet na het begin liggen", field="end")
    if max_days is not None and end - start > dt.timedelta(days=max_days):
        raise ValidationError(f"een vervanging duurt hoogstens {max_days} dagen", field="end")
    return start, end


def _refuse_overlap(rota, start, end, except_id=None):
    """The same test as the import: a shift may not overlap another explicit shift of this rota."""
    for other in db.session.scalars(
        select(RotaShift).where(RotaShift.rota_id == rota.id, RotaShift.start < end, RotaShift.end > start)
    ):
        if other.id != except_id and overlaps(start, end, other.start, other.end):
            who = db.session.get(User, other.user_id)
            raise ValidationError(
                f"overlapt met de dienst van {who.name or who.email} van {formatting.when(other.start)} "
                f"tot {formatting.when(other.end)}",
                field="start",
            )


def add_shift(now, rota_id, data, actor) -> RotaShift:
    """A shift entered by hand: data user (e-mail or id), start, end (local "YYYY-MM-DD HH:MM")."""
    rota = get_rota(rota_id)
    _may_plan(actor, rota)
    start, end = _stretch(now, data)
    person = _duty_person(data.get("user"), rota.level, "user")
    with atomic():
        locked(Rota, rota.id)  # two edits of the same night are checked one after the other
        _refuse_overlap(rota, start, end)
        row = RotaShift(rota_id=rota.id, user_id=person.id, start=start, end=end, source="manual", created_at=now)
        db.session.add(row)
        db.session.flush()
        audit.record(now, "rota.shift_add", "rota", rota.id, actor=actor, after=_shift_json(row))
    return row


def update_shift(now, rota_id, shift_id, data, actor) -> RotaShift:
    """Change a shift from now on: one not yet begun entirely; one running only to end earlier (not before now)."""
    rota = get_rota(rota_id)
    _may_plan(actor, rota)
    row = get_shift(rota, shift_id)
    start, end = _stretch(now, data, row)
    person = (
        _duty_person(data.get("user"), rota.level, "user")
        if "user" in data and str(data.get("user")) != str(row.user_id)
        else None
    )
    if person is not None and row.start <= now:
        raise ValidationError("deze dienst is al begonnen; draag de rest over met een vervanging", field="user")
    with atomic():
        locked(Rota, rota.id)
        _refuse_overlap(rota, start, end, except_id=row.id)
        before = _shift_json(row)
        row.start, row.end = start, end
        if person is not None:
            row.user_id = person.id
        db.session.flush()
        audit.record(now, "rota.shift_edit", "rota", rota.id, actor=actor, before=before, after=_shift_json(row))
    return row


def delete_shift(now, rota_id, shift_id, actor) -> RotaShift | None:
    """Remove a shift not yet begun; a running one ends now (what happened stays). Returns the shift
    when it was ended, None when it is gone."""
    rota = get_rota(rota_id)
    _may_plan(actor, rota)
    row = get_shift(rota, shift_id)
    if row.end <= now:
        raise ValidationError("deze dienst ligt in het verleden en blijft zoals hij was", field="shift_id")
    with atomic():
        locked(Rota, rota.id)
        before = _shift_json(row)
        if row.start <= now:
            row.end = now
            db.session.flush()
            audit.record(now, "rota.shift_end", "rota", rota.id, actor=actor, before=before, after=_shift_json(row))
            return row
        db.session.delete(row)
        audit.record(now, "rota.shift_delete", "rota", rota.id, actor=actor, before=before)
    return None


def _first_start(rotation_fields) -> dt.datetime:
    return schedule.to_utc(
        dt.datetime.combine(rotation_fields["start_date"], schedule.clock(rotation_fields["handover"]))
    )


def _last_started_day(row, now) -> dt.date:
    """The last day on which a started rotation's shift (may have) begun by now: today when its
    hand-over time has passed, else yesterday; a running shift keeps its day."""
    today = now.astimezone(AMSTERDAM).date()
    day = (
        today
        if schedule.to_utc(dt.datetime.combine(today, schedule.clock(row.handover))) <= now
        else today - dt.timedelta(days=1)
    )
    return max(day, row.start_date)


def _next_start_day(handover, now) -> dt.date:
    today = now.astimezone(AMSTERDAM).date()
    return (
        today
        if schedule.to_utc(dt.datetime.combine(today, schedule.clock(handover))) >= now
        else today + dt.timedelta(days=1)
    )


ROTATION_STATES = {"planned": "gepland", "running": "loopt", "ended": "afgelopen"}


def rotation_state(row, now) -> str:
    """planned (no shift begun yet), running, or ended (no new shift begins: it stays as it was)."""
    if _first_start({"start_date": row.start_date, "handover": row.handover}) > now:
        return "planned"
    if row.until_date is not None and row.until_date <= _last_started_day(row, now):
        return "ended"
    return "running"


def update_rotation(now, rota_id, rotation_id, data, actor) -> RotaRotation:
    """Change a rotation from now on. One not yet begun is changed. One that has begun is not
    rewritten: changing only its until_date ends it there (not before its last shift begun by now);
    any other change ends it and a new rotation with the changes takes over from start_date (by
    default the next hand-over), so the duties already done stay as they were. Returns the rotation
    now in effect."""
    rota = get_rota(rota_id)
    _may_rotate(actor)
    row = get_rotation(rota, rotation_id)
    current = {k: getattr(row, k) for k in ("start_date", "handover", "shift_hours", "days", "people", "until_date")}
    if _first_start(current) > now:  # not begun: changed as it stands, but not into the past
        fields = _rotation_fields(data, rota, current)
        if _first_start(fields) < now:
            raise ValidationError("ligt in het verleden", field="start_date")
        with atomic():
            locked(Rota, rota.id)
            before = _rotation_json(row)
            for key, value in fields.items():
                setattr(row, key, value)
            db.session.flush()
            audit.record(
                now, "rota.rotation_edit", "rota", rota.id, actor=actor, before=before, after=_rotation_json(row)
            )
        return row
    last_started = _last_started_day(row, now)
    if row.until_date is not None and row.until_date < last_started:
        raise ValidationError("deze rotatie is voorbij en blijft zoals ze was", field="rotation_id")
    fields = _rotation_fields({**data, "start_date": current["start_date"]}, rota, current)
    if all(fields[k] == current[k] for k in ("handover", "shift_hours", "days", "people")) and (
        not data.get("start_date") or _date(data.get("start_date"), "start_date") == current["start_date"]
    ):
        if fields["until_date"] is not None and fields["until_date"] < last_started:
            raise ValidationError(
                f"de rotatie loopt al; laat haar op of na {formatting.day(last_started, now)} eindigen",
                field="until_date",
            )
        with atomic():
            locked(Rota, rota.id)
            before = _rotation_json(row)
            row.until_date = fields["until_date"]
            db.session.flush()
            audit.record(
                now, "rota.rotation_edit", "rota", rota.id, actor=actor, before=before, after=_rotation_json(row)
            )
        return row
    given = _date(data.get("start_date"), "start_date", required=False)
    fields["start_date"] = (
        given if given is not None and given != current["start_date"] else _next_start_day(fields["handover"], now)
    )
    if _first_start(fields) < now:
        raise ValidationError(
            "de rotatie loopt al; de wijziging gaat in bij een volgende overdracht, niet in het verleden",
            field="start_date",
        )
    if fields["until_date"] is not None and fields["until_date"] < fields["start_date"]:
        raise ValidationError("moet op of na de startdatum liggen", field="until_date")
    with atomic():
        locked(Rota, rota.id)
        before = _rotation_json(row)
        # The old rule keeps every shift begun by now, and stops before the new one takes over.
        last_kept = fields["start_date"] - dt.timedelta(days=1)
        if schedule.to_utc(dt.datetime.combine(fields["start_date"], schedule.clock(row.handover))) <= now:
            last_kept = fields["start_date"]
        row.until_date = max(min(row.until_date or last_kept, last_kept), last_started)
        new = RotaRotation(rota_id=rota.id, created_at=now, **fields)
        db.session.add(new)
        db.session.flush()
        audit.record(
            now,
            "rota.rotation_edit",
            "rota",
            rota.id,
            actor=actor,
            before=before,
            after={"ended": _rotation_json(row), "new": _rotation_json(new)},
        )
    return new


def delete_rotation(now, rota_id, rotation_id, actor) -> RotaRotation | None:
    """Remove a rotation not yet begun; one that has begun ends after its last shift begun by now
    (a running shift runs out). Returns the rotation when it was ended, None when it is gone."""
    rota = get_rota(rota_id)
    _may_rotate(actor)
    row = get_rotation(rota, rotation_id)
    current = {"start_date": row.start_date, "handover": row.handover}
    with atomic():
        locked(Rota, rota.id)
        before = _rotation_json(row)
        if _first_start(current) > now:
            db.session.delete(row)
            audit.record(now, "rota.rotation_delete", "rota", rota.id, actor=actor, before=before)
            return None
        last_started = _last_started_day(row, now)
        if row.until_date is not None and row.until_date <= last_started:
            raise ValidationError("deze rotatie is al afgelopen en blijft zoals hij was", field="rotation_id")
        row.until_date = last_started
        db.session.flush()
        audit.record(now, "rota.rotation_end", "rota", rota.id, actor=actor, before=before, after=_rotation_json(row))
    return row


def _override_json(row) -> dict:
    return {
        "override_id": row.id,
        "user_id": row.user_id,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "reason": row.reason,
    }


def may_change_override(actor, rota, row) -> bool:
    """The owner and admins change any swap; whoever entered it may shorten or remove it."""
    return may_plan(actor, rota) or actor.id == row.created_by_id


def _may_change_override(actor, rota, row, start=None, end=None):
    if may_plan(actor, rota):
        return
    if actor.id == row.created_by_id and (start is None or (row.start <= start and end <= row.end)):
        return
    raise Forbidden("Alleen wie deze vervanging invoerde (om haar in te korten), de eigenaar of een beheerder.")


def update_override(now, rota_id, override_id, data, actor) -> RotaOverride:
    """Change a swap from now on (the same checks as a new one); a past swap stays as it was."""
    rota = get_rota(rota_id)
    row = get_override(rota, override_id)
    _may_change_override(actor, rota, row)
    start, end = _stretch(now, data, row, max_days=MAX_OVERRIDE_DAYS)
    _may_change_override(actor, rota, row, start, end)
    person = (
        _duty_person(data.get("user"), rota.level, "user")
        if "user" in data and str(data.get("user")) != str(row.user_id)
        else None
    )
    if person is not None and row.start <= now:
        raise ValidationError("deze vervanging is al begonnen; voeg een nieuwe toe voor de rest", field="user")
    reason = v.text(data, "reason", max_length=200, default="") if "reason" in data else row.reason
    with atomic():
        locked(Rota, rota.id)
        before = _override_json(row)
        row.start, row.end, row.reason = start, end, reason
        if person is not None:
            row.user_id = person.id
        db.session.flush()
        audit.record(now, "rota.override_edit", "rota", rota.id, actor=actor, before=before, after=_override_json(row))
    return row


def delete_override(now, rota_id, override_id, actor) -> RotaOverride | None:
    """Remove a swap not yet begun; a running one ends now; a past one stays."""
    rota = get_rota(rota_id)
    row = get_override(rota, override_id)
    _may_change_override(actor, rota, row)
    if row.end <= now:
        raise ValidationError("deze vervanging ligt in het verleden en blijft zoals ze was", field="override_id")
    with atomic():
        locked(Rota, rota.id)
        before = _override_json(row)
        if row.start <= now:
            row.end = now
            db.session.flush()
            audit.record(
                now, "rota.override_end", "rota", rota.id, actor=actor, before=before, after=_override_json(row)
            )
            return row
        db.session.delete(row)
        audit.record(now, "rota.override_delete", "rota", rota.id, actor=actor, before=before)
    return None


# --- CSV import ---------------------------------------------------------------------------------------


def _rows(text):
    """(line number, cells) of the file's non-empty rows; "," or ";" (Dutch spreadsheets) as separator."""
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                yield reader.line_num, [c.strip() for c in cells]
    except csv.Error:  # a cell longer than the csv module's limit (128 kB), a NUL byte: not a rota
        line = f"regel {reader.line_num + 1}: onleesbaar, geen CSV met diensten"
        raise ValidationError("het bestand is geen leesbaar CSV-bestand", field="file", errors=[line]) from None


COLUMNS = ",".join(vocabulary.ROTA_IMPORT_COLUMNS.values())  # "regio,e-mail,begin,einde"


def parse_csv(text, level="primary", only_rota=None) -> list[dict]:
    """Every row of a rota CSV (regio,e-mail,begin,einde; a header optional, Dutch or English) checked;
    raises one ValidationError listing every bad row as "regel N: kolom: melding" (details["errors"]),
    the column by its Dutch name (vocabulary.ROTA_IMPORT_COLUMNS)."""
    if level not in LEVELS:
        raise ValidationError(f"kies uit {', '.join(LEVELS)}", field="level")
    rows = list(_rows(text or ""))
    if rows and rows[0][1] and rows[0][1][0].lower() in ("region", "regio"):
        rows = rows[1:]
    if not rows:
        raise ValidationError(
            "het bestand bevat geen diensten", field="file", errors=["bestand: geen diensten gevonden"]
        )
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(
            f"hoogstens {MAX_IMPORT_ROWS} regels per bestand",
            field="file",
            errors=[f"bestand: hoogstens {MAX_IMPORT_ROWS} regels per bestand"],
        )
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    emails = {cells[1].lower() for _n, cells in rows if len(cells) > 1 and v.is_storable(cells[1])}  # else: unknown
    users = {u.email.lower(): u for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))}
    rotas = {(r.region_id, r.level): r for r in db.session.scalars(select(Rota).where(Rota.level == level))}
    errors, good = [], []
    for line, cells in rows:
        problems = []
        if len(cells) != 4:
            errors.append(f"regel {line}: verwacht 4 kolommen ({COLUMNS}), gevonden {len(cells)}")
            continue
        code, email, start_text, end_text = cells
        code = code.lower()
        rota = None
        if level == "national":
            if code.lower() not in NATIONAL_WORDS:
                problems.append(("region", "het landelijke rooster heeft geen regio; laat leeg of schrijf landelijk"))
            rota = rotas.get((None, level))
            if rota is None and not problems:
                problems.append(("region", "er is geen landelijk rooster"))
        elif code not in regions:
            problems.append(("region", f"onbekende regio {code[:60]!r}" if code else "vul een regio in"))
        else:
            rota = rotas.get((regions[code].id, level))
            if rota is None:
                problems.append(("region", f"regio {code} heeft geen rooster {LEVEL_LABELS[level]}"))
        if rota is not None and only_rota is not None and rota.id != only_rota.id:
            problems.append(("region", f"hoort niet bij dit rooster ({only_rota.name})"))
        user = users.get(email.lower())
        if user is None:
            problems.append(("email", f"onbekende gebruiker {email[:80]!r}" if email else "vul een e-mailadres in"))
        elif duty_problem(user, level):
            problems.append(("email", duty_problem(user, level)))
        times = {}
        for field, value in (("start", start_text), ("end", end_text)):
            try:
                times[field] = v.local_time(value, field)
            except ValidationError as err:
                problems.append((field, err.message))
        if len(times) == 2 and times["end"] <= times["start"]:
            problems.append(("end", "moet na het begin liggen"))
        errors.extend(
            f"regel {line}: {vocabulary.ROTA_IMPORT_COLUMNS[field]}: {message}" for field, message in problems
        )
        if not problems:
            good.append({"line": line, "rota": rota, "user": user, "start": times["start"], "end": times["end"]})
    # Two rows of the file for the same rota at the same time: which one holds? Refuse both orders.
    latest = {}
    for row in sorted(good, key=lambda r: (r["rota"].id, r["start"], r["line"])):
        before = latest.get(row["rota"].id)
        if before is not None and overlaps(row["start"], row["end"], before["start"], before["end"]):
            errors.append(f"regel {row['line']}: begin: overlapt met regel {before['line']} van dit bestand")
        if before is None or row["end"] > before["end"]:
            latest[row["rota"].id] = row
    if errors:
        errors.sort(key=lambda e: int(e.split(":")[0].split()[1]) if e.startswith("regel ") else 0)
        raise ValidationError(
            f"{len(errors)} fout(en) in het bestand; er is niets geïmporteerd", field="file", errors=errors
        )
    return good


def import_csv(now, text, level="primary", actor=None, only_rota=None, source=None) -> dict:
    """Import a rota CSV all-or-nothing. Rows already present are left alone (a re-import adds
    nothing); earlier imported shifts that a row of the file overlaps are replaced by it (a
    corrected file wins). Returns {"created", "unchanged", "replaced"}."""
    rows = parse_csv(text, level, only_rota)
    by_rota = {}
    for row in rows:
        by_rota.setdefault(row["rota"].id, []).append(row)
    for rota_id in by_rota:
        _may_plan(actor, by_rota[rota_id][0]["rota"])
    counts = {"created": 0, "unchanged": 0, "replaced": 0}
    with atomic():
        for rota_id in sorted(by_rota):  # lock in one order: two imports never deadlock
            locked(Rota, rota_id)
        for rota_id, items in sorted(by_rota.items()):
            lo, hi = min(r["start"] for r in items), max(r["end"] for r in items)
            existing = db.session.scalars(
                select(RotaShift).where(RotaShift.rota_id == rota_id, RotaShift.start < hi, RotaShift.end > lo)
            ).all()
            same = {(s.user_id, s.start, s.end) for s in existing}
            new = [r for r in items if (r["user"].id, r["start"], r["end"]) not in same]
            wanted = {(r["user"].id, r["start"], r["end"]) for r in items}
            replaced = [
                s
                for s in existing
                if s.source == "import"
                and (s.user_id, s.start, s.end) not in wanted
                and any(overlaps(r["start"], r["end"], s.start, s.end) for r in new)
            ]
            if replaced:
                db.session.execute(delete(RotaShift).where(RotaShift.id.in_([s.id for s in replaced])))
            created = [
                RotaShift(
                    rota_id=rota_id,
                    user_id=r["user"].id,
                    start=r["start"],
                    end=r["end"],
                    source="import",
                    created_at=now,
                )
                for r in new
            ]
            db.session.add_all(created)
            db.session.flush()
            counts["created"] += len(created)
            counts["unchanged"] += len(items) - len(new)
            counts["replaced"] += len(replaced)
            if created or replaced:
                audit.record(
                    now,
                    "rota.import",
                    "rota",
                    rota_id,
                    actor=actor,
                    source=source,
                    before={"shifts": [_shift_json(s) for s in replaced]} if replaced else None,
                    after={"shifts": [_shift_json(s) for s in created], "unchanged": len(items) - len(new)},
                )
    return counts


def _shift_json(shift) -> dict:
    return {"id": shift.id, "user_id": shift.user_id, "start": shift.start.isoformat(), "end": shift.end.isoformat()}


# --- iCal links ------------------------------------------------------------------------------------


def feed_of(user=None, rota=None) -> CalendarFeed | None:
    if rota is not None:
        return db.session.scalar(select(CalendarFeed).where(CalendarFeed.rota_id == rota.id))
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def renew_feed(now, actor, rota=None) -> CalendarFeed:
    """A new secret link for the actor's own duties, or (owner, admin) for a whole rota; the old link stops working."""
    if rota is not None:
        _may_plan(actor, rota)
    with atomic():
        feed = feed_of(user=actor, rota=rota)
        if feed is None:
            feed = CalendarFeed(user_id=None if rota is not None else actor.id, rota_id=rota.id if rota else None)
            db.session.add(feed)
        feed.token, feed.created_at = secrets.token_urlsafe(32), now
        db.session.flush()
        audit.record(
            now,
            "rota.ical_link",
            "rota" if rota is not None else "user",
            rota.id if rota is not None else actor.id,
            actor=actor,
        )  # never the token itself
    return feed


def feed_by_token(token) -> CalendarFeed:
    feed = (
        db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
        if token and len(token) <= 64
        else None
    )
    if feed is None or (feed.user_id is not None and not _active(feed.user_id)):
        raise NotFound("Onbekende agenda-link.", field="token")  # a deactivated account's duties are no one's
    return feed


def _active(user_id) -> bool:
    user = db.session.get(User, user_id)
    return user is not None and user.active


def feed_duties(now, feed, days_back=7, days_ahead=60) -> list[tuple[Rota, schedule.Segment]]:
    """(rota, duty) pairs of a feed, from `days_back` ago to `days_ahead`. A duty that started
    before the window keeps its real start (a month further back), so its UID does not change."""
    start, end = now - dt.timedelta(days=days_back), now + dt.timedelta(days=days_ahead)
    rotas = [get_rota(feed.rota_id)] if feed.rota_id else list_rotas()
    out = []
    for rota in rotas:
        for duty in schedule.duties(plan(rota, start - dt.timedelta(days=31), end)):
            if duty.end > start and (feed.user_id is None or duty.user_id == feed.user_id):
                out.append((rota, duty))
    return sorted(out, key=lambda pair: (pair[1].start, pair[0].id))


# --- who gets no SMS --------------------------------------------------------------------------------


def sms_blocked(people) -> set[int]:
    """Ids of these people whose phone replied STOP: their pages reach them by call only."""
    return {p.id for p in people if p is not None and p.phone and notify.is_opted_out(p.phone)}


def on_duty_without_sms(now) -> list[tuple[Rota, User]]:
    """Every rota whose person on duty now has opted out of SMS, with that person (the admins' view)."""
    on_duty_now = [(rota, on_duty_in(rota, now)) for rota in list_rotas()]
    return [(rota, user) for rota, user in on_duty_now if user is not None and sms_blocked([user])]
