"""The retention purge (piket/retention.py): a closed case's profile and identifying data go after
RETENTION_DAYS; open work is untouched; the national figures read the same before and after."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from extensions import db
from notify.models import NotificationAttempt
from piket import placements, retention, service
from piket.models import Case, PlacementRequest
from tests.conftest import MAN, MOTHER, REQUESTER, case_body

DAY, MIN = dt.timedelta(days=1), dt.timedelta(minutes=1)
REFERENCE = "PL1700-2026-0042"
ADDICTED_MAN = {**MAN, "age": 52, "needs": ["active_addiction"]}


def create(users, moment, key=None, **overrides):
    body = case_body(**overrides)
    case, _ = service.create_case(
        moment, service.parse_case(body, users["police"]), users["police"], idempotency_key=key
    )
    return case


@pytest.fixture
def cases(app, registry, users, now):
    """A: mother with two children placed (+20 min) and a man cancelled (+30 min): closed at +30 min.
    B: one man, cancelled (+10 min), with blocking reasons and, like rows from before profile_stats existed,
    no profile_stats. C: one man, still open. D: two groups, one cancelled (+5 min), one still open."""
    coordinator, staff = users["coordinator"], users["shelter_staff"]
    a = create(users, now, key="form-key-1")
    mother, man = a.requests
    family = registry["shelters"]["rot-cosm"].pools[1].id
    placement = placements.choose(now + 10 * MIN, mother.id, family, coordinator, app.config)
    placements.confirm(now + 20 * MIN, placement.hold_id, staff)
    service.cancel(now + 30 * MIN, man.id, coordinator)
    b = create(users, now, case_reference="PL-B-7", requests=[{"persons": [ADDICTED_MAN]}], apart=[])
    service.cancel(now + 10 * MIN, b.requests[0].id, coordinator)
    b.requests[0].profile_stats, b.requests[0].blocking_reasons = (
        None,
        {"capacity": 1, "contra_indication:active_addiction": 1},
    )
    c = create(users, now, case_reference="PL-C-8", requests=[{"persons": [MAN]}], apart=[])
    d = create(users, now, case_reference="PL-D-9", requests=[{"persons": [MOTHER]}, {"persons": [MAN]}], apart=[])
    service.cancel(now + 5 * MIN, d.requests[0].id, coordinator)
    db.session.commit()
    return {"a": a.id, "b": b.id, "c": c.id, "d": d.id, "closed": now + 30 * MIN}


def case(case_id):
    db.session.expire_all()
    return db.session.get(Case, case_id)


def purged(case_id):
    return [r.purged_at is not None for r in case(case_id).requests]


def figures(now):
    """The national figures over a window holding every request: unmet demand and time to placement."""
    from national import demand, timing

    since, until = now - DAY, now + DAY
    tables = {key: table.rows for key, table in demand.unmet(now, since, until).items()}
    tables["time_to_placement"] = timing.time_to_placement(now, since, until).rows
    tables["escalations"] = timing.escalations(now, since, until).rows
    return json.loads(json.dumps(tables, default=str))


# --- when ---------------------------------------------------------------------------------------


def test_nothing_is_purged_before_the_period_and_everything_closed_after_it(cases):
    closed = cases["closed"]
    assert retention.purge_closed(closed + 29 * DAY, 30) == 0
    assert purged(cases["a"]) == [False, False] and case(cases["a"]).case_reference == REFERENCE
    assert retention.purge_closed(closed + 31 * DAY, 30) == 3  # A's two requests and B's one
    assert purged(cases["a"]) == [True, True] and purged(cases["b"]) == [True]
    assert case(cases["a"]).requests[0].purged_at == closed + 31 * DAY


def test_exactly_the_period_is_old_enough(cases):
    closed = cases["closed"]
    assert retention.purge_closed(closed + 30 * DAY - dt.timedelta(seconds=1), 30) == 1  # only B (closed at +10 min)
    assert purged(cases["a"]) == [False, False] and purged(cases["b"]) == [True]
    assert retention.purge_closed(closed + 30 * DAY, 30) == 2
    assert purged(cases["a"]) == [True, True]


def test_a_case_waits_for_its_last_request(cases):
    # The mother was placed at +20 min, the man cancelled at +30: 30 days after the first, the case stays whole.
    retention.purge_closed(cases["closed"] - 10 * MIN + 30 * DAY, 30)
    a = case(cases["a"])
    assert [r.persons is not None for r in a.requests] == [True, True] and a.case_reference == REFERENCE


def test_open_requests_and_cases_with_an_open_request_are_untouched(cases):
    retention.purge_closed(cases["closed"] + 400 * DAY, 30)
    c, d = case(cases["c"]), case(cases["d"])
    assert c.requests[0].persons == [{**MAN}] and c.case_reference == "PL-C-8" and c.callback_phone == REQUESTER
    # D: one request cancelled long ago, one still open: neither is purged, the case keeps its reference.
    assert purged(cases["d"]) == [False, False]
    assert d.requests[0].persons and d.requests[1].persons and d.case_reference == "PL-D-9"


def test_purge_is_idempotent_with_one_audit_entry_per_run(cases):
    later = cases["closed"] + 31 * DAY
    assert retention.purge_closed(later, 30) == 3
    first = {r.id: r.purged_at for r in case(cases["a"]).requests}
    assert retention.purge_closed(later + DAY, 30) == 0
    assert {r.id: r.purged_at for r in case(cases["a"]).requests} == first  # the second run changed nothing
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge")).all()
    assert len(entries) == 1
    assert entries[0].actor == "system" and entries[0].source == "system"
    assert sorted(entries[0].after["cases"]) == sorted([cases["a"], cases["b"]]) and entries[0].after["days"] == 30
    assert len(entries[0].after["requests"]) == 3


# --- what goes and what stays --------------------------------------------------------------------


def test_nothing_personal_is_left_in_the_purged_rows(cases, registry, users, client, login):
    retention.purge_closed(cases["closed"] + 31 * DAY, 30)
    a = case(cases["a"])
    region = registry["regions"]["rotterdam"]
    assert a.case_reference == retention.PURGED and a.callback_phone == "" and a.idempotency_key is None
    assert (a.found_lat, a.found_lon) == (region.lat, region.lon)  # the region's centre: no more than the region says
    assert all(r.persons is None for r in a.requests)

    def columns(row):
        return {c.key: getattr(row, c.key) for c in row.__table__.columns}

    ids = [r.id for r in a.requests] + [case(cases["b"]).requests[0].id]
    rows = [columns(case(cases["a"])), columns(case(cases["b"]))]
    rows += [columns(r) for r in db.session.scalars(select(PlacementRequest).where(PlacementRequest.id.in_(ids)))]
    rows += [
        columns(n)
        for n in db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.request_id.in_(ids)))
    ]
    text = json.dumps(rows, default=str)
    # The reference, the callback phone (also in the outbox: the requester's SMS), the form's key, the victims' profile.
    for personal in (
        REFERENCE,
        "PL-B-7",
        REQUESTER,
        "form-key-1",
        '"age"',
        '"gender"',
        "female",
        "sexual",
        "labour",
        '"residence"',
        '"exploitation"',
    ):
        assert personal not in text, personal
    # The requester's SMS itself is still in the outbox (what was sent, without to whom).
    told = db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.purpose == "requester")).all()
    assert told and all(n.to_number == "" for n in told)
    # Kept: the anonymous aggregates and the facts the statistics read.
    b = case(cases["b"]).requests[0]
    assert b.profile_stats == {"groups": ["men"], "needs": ["active_addiction"]}  # computed before the profile went
    assert b.blocking_reasons == {"capacity": 1, "contra_indication:active_addiction": 1} and b.size == 1
    mother = a.requests[0]
    assert mother.size == 3 and mother.children == 2 and mother.status == "placed"
    assert mother.profile_stats["groups"] == ["families", "no_residence"]
    # A purged case still opens for a coordinator, without the profile.
    login(users["coordinator"])
    page = client.get(f"/zaak/{cases['a']}")
    assert page.status_code == 200 and REFERENCE not in page.get_data(as_text=True)


def test_the_national_figures_are_the_same_after_the_purge(cases, now):
    before = figures(now)
    assert any(row["requests"] for row in before["unmet_by_reason"])  # the window holds the unmet requests
    assert {row["contra_indication"] for row in before["unmet_by_contra_indication"]} == {"active_addiction"}
    assert retention.purge_closed(cases["closed"] + 31 * DAY, 30) == 3
    db.session.expire_all()
    assert figures(now) == before


def test_the_worker_runs_it_hourly_with_the_configured_period(app, cases):
    from app import WORKER_JOBS
    from piket.jobs import JOBS

    assert JOBS["retention_purge"] == (retention.purge_due, 3600)
    assert app.extensions["worker_jobs"]["retention_purge"] == WORKER_JOBS["retention_purge"] == JOBS["retention_purge"]
    app.config["RETENTION_DAYS"] = 7
    assert retention.purge_due(cases["closed"] + 6 * DAY) == 0
    assert retention.purge_due(cases["closed"] + 8 * DAY) == 3
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "retention.purge"))
        == 1
    )
