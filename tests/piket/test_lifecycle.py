"""The request's state machine (piket/lifecycle.py): every move in the table works and writes its
event and audit entry, every other move is refused and changes nothing, and no other module
spells a request status as a string."""

import ast
import datetime as dt
import re
from collections import deque

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from errors import Conflict
from extensions import db
from piket import lifecycle
from piket.lifecycle import (
    ACCEPTABLE,
    CLOSED,
    CLOSED_UNPLACED,
    ESCALATING,
    OPEN,
    PLACEMENT_TRANSITIONS,
    TRANSITIONS,
    WAITING,
    PlacementStatus,
    RequestStatus,
)
from piket.models import Placement, RequestEvent
from tests.conftest import BACKUP, PRIMARY, ROOT, new_request, project_files, reload, sent_to

S = RequestStatus
MIN = dt.timedelta(minutes=1)
LATER = 7 * MIN


def _path_to(status) -> list[RequestStatus]:
    """The shortest walk through the table from received to `status` (every status is reachable)."""
    paths, todo = {S.RECEIVED: []}, deque([S.RECEIVED])
    while todo:
        here = todo.popleft()
        for there in sorted(TRANSITIONS[here]):
            if there not in paths:
                paths[there] = paths[here] + [there]
                todo.append(there)
    return paths[status]


def _request_in(status, users, now):
    """A request made through the service and walked to `status` through the table."""
    request = new_request(users, now)
    for step in _path_to(status):
        lifecycle.transition(now, request, step, actor=users["admin"])
        if step == S.ACCEPTED:
            request.accepted_by_id = users["admin"].id  # as service.accept does
    db.session.commit()
    return request


def _events(request):
    return db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    ).all()


def _audit(request):
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "placement_request", AuditEntry.entity_id == str(request.id))
        .order_by(AuditEntry.id)
    ).all()


def _state(request):
    request = reload(request)
    return (
        request.status,
        request.closed_at,
        request.next_action_at,
        request.escalation_step,
        request.accepted_by_id,
        len(_events(request)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def test_every_status_has_a_row_and_every_row_only_names_statuses():
    assert set(TRANSITIONS) == set(S)
    assert all(set(targets) <= set(S) and was not in targets for was, targets in TRANSITIONS.items())
    assert set(PLACEMENT_TRANSITIONS) == set(PlacementStatus)


def test_the_named_groups_agree_with_the_table():
    assert OPEN | CLOSED == set(S) and not OPEN & CLOSED
    assert OPEN == lifecycle.sources(S.CANCELLED)  # cancelled from any state before placed, and only those
    assert not any(TRANSITIONS[s] for s in CLOSED - {S.EXHAUSTED})  # placed and cancelled are final
    assert ESCALATING == lifecycle.sources(S.EXHAUSTED)  # the ladder runs out only where it runs
    assert ACCEPTABLE <= lifecycle.sources(S.ACCEPTED) and S.EXHAUSTED in ACCEPTABLE  # a late yes
    assert WAITING <= lifecycle.sources(S.PLACING) and WAITING <= OPEN
    assert CLOSED_UNPLACED == {S.CANCELLED, S.EXHAUSTED}


@pytest.mark.parametrize("was", list(S))
def test_every_move_in_the_table_sets_the_status_and_writes_the_event_and_the_audit_entry(was, users, now):
    coordinator = users["coordinator"]
    for to in sorted(TRANSITIONS[was]):
        request = _request_in(was, users, now)
        before = len(_events(request))
        lifecycle.transition(now + LATER, request, to, actor=coordinator, source="web", note="test")
        db.session.commit()
        request = reload(request)
        assert request.status == to, (was, to)
        assert request.closed_at == (now + LATER if to in CLOSED else None), (was, to)
        events = _events(request)
        assert len(events) == before + 1, (was, to)
        assert (events[-1].kind, events[-1].actor_id, events[-1].detail) == (to, coordinator.id, {"note": "test"})
        entry = _audit(request)[-1]
        assert (entry.action, entry.actor, entry.source) == (f"request.{to}", coordinator.email, "web"), (was, to)
        assert (entry.before, entry.after) == ({"status": was}, {"status": to}), (was, to)
        if to in ESCALATING and was not in ESCALATING:  # paging again: nobody has it, the ladder starts over now
            assert (request.escalation_step, request.next_action_at, request.accepted_by_id) == (0, now + LATER, None)
            assert request.escalation["since"] == (now + LATER).isoformat()
        elif to not in ESCALATING:  # the escalation stops: nothing more is due
            assert request.next_action_at is None, (was, to)


@pytest.mark.parametrize("was", list(S))
def test_every_other_move_is_refused_and_changes_nothing(was, users, now):
    request = _request_in(was, users, now)
    for to in sorted(set(S) - TRANSITIONS[was]):
        before = _state(request)
        request = reload(request)
        with pytest.raises(Conflict) as refused:
            lifecycle.transition(now + LATER, request, to, actor=users["coordinator"])
        assert refused.value.code == "invalid_transition" and refused.value.status == 409
        assert "Deze aanvraag staat op" in refused.value.message  # Dutch, for the page
        assert not db.session.new and not db.session.dirty, (was, to)
        db.session.commit()
        assert _state(request) == before, (was, to)


def test_a_claim_is_won_once_and_only_from_the_given_statuses(users, now):
    request = _request_in(S.PAGING, users, now)
    coordinator, admin = users["coordinator"], users["admin"]
    values = {"accepted_by_id": coordinator.id, "accepted_at": now}
    assert lifecycle.claim(now, request, S.ACCEPTED, among=ACCEPTABLE, values=values, actor=coordinator)
    db.session.commit()
    assert not lifecycle.claim(now, request, S.ACCEPTED, among=ACCEPTABLE, values={"accepted_by_id": admin.id})
    db.session.commit()
    request = reload(request)
    assert (request.status, request.accepted_by_id, request.next_action_at) == (S.ACCEPTED, coordinator.id, None)
    assert [e.kind for e in _events(request)].count("accepted") == 1
    assert [a.action for a in _audit(request)].count("request.accepted") == 1
    with pytest.raises(ValueError):  # the table has no placed → accepted
        lifecycle.claim(now, request, S.ACCEPTED, among={S.PLACED})


def test_a_late_yes_reopens_an_exhausted_request(users, now):
    request = _request_in(S.EXHAUSTED, users, now)
    assert reload(request).closed_at == now
    lifecycle.transition(now + LATER, request, S.ACCEPTED, actor=users["coordinator"])
    db.session.commit()
    assert (reload(request).status, reload(request).closed_at) == (S.ACCEPTED, None)


def test_a_ladder_started_over_runs_its_steps_from_then_not_all_at_once(duty, users, fake, tick, now):
    request = _request_in(S.EXHAUSTED, users, now)
    later = now + dt.timedelta(hours=2)
    lifecycle.transition(later, request, S.PAGING, actor=users["coordinator"])
    db.session.commit()
    tick(later)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call"] and not sent_to(fake, BACKUP)
    tick(later + 4 * MIN)
    assert len(fake.sent) == 2 and reload(request).status == S.PAGING  # the next call is at minute 5
    tick(later + 5 * MIN)
    assert [m["kind"] for m in sent_to(fake, PRIMARY)] == ["sms", "call", "call"]


def test_a_placement_is_decided_once():
    for was in PlacementStatus:
        for to in PlacementStatus:
            placement = Placement(status=was)
            if to in PLACEMENT_TRANSITIONS[was]:
                lifecycle.decide(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), placement, to, reason="full")
                assert (placement.status, placement.refusal_reason) == (to, "full")
            else:
                with pytest.raises(Conflict):
                    lifecycle.decide(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), placement, to)
                assert placement.status == was


# --- no request status spelled as a string outside piket/lifecycle.py ----------------------------------------

STATUS_WORDS = {s.value for s in RequestStatus}


def _is_status(node) -> bool:
    """`status`, `x.status`, `Model.status`, `row.status`: something holding a request's status."""
    return (isinstance(node, ast.Name) and node.id == "status") or (
        isinstance(node, ast.Attribute) and node.attr == "status"
    )


def _literals(node) -> list[ast.Constant]:
    """The request-status strings in an expression: the value itself or the items of a tuple, list or set."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    found = []
    for item in items:
        if isinstance(item, ast.IfExp):
            found += _literals(item.body) + _literals(item.orelse)
        elif isinstance(item, ast.Constant) and item.value in STATUS_WORDS:
            found.append(item)
    return found


def status_literals(source: str) -> list[int]:
    """Lines where a request status is spelled as a string: compared with, assigned to or passed as a
    status, tested with .in_()/.not_in() on a status column, or a collection of nothing but statuses
    (a status group spelled out). Event kinds, escalation levels and Dutch text are not statuses."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_status(side) for side in sides):
                lines += [c.lineno for side in sides for c in _literals(side)]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat = [t for target in targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            if node.value is not None and any(_is_status(t) for t in flat):  # also a default=... inside it
                lines += [
                    c.lineno for c in ast.walk(node.value) if isinstance(c, ast.Constant) and c.value in STATUS_WORDS
                ]
        elif isinstance(node, ast.keyword) and node.arg == "status":
            lines += [c.lineno for c in _literals(node.value)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("in_", "not_in") and _is_status(node.func.value):
                lines += [c.lineno for arg in node.args for c in _literals(arg)]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) > 1:
            if all(isinstance(e, ast.Constant) and e.value in STATUS_WORDS for e in node.elts):
                lines.append(node.lineno)
    return sorted(set(lines))


TEMPLATE_STATUS = re.compile(
    r"status\s*(?:==|!=|in|not in)\s*\(?\s*['\"](?:" + "|".join(sorted(STATUS_WORDS)) + r")['\"]"
)


def test_the_status_check_finds_statuses_and_nothing_else():
    spelled = """
if request.status == "paging": pass
if row.status in ("received", "paging"): pass
if "placed" != r.status: pass
q.where(PlacementRequest.status.in_(("received",)))
q.where(r.status.not_in(["cancelled", "exhausted"]))
row.status, row.closed_at = "cancelled", now
request.status = "accepted" if won else "placing"
PlacementRequest(status="received")
status: Mapped[str] = mapped_column(String(12), default="received")
update(PlacementRequest).values(status="accepted")
OPENISH = ("received", "paging", "accepted")
if status == "exhausted": pass
"""
    assert status_literals(spelled) == list(range(2, 14))
    fine = """
event(now, request, "accepted", user)
RequestEvent.kind.in_(("paged", "exhausted"))
if step["level"] == "exhausted": pass
if kind == "exhausted": reached.add("exhausted")
STATUS = {"accepted": "sent", "received": "ontvangen"}
notify.enqueue(now, purpose="accepted", body="Aanvraag is geplaatst")
if placement.status == "held": pass
request.status = RequestStatus.PLACED
counts = ("requests", "placed", "persons")
"""
    assert status_literals(fine) == []
    assert TEMPLATE_STATUS.search("{% if r.status in ('received', 'paging') %}")
    assert not TEMPLATE_STATUS.search("{% if p.status == 'held' %}{{ label(v.REQUEST_STATUSES, r.status) }}")


def test_no_request_status_is_spelled_as_a_string_outside_the_lifecycle_module():
    found = []
    for path in project_files(".py", skip=("tests", "migrations")):
        if path == ROOT / "piket" / "lifecycle.py":
            continue
        source = path.read_text(encoding="utf-8")
        found += [
            f"{path.relative_to(ROOT)}:{n}: {source.splitlines()[n - 1].strip()}" for n in status_literals(source)
        ]
    for path in project_files(".html"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_STATUS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "request statuses spelled as strings; use piket.lifecycle (RequestStatus, OPEN, ...):\n" + (
        "\n".join(found)
    )
