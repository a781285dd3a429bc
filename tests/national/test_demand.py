"""Unmet demand, against figures computed by hand on the fixed dataset in conftest.py (its docstring lists it)."""

from tests.national.conftest import SINCE, UNTIL, at


def rows_by(table, key):
    return {row[key]: row for row in table.rows}


def test_unmet_by_reason_counts_a_request_under_each_of_its_reasons(app, dataset, now):
    from national import demand

    tables = demand.unmet(now, SINCE, UNTIL)
    # Unmet in the window: R1, R2, R3, R4, R10. Not: R5 (confirmed placement), R6/R11/R12/R16 (placed),
    # R13/R14/R15/R17 (open), R7 (closed 10-31 23:30 local: before the window).
    reasons = tables["unmet_by_reason"]
    assert [(r["reason"], r["requests"], r["persons"]) for r in reasons.rows] == [
        ("capacity", 2, 3),  # R1 (2 persons) + R10 (1) = 3
        ("contra_indication:active_addiction", 1, 2),  # R1 only
        ("gender", 1, 1),  # R10
        ("no_profile", 1, 0),  # R4: cancelled phone request, profile never filled in (size 0)
        ("no_response", 1, 1),  # R2: exhausted, no blocking reasons
        ("withdrawn", 1, 3),  # R3: cancelled with a profile and no blocking reasons
    ]  # most requests first, then by code
    labels = {r["reason"]: r["label"] for r in reasons.rows}
    assert labels["capacity"] == "vol"
    assert labels["contra_indication:active_addiction"] == "contra-indicatie: actieve verslaving"
    assert labels["no_response"] == "niemand bereikt" and labels["withdrawn"] == "ingetrokken zonder plaats"
    assert reasons.counts == ("requests", "persons")


def test_unmet_by_contra_indication_and_target_group_survive_the_purge(app, dataset, now):
    from national import demand

    tables = demand.unmet(now, SINCE, UNTIL)
    ci = tables["unmet_by_contra_indication"]
    # active_addiction: R1 (stats, 2 persons) + R10 (derived from its persons, 1) = 2 requests, 3 persons;
    # psychiatric_crisis: R3 (purged: persons None, profile_stats kept) = 1 request, 3 persons.
    assert [(r["contra_indication"], r["label"], r["requests"], r["persons"]) for r in ci.rows] == [
        ("active_addiction", "actieve verslaving", 2, 3),
        ("psychiatric_crisis", "acute psychiatrische problematiek", 1, 3),
    ]
    groups = tables["unmet_by_target_group"]
    # Every group, in vocabulary order, also at zero. men: R2 (1) + R3 (3) + R10 (1) = 3 requests, 5 persons;
    # families and no_residence: R1 (2 persons); groups: R3 (3); minors: nobody.
    assert [(r["group"], r["requests"], r["persons"]) for r in groups.rows] == [
        ("men", 3, 5),
        ("families", 1, 2),
        ("minors", 0, 0),
        ("no_residence", 1, 2),
        ("groups", 1, 3),
    ]
    assert rows_by(groups, "group")["men"]["label"] == "mannen"


def test_unmet_by_region_and_local_month(app, dataset, now):
    from national import demand

    table = demand.unmet(now, SINCE, UNTIL)["unmet_by_region_month"]
    ids = {code: r.id for code, r in dataset["regions"].items()}
    assert [
        (r["month"], r["region"], r["region_id"], r["requests"], r["persons"], r["refusals"], r["empty_searches"])
        for r in table.rows
    ] == [
        # Rotterdam, November: R1 (2) + R2 (1) = 2 requests, 3 persons; refusals P-a (11-20) + P-b (11-16) = 2;
        # empty search E1. P-d and R7 (October local) are outside the window.
        ("2026-11", "Rotterdam", ids["rotterdam"], 2, 3, 2, 1),
        # E2 has no region: "onbekend", after the named regions of the month.
        ("2026-11", "onbekend", None, 0, 0, 0, 1),
        # Amsterdam, December: R10 (1 person) + R4 (0 persons) = 2 requests, 1 person; E3.
        ("2026-12", "Amsterdam", ids["amsterdam"], 2, 1, 0, 1),
        # Den Haag: R3 closed 11-30 23:30Z = 12-01 00:30 local, so December; P-c 23:10Z = 00:10 local too.
        ("2026-12", "Den Haag", ids["den-haag"], 1, 3, 1, 0),
    ]
    assert table.counts == ("requests", "persons", "refusals", "empty_searches")


def test_refusals_and_empty_searches_by_kind(app, dataset, now):
    from national import demand

    tables = demand.unmet(now, SINCE, UNTIL)
    # In the window: P-a, P-c contra_indication; P-b no_place. P-d (safety) was 10-31 22:00 local: before.
    assert [(r["reason"], r["label"], r["refusals"]) for r in tables["refusals_by_reason"].rows] == [
        ("contra_indication", "contra-indicatie", 2),
        ("no_place", "geen plaats meer", 1),
    ]
    # E1 + E3 men, E2 families + no_residence; E4 (minors) is before the window.
    searches = tables["empty_searches_by_target_group"]
    assert [(r["group"], r["searches"]) for r in searches.rows] == [
        ("men", 2),
        ("families", 1),
        ("minors", 0),
        ("no_residence", 1),
        ("groups", 0),
    ]
    assert searches.counts == ("searches",)


def test_region_filter_limits_every_table_to_the_coordinators_regions(app, dataset, now):
    from national import demand

    tables = demand.unmet(now, SINCE, UNTIL, region_ids={dataset["regions"]["rotterdam"].id})
    # Rotterdam's unmet requests: R1 (capacity, active_addiction; 2 persons) and R2 (no_response; 1).
    assert [(r["reason"], r["requests"], r["persons"]) for r in tables["unmet_by_reason"].rows] == [
        ("capacity", 1, 2),
        ("contra_indication:active_addiction", 1, 2),
        ("no_response", 1, 1),
    ]
    assert [
        (r["month"], r["region"], r["requests"], r["refusals"], r["empty_searches"])
        for r in tables["unmet_by_region_month"].rows
    ] == [("2026-11", "Rotterdam", 2, 2, 1)]
    # Refusals in Rotterdam cases: P-a (contra_indication), P-b (no_place); P-c is Den Haag's.
    assert [(r["reason"], r["refusals"]) for r in tables["refusals_by_reason"].rows] == [
        ("contra_indication", 1),
        ("no_place", 1),
    ]
    # E1 only: E2 has no region, E3 is Amsterdam's.
    assert {r["group"]: r["searches"] for r in tables["empty_searches_by_target_group"].rows}["men"] == 1
    assert sum(r["searches"] for r in tables["empty_searches_by_target_group"].rows) == 1


def test_window_is_half_open(app, dataset, now):
    from national import demand

    # Until 12-25 10:00Z: R4 (closed exactly then) and E3 (at exactly then) fall out; R10 stays.
    table = demand.unmet(now, SINCE, at(12, 25, 10))["unmet_by_region_month"]
    assert [
        (r["month"], r["region"], r["requests"], r["persons"], r["empty_searches"])
        for r in table.rows
        if r["region"] == "Amsterdam"
    ] == [("2026-12", "Amsterdam", 1, 1, 0)]
    # From 11-30 23:30Z, R3's close, which is in: R3 (withdrawn), R4 (no_profile), R10 (capacity, gender).
    reasons = demand.unmet(now, at(11, 30, 23, 30), UNTIL)["unmet_by_reason"]
    assert [(r["reason"], r["requests"]) for r in reasons.rows] == [
        ("capacity", 1),
        ("gender", 1),
        ("no_profile", 1),
        ("withdrawn", 1),
    ]


def test_turned_away_by_region(app, dataset, now):
    from national import demand

    ids = {code: r.id for code, r in dataset["regions"].items()}
    # now = 11-22 01:30Z. Last 30 days from 10-23 01:30Z: R1 (2) + R2 (1) + R7 (1, 10-31) = 4, all Rotterdam.
    # R3, R4, R10 close after now.
    assert demand.turned_away_by_region(now, days=30) == {ids["rotterdam"]: 4}
    # Last 7 days from 11-15 01:30Z: R1 (2) + R2 (1) = 3.
    assert demand.turned_away_by_region(now, days=7) == {ids["rotterdam"]: 3}
    # From 12-26 00:00Z back 30 days (from 11-26): R3 (Den Haag, 3), R10 (1) + R4 (0) Amsterdam.
    assert demand.turned_away_by_region(at(12, 26, 0), days=30) == {ids["den-haag"]: 3, ids["amsterdam"]: 1}


def test_suppression_hides_small_counts(app, dataset, now):
    from national import demand
    from national.tables import suppress

    table = suppress(demand.unmet(now, SINCE, UNTIL)["unmet_by_target_group"])
    # men: 3 requests, 5 persons stay; families: 1 request, 2 persons are hidden; zero stays zero.
    men, families, minors = table.rows[0], table.rows[1], table.rows[2]
    assert (men["requests"], men["persons"]) == (3, 5)
    assert (families["requests"], families["persons"]) == (None, None)
    assert (minors["requests"], minors["persons"]) == (0, 0)


def test_empty_window_gives_empty_tables(app, dataset, now):
    from national import demand

    tables = demand.unmet(now, at(1, 1, 0), at(2, 1, 0))  # January..February 2026: nothing happened
    assert set(tables) == {
        "unmet_by_reason",
        "unmet_by_contra_indication",
        "unmet_by_target_group",
        "unmet_by_region_month",
        "refusals_by_reason",
        "empty_searches_by_target_group",
    }
    assert tables["unmet_by_reason"].rows == [] and tables["unmet_by_region_month"].rows == []
    assert all(r["requests"] == 0 for r in tables["unmet_by_target_group"].rows)
