"""The national map: the real outline of the country (Natural Earth, shipped as national/nl_outline.json)
and region labels that never overlap one another or leave the map."""

import random

import pytest

from beds import demo_data
from national import charts, outline


def test_the_shipped_outline_is_the_european_netherlands():
    rings = outline.load()
    mainland = rings[0]
    lons, lats = [p[0] for p in mainland], [p[1] for p in mainland]
    # The mainland runs from Zeeland (3.4 E) to Groningen (7.2 E), from Limburg (50.75 N) to the north coast.
    assert 3.3 < min(lons) < 3.5 and 7.1 < max(lons) < 7.3
    assert 50.7 < min(lats) < 50.8 and 53.3 < max(lats) < 53.6
    assert len(mainland) > 100  # a shape, not a sketch
    assert len(rings) > 3  # and the Wadden islands
    lon0, lat0, lon1, lat1 = outline.EUROPE
    assert all(lon0 <= lon <= lon1 and lat0 <= lat <= lat1 for ring in rings for lon, lat in ring)


def test_the_builder_decodes_topojson_and_keeps_only_europe():
    # Two polygons: a square in Europe (arcs 0 and 1, the second reversed) and one in the Caribbean (arc 2).
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [0, 50]},
        "arcs": [
            [[8, 4], [2, 0], [0, 4]],  # (4, 51) -> (5, 51) -> (5, 52)
            [[8, 4], [0, 4], [2, 0]],  # (4, 51) -> (4, 52) -> (5, 52); used reversed
            [[-136, -124], [2, 0], [0, 4], [-2, 0], [0, -4]],
        ],
        "objects": {
            "countries": {
                "geometries": [
                    {"type": "MultiPolygon", "properties": {"name": "Netherlands"}, "arcs": [[[0, ~1]], [[2]]]},
                    {"type": "Polygon", "properties": {"name": "Belgium"}, "arcs": [[2]]},
                ]
            }
        },
    }
    assert outline.build(topology) == [[[4.0, 51.0], [5.0, 51.0], [5.0, 52.0], [4.0, 52.0], [4.0, 51.0]]]


def boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("seed", range(20))
def test_labels_never_overlap_and_stay_on_the_map(seed):
    rng = random.Random(seed)
    regions = [r for r in demo_data.REGIONS if r["kind"] == "care"]
    dots = [
        (r["code"], *charts._xy(r["lon"], r["lat"]), 4 + 14 * rng.random() ** 0.5, r["name"])
        for r in rng.sample(regions, rng.randint(5, len(regions)))
    ]
    placed = charts.place_labels(dots)
    boxes = []
    for key, x, y, r, text in dots:
        label = placed[key]
        if label is None:
            continue
        box = charts._box(label, text)
        assert 0 <= box[0] and box[2] <= charts.MAP_W and 0 <= box[1] and box[3] <= charts.MAP_H, text
        assert not charts._hits_circle(box, x, y, r), text  # never on its own dot
        boxes.append((text, box))
    for i, (text, box) in enumerate(boxes):
        for other, box2 in boxes[i + 1 :]:
            assert not boxes_overlap(box, box2), (text, other)
    assert len(boxes) >= 0.9 * len(dots)  # nearly every region is named on the map itself


def test_the_map_draws_the_outline_and_a_named_dot_per_region():
    rows = [
        {"code": "amsterdam", "region": "Amsterdam", "lat": 52.37, "lon": 4.89, "capacity": 40, "alarm": "over"},
        {"code": "zwolle", "region": "Zwolle", "lat": 52.51, "lon": 6.09, "capacity": 4, "alarm": None},
        {"region": "Nederland", "total": True, "capacity": 44},
    ]
    svg = str(charts.region_map(rows, "Bezetting per regio"))
    assert svg.count('<path class="land"') == 1 and svg.count("M") >= 4
    assert svg.count("<circle") == 2 and ">Zwolle</text>" in svg
    assert 'class="region alarm-over" data-region="amsterdam"' in svg
    # The alarm in words beside the name and in the tooltip, not in colour alone (WCAG 1.4.1).
    assert ">Amsterdam – tekort</text>" in svg and "(vraag boven 100%)</title>" in svg
