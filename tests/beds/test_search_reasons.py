"""A national search that finds no free fitting place says why (the shelters counted by the reason they
give none, in the matcher's reason codes and the case page's labels) and what to try."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from beds import search

# ROT-COSM and AMS-VO take no men; DH-NOOD and ROT-MO (men) have beds only, no family room.
FATHER = {"gender": "male", "age": "40", "children": "2"}


def explained(app, now, args):
    return search.search_explained(now, search.parse_filters(args), app.config)


def test_reasons_count_the_shelters_by_the_first_rule_they_fail(app, registry, now):
    results, reasons = explained(app, now, FATHER)
    assert sorted(r["key"] for r in results) == ["DH-NOOD", "ROT-MO"]  # admit him, but no room for three
    assert reasons == [
        {"reason": "gender", "label": "geslacht past niet", "shelters": 2},
        {"reason": "pool_fit", "label": "geen passende kamer", "shelters": 2},
    ]


def test_a_contra_indication_and_a_full_shelter_are_reasons(app, registry, now):
    _results, reasons = explained(app, now, {"gender": "female", "needs": "aggression", "region": "amsterdam"})
    assert [(r["reason"], r["label"], r["shelters"]) for r in reasons] == [
        ("contra_indication:aggression", "contra-indicatie: agressie", 1)
    ]
    # With "only free" the full shelter is left out of the results but still counted as the reason.
    results, reasons = explained(app, now, {"gender": "female", "region": "amsterdam", "only_free": "1"})
    assert results == [] and [(r["reason"], r["shelters"]) for r in reasons] == [("capacity", 1)]


def test_no_reasons_when_a_place_fits(app, registry, now):
    results, reasons = explained(app, now, {"gender": "female", "residence": "none"})
    assert any(r["free_fitting"] for r in results) and reasons == []
    assert (
        search.search(now, search.parse_filters({"gender": "female"}), app.config)
        == explained(app, now, {"gender": "female"})[0]
    )


def test_the_page_says_why_and_what_to_try(app, client, login, users, registry, now):
    app.config["NATIONAL_PIKET_NUMBER"] = "+31 85 000 0000"
    login(users["police"])
    html = client.get("/zoeken?gender=female&needs=aggression&region=amsterdam&only_free=1").get_data(as_text=True)
    section = html.split('id="geen-plaats"')[1].split("</section>")[0]
    assert "Geen vrije plaats die past" in section
    assert '<a href="#uitkomst">Naar de uitkomst: geen vrije plaats die past</a>' in html
    assert "<strong>1</strong> opvanglocatie: contra-indicatie: agressie" in section
    links = {text: href for href, text in _links(section)}
    # Each suggestion is the same search without one filter.
    dropped = {
        "Toon ook opvang zonder vrije plaats (om te bellen)": "only_free",
        "Zoek in alle regio's": "region",
        "Zoek zonder de zorgbehoefte 'agressie'": "needs",
    }
    for text, field in dropped.items():
        query = parse_qs(urlsplit(links[text]).query)
        assert field not in query and query["gender"] == ["female"], text
    assert 'href="tel:+31850000000"' in section and "Doe een aanvraag" in section


def test_a_search_with_a_place_shows_no_reasons(client, login, users, registry):
    login(users["police"])
    html = client.get("/zoeken?gender=female&residence=none").get_data(as_text=True)
    assert 'id="geen-plaats"' not in html and 'data-shelter="' in html


def _links(html):
    return [(unescape(href), unescape(text)) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)]


def test_every_checked_need_counts_not_only_the_first():
    from werkzeug.datastructures import MultiDict

    args = MultiDict([("needs", "pets"), ("needs", "aggression"), ("gender", "female")])
    assert search.parse_filters(args)["needs"] == ["aggression", "pets"]
    assert search.parse_filters(MultiDict([("needs", "pets")]))["needs"] == ["pets"]
