"""The victim's report to CoMensha (melding): who owes it, whether it is made, reminders until it is.

The placement flow stays free of identity data: the report itself is made outside this service
(CoMensha's own form); here we record only that it was made, by whom and when.
"""

import datetime as dt

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import lazyload

import formatting
from accounts.models import User
from accounts.roles import NATIONAL, Role
from audit import service as audit
from errors import Conflict, Forbidden, NotFound
from extensions import db
from notify import service as notify
from piket import access, messages
from piket.lifecycle import PlacementStatus, RequestStatus
from piket.models import Case, Placement, PlacementRequest
from piket.rotas import schedule
from piket.timeline import event
from timeutil import local
from transactions import atomic

# Reminders go out in office hours on working days only (schedule.in_office skips Dutch holidays).
REMIND_HOURS = [{"days": [1, 2, 3, 4, 5], "from": "09:00", "to": "18:00"}]
FIRST_REMINDER_AFTER = dt.timedelta(hours=24)  # after the owner got it, not before


def placed_subquery():
    """case_id -> the first confirmed placement's decision time, for cases with a placed request."""
    return (
        select(PlacementRequest.case_id.label("case_id"), func.min(Placement.decided_at).label("placed_at"))
        .join(Placement, Placement.request_id == PlacementRequest.id)
        .where(PlacementRequest.status == RequestStatus.PLACED, Placement.status == PlacementStatus.CONFIRMED)
        .group_by(PlacementRequest.case_id)
        .subquery()
    )


def placed_at(case_id) -> dt.datetime | None:
    """When the first victim of the case was placed; None when nobody was."""
    placed = placed_subquery()
    return db.session.scalar(select(placed.c.placed_at).where(placed.c.case_id == case_id))


def may_mark(user, case, now) -> bool:
    """The owner (also police, to whom it can be handed), CoMensha, admins, and the coordinators who
    may see the case (piket/access.py)."""
    if user is None:
        return False
    if case.report_owner_id is not None and case.report_owner_id == user.id:
        return True
    if user.role in NATIONAL:
        return True
    return user.role == Role.COORDINATOR and access.can_see_case(user, case, now)


def local_days(start, end) -> int:
    """Calendar days between two moments in Amsterdam: placed yesterday evening is 1 day today."""
    return (local(end).date() - local(start).date()).days


def state(case) -> dict:
    """The case's report as plain data for the API and the pages."""
    made_by = db.session.get(User, case.report_made_by_id) if case.report_made_by_id else None
    owner = db.session.get(User, case.report_owner_id) if case.report_owner_id else None
    iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    return {
        "case_id": case.id,
        "placed_at": iso(placed_at(case.id)),
        "report_owner_id": case.report_owner_id,
        "report_owner": messages.display_name(owner) if owner else None,
        "report_owner_since": iso(case.report_owner_since),
        "report_made": case.report_made_at is not None,
        "report_made_at": iso(case.report_made_at),
        "report_made_by_id": case.report_made_by_id,
        "report_made_by": messages.display_name(made_by) if made_by else None,
        "report_reminded_at": iso(case.report_reminded_at),
    }


def mark_made(now, case_id, user) -> Case:
    """The report is made. First writer wins (a conditional update); a second mark is told who did it."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("Deze zaak bestaat niet.", field="case_id")
    if not may_mark(user, case, now):
        raise Forbidden(
            "Alleen wie de melding bij CoMensha doet, een zorgcoördinator of CoMensha zet haar op gedaan.",
            field="case_id",
        )
    if placed_at(case.id) is None:
        raise Conflict(
            "Nog niemand van deze zaak is geplaatst: er is nog geen melding te doen.",
            field="case_id",
            code="not_placed",
        )
    with atomic():
        won = (
            db.session.execute(
                update(Case)
                .where(Case.id == case.id, Case.report_made_at.is_(None))
                .values(report_made_at=now, report_made_by_id=user.id)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
        if won:
            for request in case.requests:
                event(now, request, "report_made", user)
            audit.record(now, "case.report_made", "case", case.id, actor=user, after={"made_by": user.id})
    db.session.refresh(case)
    if not won:
        by = db.session.get(User, case.report_made_by_id) if case.report_made_by_id else None
        who = f" door {messages.display_name(by)}" if by else ""
        raise Conflict(
            f"De melding bij CoMensha is al gedaan{who} op {formatting.when(case.report_made_at, now)}.",
            field="case_id",
            code="already_made",
            made_at=case.report_made_at.isoformat(),
        )
    return case


def _open_cases(region_ids=None):
    placed = placed_subquery()
    # The requests only when asked for (the reminder's short code): a list of every open case must not
    # load each case's requests and their placements.
    query = (
        select(Case, placed.c.placed_at)
        .join(placed, placed.c.case_id == Case.id)
        .options(lazyload(Case.requests))
        .where(Case.report_made_at.is_(None))
        .order_by(placed.c.placed_at, Case.id)
    )
    if region_ids is not None:
        query = query.where(Case.region_id.in_(list(region_ids)))
    return db.session.execute(query).all()


def remind_due(now) -> int:
    """Worker job: an SMS to the owner of each open report, at most once per local day, in office
    hours on working days, the first no sooner than 24 h after they got it. Each case is claimed
    with a conditional update on report_reminded_at and the SMS carries a dedupe key per local day,
    so two workers (or a second run) send nothing twice."""
    if not schedule.in_office(REMIND_HOURS, now):
        return 0
    today = local(now).date()
    day_start = schedule.to_utc(dt.datetime.combine(today, dt.time()))
    done = 0
    for case, placed in _open_cases():
        if case.report_owner_id is None or case.report_owner_since is None:
            continue
        if now - case.report_owner_since < FIRST_REMINDER_AFTER:
            continue
        if case.report_reminded_at is not None and case.report_reminded_at >= day_start:
            continue
        owner = db.session.get(User, case.report_owner_id)
        if owner is None or not owner.active or not owner.phone:
            continue
        code = next(
            (r.short_code for r in case.requests if r.status == RequestStatus.PLACED), case.requests[0].short_code
        )
        body = messages.report_reminder_sms(case.id, code, local_days(placed, now))
        case_id, owner_id, phone = case.id, owner.id, owner.phone  # read before the commit expires them
        with atomic():
            won = (
                db.session.execute(
                    update(Case)
                    .where(
                        Case.id == case_id,
                        Case.report_made_at.is_(None),
                        or_(Case.report_reminded_at.is_(None), Case.report_reminded_at < day_start),
                    )
                    .values(report_reminded_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )
            if won:
                notify.enqueue(
                    now,
                    to=phone,
                    channel="sms",
                    purpose="report_reminder",
                    user_id=owner_id,
                    body=body,
                    dedupe_key=f"report:{case_id}:{today.isoformat()}",
                )
        done += won
    db.session.commit()  # end the read (SQLite: release the write lock)
    return done


def open_reports(now, region_ids=None) -> list[dict]:
    """Cases with a placed victim whose report is not made yet, oldest placement first."""
    rows = []
    owners = {}
    for case, placed in _open_cases(region_ids):
        owner_id = case.report_owner_id
        if owner_id is not None and owner_id not in owners:
            owners[owner_id] = db.session.get(User, owner_id)
        owner = owners.get(owner_id)
        rows.append(
            {
                "case_id": case.id,
                "region_id": case.region_id,
                "region_code": case.region.code,
                "region": case.region.name,
                "placed_at": placed,
                "owner_id": owner_id,
                "owner": messages.display_name(owner) if owner else None,
                "owner_since": case.report_owner_since,
                "days_open": local_days(placed, now),
                "reminded_at": case.report_reminded_at,
            }
        )
    return rows
