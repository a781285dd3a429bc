"""Availability updates by shelter staff: API and page, history, freshness, concurrency."""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from beds import service
from beds.models import AvailabilitySnapshot, BedPool
from extensions import db
from tests.conftest import after_last_commit, csrf_token, run_concurrently


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def pool_of(registry, key, index=0):
    return registry["shelters"][key].pools[index]


def test_staff_reports_free_places_through_the_api(api, registry):
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    resp = api(
        "shelter_staff",
        "POST",
        f"/api/v1/shelters/{shelter.id}/availability",
        json={"pools": [{"id": pool.id, "free": 1}]},
    )
    assert resp.status_code == 200, resp.json
    body = {p["id"]: p for p in resp.json["pools"]}
    assert body[pool.id]["free"] == 1 and body[pool.id]["occupied"] == 3
    assert body[pool.id]["freshness"] == "fresh"
    snap = db.session.scalars(select(AvailabilitySnapshot).order_by(AvailabilitySnapshot.id.desc())).first()
    assert (snap.pool_id, snap.free, snap.occupied, snap.source) == (pool.id, 1, 3, "api")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "availability.update")).one()
    assert entry.before[0]["free"] == 2 and entry.after[0]["free"] == 1 and entry.source == "api"


def test_out_of_service_places_reduce_what_can_be_free(api, registry):
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    resp = api(
        "shelter_staff",
        "POST",
        f"/api/v1/shelters/{shelter.id}/availability",
        json={"pools": [{"id": pool.id, "free": 2, "out_of_service": 2}]},
    )
    assert resp.status_code == 200
    db.session.expire_all()
    assert (pool.occupied, pool.out_of_service, pool.free) == (0, 2, 2)


BAD_BODIES = [
    ({"pools": []}, "pools"),
    ({"pools": "three"}, "pools"),
    ({}, "pools"),
    ({"pools": [{"free": 1}]}, "pools[0].id"),
    ({"pools": [{"id": "POOL", "free": 1}]}, "pools[0].id"),
    ({"pools": [{"id": "{pool}", "free": -1}]}, "pools[0].free"),
    ({"pools": [{"id": "{pool}", "free": "veel"}]}, "pools[0].free"),
    ({"pools": [{"id": "{pool}", "free": 1.5}]}, "pools[0].free"),
    ({"pools": [{"id": "{pool}", "free": True}]}, "pools[0].free"),
    ({"pools": [{"id": "{pool}", "free": 5}]}, "pools[0].free"),
    ({"pools": [{"id": "{pool}", "free": 0, "out_of_service": 9}]}, "pools[0].out_of_service"),
    ({"pools": [{"id": "{pool}", "free": 1}, {"id": "{pool}", "free": 1}]}, "pools[1].id"),
    ({"pools": [{"id": "{pool}", "free": 1}, {"id": "{other}", "free": 0}]}, "pools[1].id"),
    ({"pools": [{"id": "{pool}", "free": 1}, 7]}, "pools[1]"),
    ({"unchanged": "maybe"}, "unchanged"),
]


@pytest.mark.parametrize("body,field", BAD_BODIES)
def test_bad_update_names_the_field_and_writes_nothing(api, registry, body, field):
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    other = pool_of(registry, "dh-nood")
    import json

    raw = json.dumps(body).replace('"{pool}"', str(pool.id)).replace('"{other}"', str(other.id))
    before = (count(AvailabilitySnapshot), count(AuditEntry), pool.free, pool.confirmed_at)
    resp = api(
        "shelter_staff",
        "POST",
        f"/api/v1/shelters/{shelter.id}/availability",
        data=raw,
        content_type="application/json",
    )
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["field"] == field
    assert resp.json["error"]["code"] == "invalid" and resp.json["error"]["message"]
    db.session.expire_all()
    assert (count(AvailabilitySnapshot), count(AuditEntry), pool.free, pool.confirmed_at) == before


def test_a_half_valid_update_writes_nothing(api, registry):
    """The first pool is fine, the second is not: neither changes."""
    shelter = registry["shelters"]["rot-cosm"]
    bed, family = shelter.pools
    resp = api(
        "shelter_staff",
        "POST",
        f"/api/v1/shelters/{shelter.id}/availability",
        json={"pools": [{"id": bed.id, "free": 0}, {"id": family.id, "free": 4}]},
    )
    assert resp.status_code == 422 and resp.json["error"]["field"] == "pools[1].free"
    db.session.expire_all()
    assert bed.free == 2 and count(AvailabilitySnapshot) == 0


@pytest.mark.parametrize(
    "raw,ctype",
    [("not json", "application/json"), ("[1,2]", "application/json"), ("free=1", "application/x-www-form-urlencoded")],
)
def test_malformed_body_is_refused(api, registry, raw, ctype):
    shelter = registry["shelters"]["rot-cosm"]
    resp = api("shelter_staff", "POST", f"/api/v1/shelters/{shelter.id}/availability", data=raw, content_type=ctype)
    assert resp.status_code in (400, 422) and resp.json["error"]["field"] == "body"
    assert count(AvailabilitySnapshot) == 0


def test_unchanged_confirms_without_changing_numbers(api, registry, now):
    shelter = registry["shelters"]["ams-vo"]
    registry_pool = shelter.pools[0]
    resp = api("admin", "POST", f"/api/v1/shelters/{shelter.id}/availability", json={"unchanged": True})
    assert resp.status_code == 200
    assert resp.json["freshness"] == "fresh"
    db.session.expire_all()
    assert registry_pool.free == 0 and registry_pool.occupied == 6
    snap = db.session.scalars(select(AvailabilitySnapshot)).one()
    assert snap.confirmed_unchanged and snap.free == 0


def test_staff_of_another_shelter_cannot_update(api, registry):
    shelter = registry["shelters"]["dh-nood"]
    resp = api("shelter_staff", "POST", f"/api/v1/shelters/{shelter.id}/availability", json={"unchanged": True})
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"
    assert count(AvailabilitySnapshot) == 0


def test_coordinator_updates_only_in_own_region(api, registry):
    mine, theirs = registry["shelters"]["rot-mo"], registry["shelters"]["dh-nood"]
    assert (
        api("coordinator", "POST", f"/api/v1/shelters/{mine.id}/availability", json={"unchanged": True}).status_code
        == 200
    )
    assert (
        api("coordinator", "POST", f"/api/v1/shelters/{theirs.id}/availability", json={"unchanged": True}).status_code
        == 403
    )


def test_unknown_shelter_is_404(api, registry):
    resp = api("admin", "POST", "/api/v1/shelters/99999/availability", json={"unchanged": True})
    assert resp.status_code == 404 and resp.json["error"]["field"] == "shelter_id"


# --- freshness -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "age,expected",
    [
        (dt.timedelta(0), "fresh"),
        (dt.timedelta(hours=1, minutes=59), "fresh"),
        (dt.timedelta(hours=2), "aging"),
        (dt.timedelta(hours=8), "aging"),
        (dt.timedelta(hours=8, seconds=1), "stale"),
        (dt.timedelta(days=3), "stale"),
    ],
)
def test_freshness_thresholds(now, age, expected):
    assert service.freshness(now - age, now, 2, 8) == expected


def test_freshness_thresholds_are_configurable(now):
    assert service.freshness(now - dt.timedelta(hours=3), now, 4, 12) == "fresh"
    assert service.freshness(now - dt.timedelta(hours=3), now, 1, 2) == "stale"


def test_never_confirmed_is_stale(now):
    assert service.freshness(None, now, 2, 8) == "stale"


def test_a_shelter_is_as_fresh_as_its_oldest_pool(registry, now):
    shelter = registry["shelters"]["rot-cosm"]
    shelter.pools[1].confirmed_at = now - dt.timedelta(hours=5)
    assert service.last_confirmed(shelter) == now - dt.timedelta(hours=5)


def test_admin_edits_do_not_make_data_look_fresher(api, registry):
    """Only a person confirming the numbers moves the confirmation time; a capacity edit does not."""
    shelter = registry["shelters"]["ams-vo"]
    before = shelter.pools[0].confirmed_at
    resp = api(
        "admin",
        "PATCH",
        f"/api/v1/shelters/{shelter.id}",
        json={"pools": [{"key": "bed", "kind": "bed", "capacity": 8}]},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["freshness"] == "stale"
    db.session.expire_all()
    assert shelter.pools[0].confirmed_at == before and shelter.pools[0].free == 2


# --- history ---------------------------------------------------------------------------------


def test_history_is_append_only(api, registry):
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    for free in (1, 2, 0):
        api(
            "shelter_staff",
            "POST",
            f"/api/v1/shelters/{shelter.id}/availability",
            json={"pools": [{"id": pool.id, "free": free}]},
        )
    resp = api("shelter_staff", "GET", f"/api/v1/shelters/{shelter.id}/availability")
    assert [s["free"] for s in resp.json["snapshots"] if s["pool"] == pool.id] == [0, 2, 1]
    snap = db.session.scalars(select(AvailabilitySnapshot)).first()
    snap.free = 99
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AvailabilitySnapshot)).first())
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert count(AvailabilitySnapshot) == 3


def test_concurrent_updates_lose_no_history(app, registry, users, now):
    """Twelve night workers report at once: every report is in the history, the pool ends on one of them."""
    shelter_id = registry["shelters"]["rot-cosm"].id
    pool_id = registry["shelters"]["rot-cosm"].pools[0].id
    staff_id = users["shelter_staff"].id
    errors = []
    barrier = threading.Barrier(12)
    db.session.commit()  # end this test's own transaction: on SQLite it would hold the write lock

    def report(free):
        with app.app_context():
            try:
                from accounts.models import User

                user = db.session.get(User, staff_id)
                user.shelter_ids  # noqa: B018  load what the access check reads, then end the read
                db.session.commit()
                barrier.wait(timeout=10)
                service.update_availability(
                    now, shelter_id, [{"id": pool_id, "index": 0, "free": free, "out_of_service": None}], user, "api"
                )
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)
            finally:
                db.session.remove()

    assert run_concurrently(report, [(i % 5,) for i in range(12)]) == [None] * 12
    assert errors == []
    db.session.expire_all()
    snaps = db.session.scalars(
        select(AvailabilitySnapshot).where(AvailabilitySnapshot.pool_id == pool_id).order_by(AvailabilitySnapshot.id)
    ).all()
    assert len(snaps) == 12
    assert sorted(s.free for s in snaps) == sorted(i % 5 for i in range(12))
    pool = db.session.get(BedPool, pool_id)
    assert pool.free == snaps[-1].free  # the row holds the last report, never a mix
    assert pool.occupied + pool.out_of_service + pool.held + pool.free == pool.capacity
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "availability.update")
        )
        == 12
    )


# --- the phone page ----------------------------------------------------------------------------


def test_night_worker_updates_with_one_tap(client, login, users, registry):
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    login(users["shelter_staff"])
    page = client.get("/opvang", follow_redirects=True)  # one shelter: straight to its numbers
    html = page.get_data(as_text=True)
    assert "COSM Rotterdam" in html and f'id="free-{pool.id}-now">2<' in html
    resp = client.post(
        f"/opvang/{shelter.id}/beschikbaarheid", data={"csrf_token": csrf_token(html), "step": f"{pool.id}:-1"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert pool.free == 1 and db.session.scalars(select(AvailabilitySnapshot)).one().source == "web"


def test_page_shows_the_error_beside_the_field_and_writes_nothing(client, login, users, registry):
    shelter = registry["shelters"]["rot-cosm"]
    bed, family = shelter.pools
    login(users["shelter_staff"])
    html = client.get(f"/opvang/{shelter.id}/beschikbaarheid").get_data(as_text=True)
    resp = client.post(
        f"/opvang/{shelter.id}/beschikbaarheid",
        data={
            "csrf_token": csrf_token(html),
            "action": "set",
            f"free-{bed.id}": "1",
            f"oos-{bed.id}": "0",
            f"free-{family.id}": "<script>x</script>",
            f"oos-{family.id}": "0",
        },
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert f'data-field="free-{family.id}"' in body and "heel getal" in body
    assert "<script>x</script>" not in body and "&lt;script&gt;" in body
    db.session.expire_all()
    assert bed.free == 2 and count(AvailabilitySnapshot) == 0


def test_page_form_without_csrf_token_is_refused(client, login, users, registry):
    shelter = registry["shelters"]["rot-cosm"]
    login(users["shelter_staff"])
    resp = client.post(f"/opvang/{shelter.id}/beschikbaarheid", data={"action": "unchanged"})
    assert resp.status_code == 400 and count(AvailabilitySnapshot) == 0


@pytest.mark.parametrize("body", [{"pools": [{"id": None, "free": 1}]}, {"unchanged": True}])
def test_the_answer_to_an_update_is_built_without_reading_again(api, registry, sql_log, body):
    # Under load every query counts: the pools this transaction locked and wrote are the answer,
    # so nothing is read again after the commit.
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    if "pools" in body:
        body["pools"][0]["id"] = pool.id
    resp = api("shelter_staff", "POST", f"/api/v1/shelters/{shelter.id}/availability", json=body)
    assert resp.status_code == 200, resp.json
    assert after_last_commit(sql_log) == []
    answered = {p["id"]: p for p in resp.json["pools"]}
    db.session.expire_all()
    assert answered[pool.id]["free"] == db.session.get(BedPool, pool.id).free
    assert answered[pool.id]["confirmed_at"] == db.session.get(BedPool, pool.id).confirmed_at.isoformat()


@pytest.mark.parametrize("body", [{"pools": [{"id": None, "free": 1}]}, {"unchanged": True}])
def test_an_update_reads_its_pools_once_and_staff_their_shelter_once(api, registry, sql_log, body):
    # 40 % of the load: the pools are read once, under the lock; the shelter comes with the staff's
    # own shelters, which the access check reads anyway.
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    if "pools" in body:
        body["pools"][0]["id"] = pool.id
    url = f"/api/v1/shelters/{shelter.id}/availability"
    sql_log.clear()
    assert api("shelter_staff", "POST", url, json=body).status_code == 200
    selects = [sql for sql in sql_log if sql.startswith("SELECT")]
    assert len([sql for sql in selects if "FROM bed_pools" in sql]) == 1
    assert len([sql for sql in selects if "FROM shelters" in sql]) <= 1  # none here: the test keeps one session
    assert api("police", "POST", url, json=body).status_code == 403


@pytest.mark.postgres_only  # on SQLite the first read takes the write lock, so nothing can come between
def test_a_hold_committed_between_reading_and_locking_the_pools_is_kept(app, registry, users, now):
    # The night worker's page loaded the pools; a coordinator's hold lands before the update locks them.
    shelter, pool = registry["shelters"]["rot-cosm"], pool_of(registry, "rot-cosm")
    db.session.commit()
    service.get_shelter(shelter.id).pools  # noqa: B018  read in this transaction, before the lock
    with db.engine.begin() as other:
        other.execute(BedPool.__table__.update().where(BedPool.id == pool.id).values(held=BedPool.held + 1))
    service.update_availability(
        now, shelter.id, [{"id": pool.id, "index": 0, "free": 1, "out_of_service": None}], users["shelter_staff"], "api"
    )
    db.session.expire_all()
    stored = db.session.get(BedPool, pool.id)
    assert (stored.held, stored.free) == (1, 1)
    assert stored.occupied + stored.out_of_service + stored.held + stored.free == stored.capacity
