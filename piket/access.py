"""Who may see and act on which placement request: the access scope, written once (README, security).

A case is seen whole: access to one of its requests (groups) is access to all of them, because one page
per case carries the first group's id and a yes to it takes every group.

- admin: every case.
- coordinator: the cases found in their own regions (user_regions); the cases they were paged for (an SMS
  or call for any group) or dialled for through the national number; the cases of which they accepted a
  group; the case whose CoMensha report they owe; and, while on duty on the national rota, every case.
- police (KMar, NLA): the cases they asked for, and the case whose CoMensha report was handed to them.
- CoMensha: no case. It reads the national aggregates and the report status list (case number, region,
  placed at, owner, days open) and marks a report made; never a profile, callback phone or case reference.
- shelter staff: no case. They decide the holds on their own shelters (placements._may_decide).

Every showing of a case is an audit row (disclose), made here and nowhere else: NEN 7513.
"""

from sqlalchemy import false, or_, select, true

from accounts.roles import Role
from audit import service as audit
from extensions import db
from notify import service as notify
from piket.models import Case, PlacementRequest, RequestEvent
from transactions import atomic


def on_national_duty(now, user) -> bool:
    """The national piket sees every case while on duty on the national rota."""
    from piket.rotas import service as rotas

    if user.role != Role.COORDINATOR:
        return False
    person = rotas.on_duty(now, None, "national")
    return person is not None and person.id == user.id


def _dialled_case_ids(user, case_id=None) -> set[int]:
    """The cases the national number dialled this person for (a whisper is a page too). Few rows: only calls."""
    query = (
        select(PlacementRequest.case_id, RequestEvent.detail)
        .join(PlacementRequest, PlacementRequest.id == RequestEvent.request_id)
        .where(RequestEvent.kind == "phone_dial")
    )
    if case_id is not None:
        query = query.where(PlacementRequest.case_id == case_id)
    return {cid for cid, detail in db.session.execute(query) if user.id in (detail or {}).get("users", [])}


def _scope(user, now, case_id=None):
    """The condition on Case that a user's visible cases meet: True for all, False for none, or a clause."""
    if user.role == Role.ADMIN or on_national_duty(now, user):
        return True
    own = Case.report_owner_id == user.id
    if user.role == Role.POLICE:
        return or_(Case.created_by_id == user.id, own)
    if user.role != Role.COORDINATOR:
        return False
    paged = select(PlacementRequest.case_id).where(PlacementRequest.id.in_(notify.paged_request_ids(user.id)))
    accepted = select(PlacementRequest.case_id).where(PlacementRequest.accepted_by_id == user.id)
    return or_(
        Case.region_id.in_(sorted(user.region_ids)),
        Case.id.in_(paged),
        Case.id.in_(accepted),
        Case.id.in_(sorted(_dialled_case_ids(user, case_id))),
        own,
    )


def can_see_case(user, case, now) -> bool:
    condition = _scope(user, now, case.id)
    if isinstance(condition, bool):
        return condition
    return db.session.scalar(select(Case.id).where(Case.id == case.id, condition)) is not None


def can_see_request(user, request, now) -> bool:
    return can_see_case(user, request.case, now)


def visible_requests(user, now):
    """select(PlacementRequest) of the requests this user may see; add order, filters and limit."""
    condition = _scope(user, now)
    if isinstance(condition, bool):
        condition = true() if condition else false()
    return select(PlacementRequest).join(Case, Case.id == PlacementRequest.case_id).where(condition)


def disclose(now, requests, user):
    """Record that these requests' cases (reference, callback phone, profiles) are shown to this user
    now: one audit row per case, with the route as the reason. Call it for what a page or answer is
    about to show, and only then; committed here, like a shown address (beds.disclose_address)."""
    cases = {}
    for r in requests:
        cases.setdefault(r.case_id, []).append(r.id)
    if not cases:
        return
    with atomic(expire=False):  # the audit rows change nothing the caller is about to show
        audit.record_many(now, "case.read", "case", [(c, {"requests": ids}) for c, ids in cases.items()], actor=user)
