import pytest

MOTHER = {"gender": "female", "age": 31, "residence": "none", "exploitation": "sexual", "needs": []}
MAN = {"gender": "male", "age": 40, "residence": "lawful", "exploitation": "labour", "needs": []}


def case_body(**overrides):
    body = {"case_reference": "PL1700-2026-0042", "callback_phone": "+31612345678", "found": {"region": "rotterdam"},
            "urgency": "immediate", "threat": "low",
            "requests": [{"persons": [MOTHER], "children": 2}, {"persons": [MAN]}], "apart": [[0, 1]]}
    body.update(overrides)
    return body


@pytest.fixture
def new_case(api):
    def create(role="police", key=None, **overrides):
        headers = {"Idempotency-Key": key} if key else {}
        resp = api(role, "POST", "/api/v1/placement-requests", json=case_body(**overrides), headers=headers)
        assert resp.status_code in (200, 201), resp.json
        return resp.json
    return create


# --- piket: people on duty, the fake provider, the worker's tick ---------------------------------

PRIMARY, BACKUP, NATIONAL = "+31610000001", "+31610000002", "+31610000003"
REQUESTER = "+31612345678"


@pytest.fixture
def fake(app):
    """The fake notification provider: records every SMS and call, fails when told to."""
    from notify.providers import FakeProvider
    provider = FakeProvider()
    app.extensions["notify_provider"] = provider
    return provider


def add_shift(rota, user, start, end):
    from extensions import db
    from piket.rotas.models import RotaShift
    db.session.add(RotaShift(rota_id=rota.id, user_id=user.id, start=start, end=end, source="manual", created_at=start))
    db.session.commit()


@pytest.fixture
def duty(registry, users, make_user, now):
    """Rotterdam's primary and back-up and the national piket on duty from a day before NOW to two days after."""
    import datetime as dt
    from extensions import db
    from piket.rotas.models import Rota
    people = {
        "primary": make_user("coordinator", regions=["rotterdam"], email="primair@test.nl"),
        "backup": make_user("coordinator", regions=["rotterdam"], email="achtervang@test.nl"),
        "national": make_user("coordinator", regions=["amsterdam"], email="landelijk@test.nl"),
    }
    for level, phone in (("primary", PRIMARY), ("backup", BACKUP), ("national", NATIONAL)):
        people[level].phone, people[level].name = phone, f"Coördinator {level}"
    region = registry["regions"]["rotterdam"]
    rotas = {level: Rota(region_id=None if level == "national" else region.id, level=level, name=f"Piket {level}",
                         owner_id=users["admin"].id) for level in people}
    db.session.add_all(rotas.values())
    db.session.commit()
    for level, rota in rotas.items():
        add_shift(rota, people[level], now - dt.timedelta(days=1), now + dt.timedelta(days=2))
    return {"people": people, "rotas": rotas}


@pytest.fixture
def tick(app, fake):
    """One worker tick at a given moment: due escalation steps, then the outbox is sent."""
    from extensions import db
    from notify import service as notify
    from piket import escalation

    def run(moment):
        escalation.tick(moment)
        notify.dispatch_due(moment, fake, app.config["PUBLIC_BASE_URL"])
        db.session.commit()  # end the read, as the worker does after every job (SQLite: release the lock)
    return run


def sent_to(fake, number, kind=None):
    return [m for m in fake.sent if m["to"] == number and (kind is None or m["kind"] == kind)]
