"""A region's office hours and escalation ladders: reading them, changing them (checked by rules.py,
audited with before and after, one transaction each) and the preview of who a request made now
would page, computed from the rotas as they stand.

Who: admins change every region, a coordinator the regions they belong to; coordinators, CoMensha
and admins read every region (the rotas they name are already theirs to read). A change applies to
new requests only: a request snapshots its ladder when it is made (escalation.snapshot).
"""

import datetime as dt

from sqlalchemy import select

import formatting
import vocabulary
from accounts.roles import Role
from audit import service as audit
from beds.models import Region
from errors import Forbidden, NotFound
from extensions import db
from piket import escalation
from piket.ladders import rules
from piket.models import EscalationPolicy
from piket.rotas import schedule
from piket.rotas import service as rotas
from piket.rotas.models import RegionHours
from timeutil import is_holiday, local
from transactions import atomic

MODE_LABELS = {"office": "kantooruren", "after_hours": "buiten kantooruren"}
GAP = "niemand ingeroosterd"


# --- reading ---------------------------------------------------------------------------------------


def care_regions() -> list[Region]:
    return db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.name)).all()


def region_by_code(code) -> Region:
    region = db.session.scalar(select(Region).where(Region.code == str(code)[:60], Region.kind == "care"))
    if region is None:
        raise NotFound("Deze zorgregio bestaat niet.", field="code")
    return region


def may_edit(user, region) -> bool:
    """Admins every region; a coordinator the regions they belong to; nobody else (CoMensha reads only)."""
    if user is None:
        return False
    return user.role == Role.ADMIN or (user.role == Role.COORDINATOR and region.id in user.region_ids)


def must_edit(actor, region):
    if not may_edit(actor, region):
        raise Forbidden("Alleen een beheerder of een coördinator van deze regio mag dit wijzigen.")


def _policy_row(region) -> EscalationPolicy | None:
    return escalation.policy_for(region.id)


def policy(region) -> dict:
    """The region's policy as stored, the defaults (escalation.py) where it has none."""
    row = _policy_row(region)
    backup = db.session.get(Region, row.backup_region_id) if row and row.backup_region_id else None
    return {
        "after_hours": (row.after_hours if row else None) or escalation.AFTER_HOURS,
        "office_hours": (row.office_hours if row else None) or escalation.OFFICE_HOURS,
        "backup_region": backup.code if backup else None,
        "rounds": (row.rounds if row and row.rounds else None) or escalation.ROUNDS,
        "ack_timeout_minutes": row.ack_timeout_minutes
        if row and row.ack_timeout_minutes is not None
        else escalation.ACK_TIMEOUT,
    }


def policy_json(region) -> dict:
    return {"region": region.code, "default": _policy_row(region) is None, **policy(region)}


def office_hours(region) -> dict:
    return {"windows": rotas.office_hours(region.id), "exceptions": rotas.office_exceptions(region.id)}


def office_hours_json(now, region) -> dict:
    row = db.session.scalar(select(RegionHours).where(RegionHours.region_id == region.id))
    return {
        "region": region.code,
        "default": row is None,
        **office_hours(region),
        "in_office_now": rotas.in_office_hours(region.id, now),
        "holidays_after_hours": True,
    }


def _codes() -> set[str]:
    return {r.code for r in care_regions()}


# --- changing ----------------------------------------------------------------------------------------


def check_policy(region, data) -> dict:
    """The one check of a policy edit (page, API, preview); raises ValidationError naming the field."""
    return rules.check_policy(data, policy(region), region.code, _codes())


def save_policy(now, region, data, actor) -> dict:
    """Check and store the region's ladders; audited with before and after. Running requests keep
    the ladder they snapshotted; requests made from now on take this one."""
    must_edit(actor, region)
    clean = check_policy(region, data)
    with atomic():
        row = _policy_row(region)
        before = policy(region) if row is not None else None
        if row is None:
            row = EscalationPolicy(region_id=region.id)
            db.session.add(row)
        backup = db.session.scalar(select(Region).where(Region.code == clean["backup_region"]))
        row.after_hours, row.office_hours = clean["after_hours"], clean["office_hours"]
        row.backup_region_id = backup.id if backup else None
        row.rounds, row.ack_timeout_minutes = clean["rounds"], clean["ack_timeout_minutes"]
        db.session.flush()
        audit.record(now, "region.escalation_policy", "region", region.id, before=before, after=clean, actor=actor)
    return clean


def save_office_hours(now, region, data, actor) -> dict:
    """Check and store the region's office hours and exceptions; audited with before and after."""
    must_edit(actor, region)
    clean = rules.check_office_hours(data, office_hours(region))
    with atomic():
        row = db.session.scalar(select(RegionHours).where(RegionHours.region_id == region.id))
        before = {"windows": row.windows, "exceptions": row.exceptions or []} if row is not None else None
        if row is None:
            row = RegionHours(region_id=region.id)
            db.session.add(row)
        row.windows, row.exceptions = clean["windows"], clean["exceptions"]
        db.session.flush()
        audit.record(now, "region.office_hours", "region", region.id, before=before, after=clean, actor=actor)
    return clean


# --- the preview -----------------------------------------------------------------------------------


def _name(user) -> str:
    return user.name or user.email


def _channels(channels) -> str:
    return "+".join(vocabulary.MESSAGE_CHANNELS[c] for c in channels)


def _why_skipped(user) -> str | None:
    if not user.active:
        return "account niet actief: wordt overgeslagen"
    if not user.phone:
        return "geen telefoonnummer: wordt overgeslagen"
    return None


def _who(moment, region, level, backup_region) -> tuple[list, str | None]:
    """Who a step of this level would page at `moment`, and through which stand-in (as escalation._targets)."""
    if level == "region":
        return escalation.region_coordinators(region.id), None
    person = rotas.on_duty(moment, region.id, level)
    if person is None and level == "backup" and backup_region is not None:
        person = rotas.on_duty(moment, backup_region.id, "primary")
        if person is not None:
            return [person], f"piket van {backup_region.name}"
    return ([person] if person else []), None


def mode_at(region, moment) -> tuple[str, str]:
    """("office" | "after_hours", why in Dutch) for a request made at `moment` in the region."""
    office = rotas.in_office_hours(region.id, moment)
    day = local(moment).date()
    if is_holiday(day):
        why = "feestdag: de hele dag buiten kantooruren"
    elif schedule.exception_on(rotas.office_exceptions(region.id), day) is not None:
        why = "uitzondering op de kantooruren vandaag"
    else:
        why = "volgens de vaste kantooruren"
    return ("office" if office else "after_hours"), why


def preview(now, region, edit=None) -> dict:
    """Who a request made now in the region would page, step by step: the ladder that would be used
    now (office or after hours, exceptions and holidays included), the rotas as they stand at each
    step's minute. `edit`: an unsaved policy (checked like a save; fields left out are the saved ones)."""
    clean = check_policy(region, edit) if edit is not None else policy(region)
    mode, why = mode_at(region, now)
    backup_region = (
        db.session.scalar(select(Region).where(Region.code == clean["backup_region"]))
        if clean["backup_region"]
        else None
    )
    steps, parts = [], []
    for index, step in enumerate(clean["office_hours" if mode == "office" else "after_hours"]):
        moment = now + dt.timedelta(minutes=step["after"])
        label = vocabulary.LADDER_LEVELS[step["level"]]
        if step["level"] == "exhausted":
            again = clean["rounds"] > 1
            text = f"minuut {step['after']}: niemand nam aan: " + (
                f"opnieuw vanaf het begin (tot {clean['rounds']} rondes), daarna alarm"
                if again
                else "alarm aan de coördinatoren van de regio en de beheerders"
            )
            steps.append(
                {
                    "index": index,
                    "minute": step["after"],
                    "at": moment.isoformat(),
                    "level": "exhausted",
                    "channels": [],
                    "people": [],
                    "gap": False,
                    "text": text,
                }
            )
            parts.append(text)
            continue
        people, via = _who(moment, region, step["level"], backup_region)
        shown = [
            {"id": p.id, "name": _name(p), **({"skipped": _why_skipped(p)} if _why_skipped(p) else {})} for p in people
        ]
        reachable = [p for p in shown if "skipped" not in p]
        names = ", ".join(p["name"] + (f" ({p['skipped']})" if "skipped" in p else "") for p in shown) or GAP
        how = ", ".join(x for x in (label, via, _channels(step["channels"])) if x)
        text = f"minuut {step['after']}: {names} ({how})"
        if not reachable:
            text += " · deze stap wordt overgeslagen"
        steps.append(
            {
                "index": index,
                "minute": step["after"],
                "at": moment.isoformat(),
                "level": step["level"],
                "channels": step["channels"],
                "people": shown,
                "via": via,
                "gap": not reachable,
                "text": text,
            }
        )
        parts.append(text)
    intro = f"Een aanvraag nu ({formatting.when(now, now)}, {MODE_LABELS[mode]}) in regio {region.name} piept"
    return {
        "region": region.code,
        "at": now.isoformat(),
        "mode": mode,
        "mode_reason": why,
        "saved": edit is None,
        "steps": steps,
        "gaps": sum(1 for s in steps if s["gap"]),
        "rounds": clean["rounds"],
        "ack_timeout_minutes": clean["ack_timeout_minutes"],
        "backup_region": clean["backup_region"],
        "intro": intro,
        "text": f"{intro}: " + "; ".join(parts),
    }
