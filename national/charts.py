"""Charts and the map as inline SVG, drawn on the server.

No JavaScript and no inline styles (the CSP allows neither): shapes carry classes that style.css
colours. Every chart sits next to the table with the same numbers, for screen readers and exports.
"""

from typing import NamedTuple

from markupsafe import Markup, escape

import formatting
import vocabulary
from national import outline

LON0, LON1, LAT0, LAT1 = 3.2, 7.35, 50.7, 53.6
MAP_W, MAP_H = 400, 460
# Labels: 10 px text (style.css), measured generously so that a real font never runs into a neighbour.
CHAR_W, ASCENT, DESCENT, PAD = 6.0, 9.0, 3.0, 1.0


def _xy(lon, lat) -> tuple[float, float]:
    x = (lon - LON0) / (LON1 - LON0) * MAP_W
    y = (LAT1 - lat) / (LAT1 - LAT0) * MAP_H
    return round(x, 1), round(y, 1)


def _land() -> str:
    """The real outline (national/outline.py: Natural Earth, simplified), one SVG path."""
    rings = (" ".join(f"{x},{y}" for x, y in (_xy(lon, lat) for lon, lat in ring)) for ring in outline.load())
    return " ".join(f"M{ring}Z" for ring in rings)


LAND = _land()


class Label(NamedTuple):
    x: float
    y: float  # the baseline
    anchor: str  # start, middle, end (SVG text-anchor)
    leader: tuple[float, float, float, float] | None  # a line from the dot to a label set further away


def _box(label: Label, text: str) -> tuple[float, float, float, float]:
    width = CHAR_W * len(text)
    left = {"start": label.x, "middle": label.x - width / 2, "end": label.x - width}[label.anchor]
    return left - PAD, label.y - ASCENT - PAD, left + width + PAD, label.y + DESCENT + PAD


def _hits_circle(box, cx, cy, r) -> bool:
    nearest_x, nearest_y = min(max(cx, box[0]), box[2]), min(max(cy, box[1]), box[3])
    return (nearest_x - cx) ** 2 + (nearest_y - cy) ** 2 < r * r


def _candidates(x, y, r):
    """Beside, below, above and on the diagonals of the dot; then the same further out, with a leader line."""
    for gap, leader in ((2.0, False), (16.0, True), (30.0, True)):
        d, q = r + gap, (r + gap) * 0.72
        for dx, dy, anchor in (
            (d, 3.5, "start"),
            (-d, 3.5, "end"),
            (0, d + ASCENT, "middle"),
            (0, -d - DESCENT, "middle"),
            (q, -q, "start"),
            (q, q + ASCENT - 2, "start"),
            (-q, -q, "end"),
            (-q, q + ASCENT - 2, "end"),
        ):
            label = Label(round(x + dx, 1), round(y + dy, 1), anchor, None)
            if leader:  # from the dot's edge to just short of the text's nearest middle
                tx, ty = label.x, label.y - 3.5 if dy == 3.5 else label.y - (ASCENT if dy > 0 else -DESCENT)
                length = ((tx - x) ** 2 + (ty - y) ** 2) ** 0.5 or 1.0
                ux, uy = (tx - x) / length, (ty - y) / length
                end = max(length - 2, r)
                label = label._replace(
                    leader=tuple(round(v, 1) for v in (x + ux * r, y + uy * r, x + ux * end, y + uy * end))
                )
            yield label


def place_labels(dots: list[tuple[str, float, float, float, str]]) -> dict[str, Label | None]:
    """A label per dot (key, x, y, radius, text) that overlaps no other label and stays on the map, clear
    of every dot where there is room; the largest dots are placed first. A label with no free place is
    left out (the dot keeps its tooltip and the table beside names it)."""
    placed: dict[str, Label | None] = {}
    boxes: list[tuple[float, float, float, float]] = []
    for key, x, y, r, text in sorted(dots, key=lambda d: -d[3]):
        placed[key] = None
        # First a place clear of every dot; where the dots crowd, one clear of the other labels and its own dot.
        others = [d for d in dots if d[0] != key]
        for avoid in (others, []):
            for label in _candidates(x, y, r):
                box = _box(label, text)
                if box[0] < 0 or box[1] < 0 or box[2] > MAP_W or box[3] > MAP_H:
                    continue
                if any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in boxes):
                    continue
                if _hits_circle(box, x, y, r) or any(_hits_circle(box, ox, oy, orad) for _k, ox, oy, orad, _t in avoid):
                    continue
                placed[key] = label
                boxes.append(box)
                break
            if placed[key] is not None:
                break
    return placed


def _label_text(row) -> str:
    """The region's name, and for an alarm its short word: the alarm is read, not only seen (WCAG 1.4.1)."""
    word = vocabulary.OCCUPANCY_ALARMS_SHORT.get(row.get("alarm") or "")
    return f"{row['region']} – {word}" if word else row["region"]


def region_map(rows: list[dict], title: str) -> Markup:
    """A dot per region on the country's real outline: area by usable capacity, colour by alarm (ok, low,
    full, over) and the alarm's word beside the name; labels placed so that none overlaps another or a dot."""
    biggest = max([r.get("capacity") or 0 for r in rows] + [1])
    shown = [r for r in rows if r.get("lat") is not None and not r.get("total")]
    dots = []
    for row in shown:
        x, y = _xy(row["lon"], row["lat"])
        dots.append(
            (
                row.get("code", row["region"]),
                x,
                y,
                4 + 14 * ((row.get("capacity") or 0) / biggest) ** 0.5,
                _label_text(row),
            )
        )
    labels = place_labels(dots)
    parts = [
        f'<svg class="map" viewBox="0 0 {MAP_W} {MAP_H}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<path class="land" d="{LAND}"/>',
    ]
    by_key = {d[0]: d for d in dots}
    for row in sorted(shown, key=lambda r: -(r.get("capacity") or 0)):  # small dots drawn last, on top
        key = row.get("code", row["region"])
        _key, x, y, radius, _text = by_key[key]
        utilisation = "onbekend" if row.get("utilisation") is None else f"{formatting.number(row['utilisation'])}%"
        alarm = vocabulary.OCCUPANCY_ALARMS.get(row.get("alarm") or "")
        tip = f"{row['region']}: {row.get('free', 0)} vrij van {row.get('capacity', 0)}, bezetting {utilisation}"
        tip += f" ({alarm})" if alarm else ""
        label = labels[key]
        text = ""
        if label is not None:
            if label.leader:
                x1, y1, x2, y2 = label.leader
                text += f'<line class="leader" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>'
            text += f'<text x="{label.x}" y="{label.y}" text-anchor="{label.anchor}">{escape(_label_text(row))}</text>'
        parts.append(
            f'<g class="region alarm-{escape(row.get("alarm") or "ok")}" data-region="{escape(row.get("code", ""))}">'
            f"<title>{escape(tip)}</title>"
            f'<circle cx="{x}" cy="{y}" r="{radius:.1f}"/>{text}</g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(rows: list[dict], series: list[tuple[str, str]], title: str, x_key: str = "date") -> Markup:
    """Lines over time (series: (column, Dutch label)); the y axis starts at 0 so change is not exaggerated."""
    width, height, left, bottom, top = 640, 240, 44, 26, 10
    if not rows:
        return Markup(f'<p class="muted">{escape(title)}: nog geen dagelijkse momentopnamen in deze periode.</p>')
    peak = max([row.get(k) or 0 for row in rows for k, _ in series] + [1])
    span = max(len(rows) - 1, 1)

    def x(i):
        return round(left + i * (width - left - 8) / span, 1)

    def y(value):
        return round(top + (1 - (value or 0) / peak) * (height - top - bottom), 1)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}"/>',
        f'<text class="tick" x="{left - 4}" y="{y(peak) + 4}">{peak}</text>',
        f'<text class="tick" x="{left - 4}" y="{height - bottom + 4}">0</text>',
        f'<text class="tick start" x="{left}" y="{height - 6}">{escape(rows[0][x_key])}</text>',
        f'<text class="tick end" x="{width - 8}" y="{height - 6}">{escape(rows[-1][x_key])}</text>',
    ]
    for n, (key, label) in enumerate(series):
        points = " ".join(f"{x(i)},{y(row.get(key))}" for i, row in enumerate(rows))
        parts.append(f'<polyline class="series s{n}" points="{points}"><title>{escape(label)}</title></polyline>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key s{n}">{escape(label)}</span>' for n, (_, label) in enumerate(series))
    return Markup("".join(parts) + f'<p class="legend">{legend}</p>')


def bar_chart(rows: list[dict], label_key: str, value_key: str, title: str) -> Markup:
    """Horizontal bars, largest first; suppressed values (None) are drawn as '<3' without a bar."""
    rows = sorted(rows, key=lambda r: -(r.get(value_key) or 0))[:12]
    if not rows:
        return Markup("")
    width, bar_h, label_w = 640, 22, 250
    peak = max([r.get(value_key) or 0 for r in rows] + [1])
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {bar_h * len(rows) + 4}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, row in enumerate(rows):
        value, top = row.get(value_key), i * bar_h + 2
        length = 0 if value is None else round((width - label_w - 40) * value / peak, 1)
        parts.append(
            f'<text class="label" x="{label_w - 6}" y="{top + 15}">{escape(str(row.get(label_key)))}</text>'
            f'<rect class="bar" x="{label_w}" y="{top + 3}" width="{length}" height="{bar_h - 6}"/>'
            f'<text class="value" x="{label_w + length + 4}" y="{top + 15}">{"&lt;3" if value is None else value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
