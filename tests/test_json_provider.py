"""json_provider: answers written by orjson keep Flask's JSON rules."""

import dataclasses
import datetime as dt
import decimal
import json
import uuid

from flask import Flask

from json_provider import OrjsonProvider


def _app(debug=False):
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.debug = debug
    return app


@dataclasses.dataclass
class Pool:
    kind: str
    free: int


def test_it_writes_what_flask_would_with_sorted_keys_and_its_conversions():
    app, stdlib = _app(), Flask(__name__)
    value = {
        "z": 1,
        "a": [1.5, None, True, "gezinskamer – één"],
        "when": dt.datetime(2026, 12, 3, 14, 5, tzinfo=dt.UTC),
        "day": dt.date(2026, 12, 3),
        "id": uuid.UUID(int=7),
        "amount": decimal.Decimal("1.10"),
        "pool": Pool("bed", 2),
    }
    with app.app_context():
        ours = app.json.response(value).get_data()
    with stdlib.app_context():
        theirs = stdlib.json.response(value).get_data()
    assert json.loads(ours) == json.loads(theirs)
    assert json.loads(ours)["when"] == "Thu, 03 Dec 2026 14:05:00 GMT"  # Flask's HTTP date, not ISO
    assert ours.index(b'"a"') < ours.index(b'"amount"') < ours.index(b'"z"')  # sorted
    assert "één".encode() in ours and ours.endswith(b"}\n")
    assert app.json.dumps(value) == ours.decode().rstrip("\n")


def test_what_orjson_refuses_is_written_by_the_standard_library():
    app = _app()
    with app.app_context():
        body = app.json.response({"big": 2**70}).get_data()
    assert json.loads(body) == {"big": 2**70}


def test_debug_answers_stay_indented_for_reading():
    app = _app(debug=True)
    with app.app_context():
        body = app.json.response({"b": 1, "a": 2}).get_data(as_text=True)
    assert body == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_the_app_answers_through_it(app, client):
    assert isinstance(app.json, OrjsonProvider)
    response = client.get("/api/v1/vocabulary")
    assert response.status_code in (200, 401) and response.is_json
