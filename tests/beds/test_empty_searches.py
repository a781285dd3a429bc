"""A national search for someone that finds no free fitting place is recorded as unmet demand (EmptySearch):
anonymous, once per searcher, profile and hour; a search with a place, or without a profile, is not."""

import datetime as dt

from sqlalchemy import select

from beds.models import EmptySearch
from extensions import db

# No family room for a man with children: DH-NOOD and ROT-MO have beds only, ROT-COSM's family room is for women.
NOTHING_FOR_A_FATHER = "/api/v1/availability?gender=male&age=40&children=2&near=rotterdam"


def rows():
    db.session.expire_all()
    return db.session.scalars(select(EmptySearch).order_by(EmptySearch.id)).all()


def test_a_search_that_finds_no_free_fitting_place_is_recorded(api, registry, now):
    resp = api("police", "GET", NOTHING_FOR_A_FATHER)
    assert resp.status_code == 200
    assert resp.json["results"] and all(r["free_fitting"] == 0 for r in resp.json["results"])  # shelters, no place
    [row] = rows()
    assert (row.at, row.region_id, row.role) == (now, registry["regions"]["rotterdam"].id, "police")
    assert (row.target_groups, row.needs) == (["families", "men"], [])
    assert len(row.dedupe_key) == 64


def test_the_same_search_within_the_hour_counts_once(app, api, registry, now):
    api("police", "GET", NOTHING_FOR_A_FATHER)
    api("police", "GET", NOTHING_FOR_A_FATHER + "&type=")  # the same filters, written differently
    assert len(rows()) == 1
    api("coordinator", "GET", NOTHING_FOR_A_FATHER)  # someone else: another searcher
    assert len(rows()) == 2
    # NOW is 01:30 UTC; 02:10 is the next hour: the same person searching again counts again.
    app.config["FROZEN_NOW"] = now + dt.timedelta(minutes=40)
    api("police", "GET", NOTHING_FOR_A_FATHER)
    assert [r.role for r in rows()] == ["police", "coordinator", "police"]


def test_a_search_with_a_free_place_or_without_a_profile_is_not_demand(api, registry):
    resp = api("police", "GET", "/api/v1/availability?gender=female&age=30&near=rotterdam")
    assert any(r["free_fitting"] > 0 for r in resp.json["results"])
    resp = api("police", "GET", "/api/v1/availability?region=amsterdam&only_free=1")  # browsing: no place, no profile
    assert resp.json["results"] == []
    assert rows() == []


def test_minors_and_the_region_filter(api, registry):
    # No shelter in the registry admits minors: no results at all is an empty search too.
    resp = api("coordinator", "GET", "/api/v1/availability?age=16&residence=none&needs=pets,aggression&region=den-haag")
    assert resp.json["results"] == []
    [row] = rows()
    assert row.region_id == registry["regions"]["den-haag"].id and row.role == "coordinator"
    assert (row.target_groups, row.needs) == (["minors", "no_residence"], ["aggression", "pets"])


def test_needs_in_another_order_are_the_same_search(app, users, registry, now):
    from beds import search

    filters = search.parse_filters({"gender": "female", "needs": "active_addiction,aggression", "region": "amsterdam"})
    again = dict(filters, needs=list(reversed(filters["needs"])))
    assert search.record_empty(now, filters, [], users["police"]) is True
    assert search.record_empty(now, again, [], users["police"]) is False
    [row] = rows()
    assert row.target_groups == [] and row.needs == ["active_addiction", "aggression"]


def test_the_search_page_records_it_too(login, users, registry):
    client = login(users["police"])
    resp = client.get("/zoeken?gender=male&age=40&children=2&near=rotterdam")
    assert resp.status_code == 200
    [row] = rows()
    assert row.role == "police" and row.target_groups == ["families", "men"]
    client.get("/zoeken?region=amsterdam&only_free=1")  # nothing free, but no profile: browsing
    assert len(rows()) == 1
