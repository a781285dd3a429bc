"""What-if: last month's requests without a bed against today's registry, with extra places.

The dataset (counted by hand): the registry fixture, made full except Den Haag's noodbed (1 bed, any
gender). Requests closed without a bed in the last 30 days, all found in Rotterdam, threat low:
  W1  woman, lawful, planned        cancelled 2 days ago   apart from W2 (same case) and from a placed
                                                           request P of that case (not in the set)
  W2  woman, no residence, planned  cancelled 2 days ago   apart from W1
  W3  woman, lawful, immediate      exhausted 5 days ago
  M1  man, lawful, planned          cancelled 10 days ago
Left out: P (placed), OLD (cancelled 40 days ago), GONE (purged: persons None), PHONE (no profile).

Baseline: one bed (DH-NOOD) for four requests; the immediate one goes first: W3 placed, 1 of 4.
+2 beds in ROT-COSM/bed (women only): W3 and two of W1, W2, M1 -> 3 placed.
A new men's pool at ROT-MO: W3 in DH-NOOD, M1 in ROT-MO/extra -> 2 placed, the man among them.
"""

import copy
import datetime as dt
import io

import pytest
from werkzeug.datastructures import MultiDict

from errors import ValidationError
from extensions import db
from national import whatif
from piket.models import Case, PlacementRequest

WOMAN = {"gender": "female", "age": 28, "residence": "lawful", "exploitation": "sexual", "needs": []}
MAN = {"gender": "male", "age": 35, "residence": "lawful", "exploitation": "labour", "needs": []}
DAY = dt.timedelta(days=1)


@pytest.fixture
def dataset(registry, now):
    s = registry["shelters"]
    s["rot-cosm"].pools[0].occupied = 4  # bed: 4 of 4
    s["rot-cosm"].pools[1].occupied = 1  # family room: 1 of 1
    s["rot-mo"].pools[0].occupied = 2  # 2 of 2; AMS-VO is full already; DH-NOOD keeps its 1 bed
    rotterdam = registry["regions"]["rotterdam"]
    codes = iter(f"T{i:03d}" for i in range(100))

    def case():
        row = Case(
            created_at=now - 40 * DAY,
            case_reference="REF-X",
            callback_phone="+31612345678",
            requester_org="police",
            region=rotterdam,
            found_lat=rotterdam.lat,
            found_lon=rotterdam.lon,
        )
        db.session.add(row)
        return row

    def request(case, persons, status, closed, urgency="planned", **extra):
        row = PlacementRequest(
            case=case,
            short_code=next(codes),
            status=status,
            created_at=closed - DAY,
            urgency=urgency,
            threat="low",
            persons=persons,
            children=0,
            size=len(persons or []) or 1,
            apart_from=[],
            closed_at=closed,
            **extra,
        )
        db.session.add(row)
        return row

    first = case()
    w1 = request(first, [WOMAN], "cancelled", now - 2 * DAY)
    w2 = request(first, [{**WOMAN, "residence": "none"}], "cancelled", now - 2 * DAY)
    placed = request(first, [WOMAN], "placed", now - 3 * DAY)
    w3 = request(case(), [{**WOMAN, "age": 44}], "exhausted", now - 5 * DAY, urgency="immediate")
    m1 = request(case(), [MAN], "cancelled", now - 10 * DAY)
    old = request(case(), [WOMAN], "cancelled", now - 40 * DAY)
    gone = request(case(), None, "cancelled", now - 3 * DAY, purged_at=now - DAY)
    phone = request(case(), None, "exhausted", now - 3 * DAY)
    db.session.flush()
    w1.apart_from, w2.apart_from, placed.apart_from = [w2.id, placed.id], [w1.id], [w1.id]
    db.session.commit()
    return {
        k: str(r.id)
        for k, r in dict(w1=w1, w2=w2, w3=w3, m1=m1, placed=placed, old=old, gone=gone, phone=phone).items()
    }


def test_unplaced_requests_are_the_closed_ones_with_a_profile_in_the_window(app, dataset, now):
    ids = [str(r.id) for r in whatif.unplaced_requests(now)]
    assert ids == [dataset["w1"], dataset["w2"], dataset["w3"], dataset["m1"]]
    assert [str(r.id) for r in whatif.unplaced_requests(now, days=7)] == [dataset["w1"], dataset["w2"], dataset["w3"]]


def test_build_is_the_contract_format_from_today_registry(app, dataset, now):
    scenario = whatif.build(now, app.config)
    assert scenario["version"] == 1 and scenario["now"] == now.isoformat()
    assert scenario["policy"] == {"high_threat_min_km": app.config["HIGH_THREAT_MIN_KM"]}
    shelters = {s["id"]: s for s in scenario["shelters"]}
    assert set(shelters) == {"ROT-COSM", "DH-NOOD", "AMS-VO", "ROT-MO"}
    assert [(p["id"], p["free"]) for p in shelters["ROT-COSM"]["pools"]] == [
        ("ROT-COSM/bed", 0),
        ("ROT-COSM/family", 0),
    ]
    assert shelters["ROT-COSM"]["pools"][1]["room_size"] == 4 and shelters["DH-NOOD"]["pools"][0]["free"] == 1
    requests = {r["id"]: r for r in scenario["requests"]}
    assert list(requests) == [dataset["w1"], dataset["w2"], dataset["w3"], dataset["m1"]]
    assert requests[dataset["w1"]]["apart_from"] == [dataset["w2"]]  # the placed partner is not in the set
    assert requests[dataset["w2"]]["apart_from"] == [dataset["w1"]]
    assert requests[dataset["w3"]]["urgency"] == "immediate" and requests[dataset["m1"]]["persons"] == [MAN]


def test_baseline_places_one_and_two_extra_beds_place_two_more(app, dataset, now):
    edits = whatif.parse_edits({"edits": [{"shelter": "ROT-COSM", "pool": "bed", "extra": 2}]})
    result = whatif.compare(now, app.config, edits=edits)
    base, more = result["baseline"], result["whatif"]
    assert (base["requests"], base["placed"], base["persons"], base["persons_placed"]) == (4, 1, 4, 1)
    assert base["placed_ids"] == [dataset["w3"]] and base["status"] == "optimal"
    assert (more["placed"], more["persons_placed"]) == (3, 3) and dataset["w3"] in more["placed_ids"]
    assert result["extra_placed"] == 2
    pools = {p["id"]: p["free"] for s in result["scenario"]["shelters"] for p in s["pools"]}
    assert pools["ROT-COSM/bed"] == 2
    table = result["table"]
    assert table.key == "whatif" and [r["scenario"] for r in table.rows] == ["zoals nu", "met extra plaatsen"]
    assert [(r["requests"], r["placed"]) for r in table.rows] == [(4, 1), (4, 3)]


def test_a_new_pool_for_men_places_the_man(app, dataset, now):
    edits = whatif.parse_edits([{"shelter": "ROT-MO", "pool": "extra", "kind": "bed", "extra": 1}])
    result = whatif.compare(now, app.config, edits=edits)
    assert sorted(result["whatif"]["placed_ids"]) == sorted([dataset["w3"], dataset["m1"]])
    assert result["extra_placed"] == 1
    rot_mo = next(s for s in result["scenario"]["shelters"] if s["id"] == "ROT-MO")
    assert rot_mo["pools"][-1] == {"id": "ROT-MO/extra", "kind": "bed", "free": 1}


def test_an_uploaded_scenario_replaces_the_built_one_and_keeps_apart(app, dataset, now):
    scenario = whatif.build(now, app.config)
    for shelter in scenario["shelters"]:
        if shelter["id"] == "DH-NOOD":
            shelter["pools"][0]["free"] = 0
    scenario = whatif.apply_edits(scenario, [{"shelter": "ROT-COSM", "pool": "ROT-COSM/bed", "extra": 3}])
    result = whatif.compare(now, app.config, scenario=scenario)
    placed = result["whatif"]["placed_ids"]
    # three women's beds in one shelter, but W1 and W2 must not share it: W3 and one of them
    assert result["whatif"]["placed"] == 2 and dataset["w3"] in placed
    assert not {dataset["w1"], dataset["w2"]} <= set(placed)
    assert result["baseline"]["placed"] == 1 and result["extra_placed"] == 1


def test_apply_edits_leaves_the_given_scenario_alone(app, dataset, now):
    scenario = whatif.build(now, app.config)
    before = copy.deepcopy(scenario)
    edited = whatif.apply_edits(scenario, [{"shelter": "AMS-VO", "pool": "bed", "extra": 5}])
    assert scenario == before
    assert next(s for s in edited["shelters"] if s["id"] == "AMS-VO")["pools"][0]["free"] == 5


def test_parse_edits_from_a_form_skips_blank_rows():
    form = MultiDict(
        {
            "edits[0].shelter": "ROT-COSM",
            "edits[0].pool": "bed",
            "edits[0].extra": "3",
            "edits[1].shelter": "",
            "edits[1].pool": "",
            "edits[1].extra": "",
            "edits[2].shelter": "ROT-MO",
            "edits[2].pool": "gezin",
            "edits[2].extra": "1",
            "edits[2].kind": "family_room",
            "edits[2].room_size": "4",
        }
    )
    assert whatif.parse_edits(form) == [
        {"shelter": "ROT-COSM", "pool": "bed", "extra": 3},
        {"shelter": "ROT-MO", "pool": "gezin", "extra": 1, "kind": "family_room", "room_size": 4},
    ]


@pytest.mark.parametrize(
    "data,field",
    [
        ([{"shelter": "ROT-COSM", "pool": "bed", "extra": 0}], "edits[0].extra"),
        ([{"shelter": "ROT-COSM", "pool": "bed", "extra": 501}], "edits[0].extra"),
        ([{"shelter": "ROT-COSM", "pool": "bed", "extra": "veel"}], "edits[0].extra"),
        ([{"shelter": "ROT-COSM", "pool": "bed", "extra": 1}, {"pool": "bed", "extra": 1}], "edits[1].shelter"),
        ([{"shelter": "ROT-COSM", "pool": "a b/c", "extra": 1}], "edits[0].pool"),
        ([{"shelter": "ROT-COSM", "pool": "x", "kind": "suite", "extra": 1}], "edits[0].kind"),
        ([{"shelter": "ROT-COSM", "pool": "x", "kind": "family_room", "extra": 1}], "edits[0].room_size"),
        (["ROT-COSM"], "edits[0]"),
        ({"edits": "ROT-COSM"}, "edits"),
        (42, "edits"),
    ],
)
def test_bad_edits_name_the_field(data, field):
    with pytest.raises(ValidationError) as err:
        whatif.parse_edits(data)
    assert err.value.field == field


@pytest.mark.parametrize(
    "edit,field",
    [
        ({"shelter": "NOWHERE", "pool": "bed", "extra": 1}, "edits[0].shelter"),
        ({"shelter": "ROT-COSM", "pool": "suite", "extra": 1}, "edits[0].pool"),
        ({"shelter": "ROT-COSM", "pool": "bed", "kind": "bed", "extra": 1}, "edits[0].pool"),  # exists already
    ],
)
def test_edits_that_do_not_fit_the_scenario(app, dataset, now, edit, field):
    with pytest.raises(ValidationError) as err:
        whatif.compare(now, app.config, edits=[edit])
    assert err.value.field == field


def _scenario(app, now):
    return whatif.build(now, app.config)


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda s: s["requests"][0]["persons"][0].update(age=-1), "requests[0].persons[0].age"),
        (lambda s: s.update(version=2), "version"),
        (lambda s: s["requests"][1].update(apart_from=["nobody"]), "requests[1].apart_from[0]"),
        (lambda s: s["shelters"][0]["pools"][0].update(free="twee"), "shelters[0].pools[0].free"),
        (lambda s: s["shelters"][0]["pools"][0].update(free=10**20), "shelters[0].pools[0].free"),
        (lambda s: s["shelters"][0]["admits"].update(genders=[[]]), "shelters[0].admits.genders[0]"),  # was a TypeError
        (lambda s: s.update(requests=s["requests"] * 1251), "requests"),  # 5,004 requests
        (lambda s: s.update(note="x" * (5 * 1024 * 1024)), "scenario"),  # over 5 MB
    ],
)
def test_an_invalid_uploaded_scenario_names_the_field(app, dataset, now, change, field):
    scenario = _scenario(app, now)
    change(scenario)
    with pytest.raises(ValidationError) as err:
        whatif.compare(now, app.config, scenario=scenario)
    assert err.value.field == field and err.value.status == 422


@pytest.mark.parametrize("scenario", [None, [], "scenario", {"version": 1}])
def test_run_refuses_what_is_not_a_scenario(app, scenario):
    with pytest.raises(ValidationError):
        whatif.run(scenario, app.config)


def test_shelter_choices_for_the_form(app, dataset):
    choices = whatif.shelter_choices()
    assert [c["key"] for c in choices] == ["ROT-COSM", "ROT-MO", "DH-NOOD", "AMS-VO"]  # by name
    assert choices[0]["region"] == "Rotterdam"
    assert choices[0]["pools"] == [
        {"key": "bed", "kind": "bed", "room_size": None, "free": 0},
        {"key": "family", "kind": "family_room", "room_size": 4, "free": 0},
    ]


# --- the form's choices: a shelter and a kind of place from lists, never a typed pool key -------------


def test_choices_add_to_the_shelter_pool_of_that_kind(app, dataset, now):
    edits = whatif.edits_from_choices([{"shelter": "ROT-COSM", "kind": "bed", "extra": "2"}])
    assert edits == [{"shelter": "ROT-COSM", "pool": "bed", "extra": 2}]
    result = whatif.compare(now, app.config, edits=edits)
    assert result["extra_placed"] == 2  # the same answer as the typed edit (module docstring)


def test_choices_make_a_new_pool_when_the_shelter_has_none_of_that_kind(app, dataset, now):
    rows = [
        {"shelter": "", "kind": "bed", "extra": ""},  # a blank row
        {"shelter": "ROT-MO", "kind": "family_room", "extra": "1", "room_size": "4"},
        {"shelter": "ROT-MO", "kind": "family_room", "extra": "2", "room_size": "6"},
        {"shelter": "ROT-COSM", "kind": "family_room", "extra": "1", "room_size": "4"},  # has one for 4
        {"shelter": "ROT-COSM", "kind": "family_room", "extra": "1"},  # any of its family rooms
    ]
    assert whatif.edits_from_choices(rows) == [
        {"shelter": "ROT-MO", "pool": "family_room", "kind": "family_room", "extra": 1, "room_size": 4},
        {"shelter": "ROT-MO", "pool": "family_room-2", "kind": "family_room", "extra": 2, "room_size": 6},
        {"shelter": "ROT-COSM", "pool": "family", "extra": 1},
        {"shelter": "ROT-COSM", "pool": "family", "extra": 1},
    ]
    edited = whatif.apply_edits(whatif.build(now, app.config), whatif.edits_from_choices(rows))
    rot_mo = next(s for s in edited["shelters"] if s["id"] == "ROT-MO")
    assert [p["id"] for p in rot_mo["pools"]] == ["ROT-MO/bed", "ROT-MO/family_room", "ROT-MO/family_room-2"]


@pytest.mark.parametrize(
    "row,field",
    [
        ({"shelter": "NOWHERE", "kind": "bed", "extra": "1"}, "edits[1].shelter"),
        ({"shelter": "", "kind": "bed", "extra": "1"}, "edits[1].shelter"),
        ({"shelter": "ROT-MO", "kind": "suite", "extra": "1"}, "edits[1].kind"),
        ({"shelter": "ROT-MO", "kind": "bed", "extra": ""}, "edits[1].extra"),
        ({"shelter": "ROT-MO", "kind": "bed", "extra": "501"}, "edits[1].extra"),
        ({"shelter": "ROT-MO", "kind": "bed", "extra": "٣"}, "edits[1].extra"),
        ({"shelter": "ROT-MO", "kind": "bed", "extra": "1", "room_size": "veel"}, "edits[1].room_size"),
        ({"shelter": "ROT-MO", "kind": "family_room", "extra": "1"}, "edits[1].room_size"),  # a new room: how big?
    ],
)
def test_bad_choices_name_the_field_in_dutch(app, dataset, row, field):
    with pytest.raises(ValidationError) as err:
        whatif.edits_from_choices([{}, row])
    assert err.value.field == field and err.value.message[0].isupper() and "must" not in err.value.message


def test_no_choice_at_all_is_refused(app, dataset):
    with pytest.raises(ValidationError) as err:
        whatif.edits_from_choices([{"shelter": "", "kind": "bed", "extra": ""}] * 3)
    assert err.value.field == "edits[0].shelter"


# --- the page ------------------------------------------------------------------------------------


def test_the_what_if_page_adds_places_and_shows_how_many_more_fit(app, dataset, users, login, client):
    from tests.conftest import csrf_token

    login(users["comensha"])
    page = client.get("/landelijk/wat-als")
    assert page.status_code == 200 and 'value="ROT-COSM"' in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    resp = client.post(
        "/landelijk/wat-als", data={"csrf_token": token, "e0-shelter": "ROT-COSM", "e0-kind": "bed", "e0-extra": "2"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert '<strong id="extra-placed">2</strong>' in html  # 1 placed as now, 3 with two more beds (module docstring)
    # The answer comes before the form, announced; the kinds of place are a list with Dutch labels.
    assert html.index('id="uitkomst"') < html.index('enctype="multipart/form-data"') and 'role="status"' in html
    assert '<option value="family_room">gezinskamer</option>' in html and 'name="e0-pool"' not in html


def test_the_what_if_page_puts_the_message_beside_the_field(app, dataset, users, login, client):
    from tests.conftest import csrf_token

    login(users["comensha"])
    token = csrf_token(client.get("/landelijk/wat-als").get_data(as_text=True))
    resp = client.post(
        "/landelijk/wat-als",
        data={"csrf_token": token, "e0-shelter": "ROT-COSM", "e0-kind": "bed", "e0-extra": "<script>x</script>"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'class="error field-error" data-field="edits[0].extra"' in html
    assert "<script>x</script>" not in html
    upload = client.post(
        "/landelijk/wat-als",
        data={"csrf_token": token, "scenario": (io.BytesIO(b"{not json"), "s.json")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 422 and "Dit is geen JSON-bestand" in upload.get_data(as_text=True)


def test_the_scenario_download_is_the_contract_format(app, dataset, users, login, client):
    login(users["comensha"])
    scenario = client.get("/landelijk/wat-als/scenario.json").json
    assert scenario["version"] == 1 and {r["id"] for r in scenario["requests"]} == {
        dataset[k] for k in ("w1", "w2", "w3", "m1")
    }
