"""The JSON API against its own description (/api/openapi.json), with generated good and bad input.

Schemathesis generates requests from the description (valid ones, and invalid ones: wrong types, missing
fields, out-of-range numbers) for every operation, sends them to the app in-process with an admin's
token (reads also with a police officer's), and checks every answer: never a 5xx, a status code the
description lists, the content type it names, and a body that matches its schema (errors always
`{"error": {"code", "message", "field"}}`). Bounded and repeatable: a fixed number of examples per
operation, derandomized, no example database written into the project.
"""

import os
import tempfile

import hypothesis
import pytest
import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from extensions import db
from tests.conftest import hold_a_place
from validation import MAX_INTEGER

# Hypothesis keeps caches (constants, Unicode tables) in .hypothesis/; outside the project tree, like the
# example database it does not get at all (database=None below).
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "piket-hypothesis"))

# The description the app serves, fetched from the app itself (no database is touched to serve it).
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "fuzz"})
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ID_PARAMETERS = {"shelter_id", "request_id", "hold_id", "case_id", "rota_id", "shift_id", "rotation_id", "override_id"}
REAL_IDS = 5  # ids up to 4 exist in the fixture below (fresh database, identities restart); 5 does not


@schema.hook
def map_path_parameters(context, path_parameters):
    """Fold generated ids in the database's range onto 1..5 so most requests reach real rows; ids out of
    range (the negative cases: 0, negative, beyond MAX_INTEGER) are sent as generated and must be 404."""
    for name, value in (path_parameters or {}).items():
        if (
            name in ID_PARAMETERS
            and isinstance(value, int)
            and not isinstance(value, bool)
            and 1 <= value <= MAX_INTEGER
        ):
            path_parameters[name] = (value - 1) % REAL_IDS + 1
    return path_parameters


@pytest.fixture
def data(registry, tokens, users, now):
    """Rows for the ids in paths: the registry's shelters (1..4), a case by the police (1) with two requests
    (1, 2), and a held place on COSM Rotterdam for the first (hold 1)."""
    from piket import service

    body = {
        "case_reference": "PL-FUZZ-1",
        "callback_phone": "+31612345678",
        "found": {"region": "rotterdam"},
        "requests": [
            {"persons": [{"gender": "female", "age": 30, "residence": "none", "exploitation": "sexual"}]},
            {"persons": [{"gender": "male", "age": 40, "residence": "lawful", "exploitation": "labour"}]},
        ],
    }
    case, _ = service.create_case(now, service.parse_case(body, users["police"]), users["police"])
    pool = registry["shelters"]["rot-cosm"].pools[0]
    hold_a_place(now, case.requests[0].id, pool, users["admin"])
    _a_rota(registry, users, now)
    db.session.commit()
    return tokens


def _a_rota(registry, users, now):
    """Rota 1 (Rotterdam, owned by the admin) with shift 1, rotation 1 and swap 1 ahead of now."""
    import datetime as dt

    from piket.rotas.models import Rota, RotaOverride, RotaRotation, RotaShift

    rota = Rota(region_id=registry["regions"]["rotterdam"].id, level="primary", name="P", owner_id=users["admin"].id)
    db.session.add(rota)
    db.session.flush()
    person, later = users["coordinator"].id, now + dt.timedelta(days=2)
    db.session.add_all(
        [
            RotaShift(rota_id=rota.id, user_id=person, start=later, end=later + dt.timedelta(hours=8), source="manual"),
            RotaRotation(
                rota_id=rota.id,
                start_date=(now + dt.timedelta(days=5)).date(),
                handover="09:00",
                shift_hours=24,
                days=[1, 2, 3],
                people=[person],
            ),
            RotaOverride(
                rota_id=rota.id,
                user_id=person,
                start=later,
                end=later + dt.timedelta(hours=2),
                created_by_id=users["admin"].id,
                created_at=now,
            ),
        ]
    )


@schema.parametrize()
@hypothesis.settings(
    max_examples=15, derandomize=True, deadline=None, database=None, suppress_health_check=list(hypothesis.HealthCheck)
)
def test_api_answers_as_described(case, app, data):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {data['admin']}"}, checks=CHECKS)
    if case.method == "GET":
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {data['police']}"}, checks=CHECKS)
    db.session.rollback()  # end the request's read (SQLite: BEGIN IMMEDIATE holds the write lock)
