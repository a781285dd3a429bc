"""Placement requests: creating (idempotently), reading, accepting first-writer-wins, cancelling."""

import pytest
from sqlalchemy import func, select

from extensions import db
from piket import service
from piket.models import Case, PlacementRequest, RequestEvent
from tests.conftest import MAN, MOTHER, after_last_commit, case_body, run_concurrently


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_police_creates_a_case_with_two_groups_kept_apart(new_case):
    body = new_case()
    mother, man = body["requests"]
    assert (mother["size"], man["size"]) == (3, 1)
    assert mother["apart_from"] == [man["id"]] and man["apart_from"] == [mother["id"]]
    assert mother["status"] == "received" and len(mother["short_code"]) == 4
    assert mother["case"]["region"] == "rotterdam"


def test_a_new_case_is_written_in_one_go_and_answered_without_reading_again(api, registry, users, sql_log):
    # Under load every statement counts: each request's escalation goes into its INSERT (no UPDATE
    # after it), and the answer is the case as written, not read back after the commit.
    resp = api("police", "POST", "/api/v1/placement-requests", json=case_body(apart=[]))
    assert resp.status_code == 201, resp.json
    assert after_last_commit(sql_log) == []
    assert not [s for s in sql_log if s.startswith("UPDATE placement_requests")]
    db.session.expire_all()
    for answered in resp.json["requests"]:
        stored = db.session.get(PlacementRequest, answered["id"])
        assert stored.escalation["steps"] and stored.next_action_at is not None and stored.escalation_step == 0
        assert (answered["short_code"], answered["status"], answered["size"]) == (
            stored.short_code,
            "received",
            stored.size,
        )


def test_retried_submit_with_the_same_idempotency_key_creates_nothing_twice(api, registry, users):
    headers = {"Idempotency-Key": "night-retry-1"}
    first = api("police", "POST", "/api/v1/placement-requests", json=case_body(), headers=headers)
    again = api("police", "POST", "/api/v1/placement-requests", json=case_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["case_id"] == again.json["case_id"]
    assert count(Case) == 1 and count(PlacementRequest) == 2


def test_concurrent_retries_create_one_case(app, registry, users, now):
    police_id = users["police"].id
    db.session.commit()
    results = []

    def submit():
        with app.app_context():
            from accounts.models import User

            user = db.session.get(User, police_id)
            fields = service.parse_case(case_body(), user)
            db.session.commit()
            try:
                case, _ = service.create_case(now, fields, user, "same-key")
                results.append(case.id)
            finally:
                db.session.remove()

    assert run_concurrently(submit, [()] * 6) == [None] * 6
    assert len(results) == 6 and len(set(results)) == 1
    assert count(Case) == 1


BAD = [
    ({"found": {"region": "atlantis"}}, "found.region"),
    ({"found": "Rotterdam"}, "found"),
    ({"found": {"region": "rotterdam", "lat": 51.9}}, "found.lon"),
    ({"case_reference": ""}, "case_reference"),
    ({"callback_phone": "bel me"}, "callback_phone"),
    ({"urgency": "asap"}, "urgency"),
    ({"threat": "extreme"}, "threat"),
    ({"requests": []}, "requests"),
    ({"requests": [{"persons": []}]}, "requests[0].persons"),
    ({"requests": [{"persons": [{**MOTHER, "age": -1}]}]}, "requests[0].persons[0].age"),
    (
        {"requests": [{"persons": [{**MOTHER, "age": "31"}]}, {"persons": [{**MAN, "gender": "m"}]}], "apart": []},
        "requests[1].persons[0].gender",
    ),
    ({"requests": [{"persons": [{**MOTHER, "needs": ["snoring"]}]}], "apart": []}, "requests[0].persons[0].needs"),
    ({"requests": [{"persons": [{**MOTHER, "name": "Anna"}]}], "apart": []}, "requests[0].persons[0].name"),
    (
        {"requests": [{"persons": [{**MOTHER, "birth_date": "1990-01-01"}]}], "apart": []},
        "requests[0].persons[0].birth_date",
    ),
    ({"requests": [{"persons": [MOTHER], "children": -2}], "apart": []}, "requests[0].children"),
    ({"apart": [[0, 5]]}, "apart[0]"),
    ({"apart": [[1, 1]]}, "apart[0]"),
    ({"apart": "0,1"}, "apart"),
]


@pytest.mark.parametrize("change,field", BAD)
def test_bad_request_names_the_field_and_writes_nothing(api, registry, change, field):
    resp = api("police", "POST", "/api/v1/placement-requests", json=case_body(**change))
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["field"] == field
    assert count(Case) == 0 and count(PlacementRequest) == 0 and count(RequestEvent) == 0


def test_not_json_is_400(api, registry):
    resp = api("police", "POST", "/api/v1/placement-requests", data="{", content_type="application/json")
    assert resp.status_code == 400 and count(Case) == 0


def test_police_sees_only_own_requests(api, new_case, make_user, now):
    from accounts import service as accounts

    body = new_case()
    other = make_user("police")
    token = accounts.issue_token(now, other)
    rid = body["requests"][0]["id"]
    resp = api(None, "GET", f"/api/v1/placement-requests/{rid}", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403
    assert api("police", "GET", f"/api/v1/placement-requests/{rid}").status_code == 200


def test_accept_is_first_writer_wins(api, new_case, make_user, now, users):
    from accounts import service as accounts

    rid = new_case()["requests"][0]["id"]
    second = make_user("coordinator", regions=["rotterdam"])  # of the region: one outside it is refused (scope)
    token = accounts.issue_token(now, second)
    first = api("coordinator", "POST", f"/api/v1/placement-requests/{rid}/accept")
    assert first.status_code == 200 and first.json["status"] == "accepted"
    late = api(None, "POST", f"/api/v1/placement-requests/{rid}/accept", headers={"Authorization": f"Bearer {token}"})
    assert late.status_code == 409
    assert late.json["error"]["accepted_by"] == users["coordinator"].email


def test_two_accepts_race_and_one_wins(app, new_case, make_user, now):
    rid = new_case()["requests"][0]["id"]
    ids = [make_user("coordinator", regions=["rotterdam"]).id for _ in range(8)]
    db.session.commit()
    outcomes = []

    def accept(user_id):
        with app.app_context():
            from accounts.models import User
            from errors import Conflict

            try:
                service.accept(now, rid, db.session.get(User, user_id))
                outcomes.append("won")
            except Conflict:
                outcomes.append("lost")
            finally:
                db.session.remove()

    assert run_concurrently(accept, [(i,) for i in ids]) == [None] * len(ids)
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    events = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == rid, RequestEvent.kind == "accepted")
    ).all()
    assert len(events) == 1


def test_cancel_closes_the_request(api, new_case):
    rid = new_case()["requests"][1]["id"]
    resp = api("police", "POST", f"/api/v1/placement-requests/{rid}/cancel")
    assert resp.status_code == 200 and resp.json["status"] == "cancelled"
    again = api("police", "POST", f"/api/v1/placement-requests/{rid}/cancel")
    assert again.status_code == 409


def test_timeline_records_each_step(api, new_case):
    rid = new_case()["requests"][0]["id"]
    api("coordinator", "POST", f"/api/v1/placement-requests/{rid}/accept")
    timeline = api("coordinator", "GET", f"/api/v1/placement-requests/{rid}").json["timeline"]
    assert [e["kind"] for e in timeline] == ["received", "accepted"]


def test_a_case_of_three_groups_reads_its_ladder_once_and_wakes_the_workers_once(new_case, sql_log):
    """Every group of a case gets the same escalation snapshot, read once (policy and office hours),
    and the workers are woken by one NOTIFY at commit (PostgreSQL; SQLite polls and sends none)."""
    body = case_body(requests=[{"persons": [MOTHER], "children": 2}, {"persons": [MAN]}, {"persons": [MAN]}])
    sql_log.clear()
    created = new_case(requests=body["requests"], apart=[[1, 2]])
    assert len(created["requests"]) == 3
    reads = lambda table: [s for s in sql_log if s.startswith("SELECT") and f"FROM {table} " in s + " "]  # noqa: E731
    assert len(reads("escalation_policies")) == 1 and len(reads("region_hours")) == 1
    assert len([s for s in sql_log if "pg_notify" in s]) == (1 if db.engine.dialect.name == "postgresql" else 0)
    ladders = db.session.scalars(select(PlacementRequest.escalation).order_by(PlacementRequest.id)).all()
    assert len(ladders) == 3 and ladders[0] == ladders[1] == ladders[2] and ladders[0]["steps"]
