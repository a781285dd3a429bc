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
