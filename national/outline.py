"""The outline of the Netherlands for the national map: Natural Earth's, simplified, shipped as JSON.

The map needs the real shape of the country, not a sketch, but no request may fetch it at run time:
`national/nl_outline.json` is made once from the `world-atlas` npm package (Natural Earth's 1:10m
countries, public domain, as TopoJSON) and committed. To make it again:

    npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    python -m national.outline package/countries-10m.json > national/nl_outline.json

The European Netherlands only (the Caribbean islands are not in the regions), simplified with the
Douglas-Peucker rule to about 1 km, which a 400-pixel map cannot show anyway.
"""

import json
import sys
from pathlib import Path

OUTLINE_FILE = Path(__file__).with_name("nl_outline.json")
EUROPE = (3.0, 50.5, 7.5, 54.0)  # lon0, lat0, lon1, lat1: what counts as the European Netherlands
TOLERANCE = 0.01  # degrees, about 1 km
MIN_POINTS = 4  # islands smaller than this after simplifying are dropped


def _arcs(topology) -> list[list[tuple[float, float]]]:
    """TopoJSON's quantised, delta-encoded arcs as lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _ring(arcs, indexes) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        ring.extend(points if not ring else points[1:])
    return ring


def _simplify(points, tolerance):
    """Douglas-Peucker, iterative (a long coast would exhaust the recursion limit)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        dx, dy = x1 - x0, y1 - y0
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            distance = (
                abs(dy * px - dx * py + x1 * y0 - y1 * x0) / norm if norm else ((px - x0) ** 2 + (py - y0) ** 2) ** 0.5
            )
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def build(topology: dict, name: str = "Netherlands") -> list[list[list[float]]]:
    """The country's outer rings in Europe, simplified: [[[lon, lat], ...], ...], largest first."""
    arcs = _arcs(topology)
    country = next(
        g for g in topology["objects"]["countries"]["geometries"] if g.get("properties", {}).get("name") == name
    )
    polygons = country["arcs"] if country["type"] == "MultiPolygon" else [country["arcs"]]
    lon0, lat0, lon1, lat1 = EUROPE
    rings = []
    for polygon in polygons:
        outer = _ring(arcs, polygon[0])
        if not all(lon0 <= lon <= lon1 and lat0 <= lat <= lat1 for lon, lat in outer):
            continue
        simple = _simplify(outer, TOLERANCE)
        if len(simple) >= MIN_POINTS:
            rings.append([[round(lon, 3), round(lat, 3)] for lon, lat in simple])
    return sorted(rings, key=len, reverse=True)


def load() -> list[list[list[float]]]:
    return json.loads(OUTLINE_FILE.read_text())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m national.outline countries-10m.json > national/nl_outline.json")
    json.dump(build(json.loads(Path(sys.argv[1]).read_text())), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
