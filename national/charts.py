"""Charts and the map as inline SVG, drawn on the server.

No JavaScript and no inline styles (the CSP allows neither): shapes carry classes that style.css
colours. Every chart sits next to the table with the same numbers, for screen readers and exports.
"""

from markupsafe import Markup, escape

# A coarse outline of the Netherlands (lon, lat), enough to place the regions; not a border map.
NL_OUTLINE = [
    (3.37, 51.37),
    (3.55, 51.59),
    (3.84, 51.78),
    (4.03, 51.97),
    (4.25, 52.13),
    (4.45, 52.35),
    (4.58, 52.6),
    (4.65, 52.85),
    (4.72, 52.96),
    (4.86, 53.2),
    (5.15, 53.3),
    (5.6, 53.38),
    (6.1, 53.45),
    (6.75, 53.47),
    (7.2, 53.25),
    (7.2, 53.0),
    (7.05, 52.65),
    (6.7, 52.49),
    (7.06, 52.38),
    (6.83, 52.1),
    (6.73, 51.9),
    (6.17, 51.85),
    (5.95, 51.75),
    (6.2, 51.52),
    (6.08, 51.17),
    (5.95, 50.98),
    (6.02, 50.76),
    (5.69, 50.75),
    (5.64, 50.85),
    (5.85, 51.15),
    (5.5, 51.3),
    (5.08, 51.48),
    (4.76, 51.5),
    (4.38, 51.45),
    (4.25, 51.37),
    (3.85, 51.21),
    (3.37, 51.37),
]
LON0, LON1, LAT0, LAT1 = 3.2, 7.35, 50.7, 53.6
MAP_W, MAP_H = 400, 460


def _xy(lon, lat) -> tuple[float, float]:
    x = (lon - LON0) / (LON1 - LON0) * MAP_W
    y = (LAT1 - lat) / (LAT1 - LAT0) * MAP_H
    return round(x, 1), round(y, 1)


def region_map(rows: list[dict], title: str) -> Markup:
    """A dot per region at its centre: area by usable capacity, colour by alarm (ok, low, full, over)."""
    outline = " ".join(f"{x},{y}" for x, y in (_xy(lon, lat) for lon, lat in NL_OUTLINE))
    biggest = max([r.get("capacity") or 0 for r in rows] + [1])
    parts = [
        f'<svg class="map" viewBox="0 0 {MAP_W} {MAP_H}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<polygon class="land" points="{outline}"/>',
    ]
    for row in sorted(rows, key=lambda r: -(r.get("capacity") or 0)):  # small dots drawn last, on top
        if row.get("lat") is None or row.get("total"):
            continue
        x, y = _xy(row["lon"], row["lat"])
        radius = 4 + 14 * ((row.get("capacity") or 0) / biggest) ** 0.5
        utilisation = "onbekend" if row.get("utilisation") is None else f"{row['utilisation']}%"
        tip = f"{row['region']}: {row.get('free', 0)} vrij van {row.get('capacity', 0)}, bezetting {utilisation}"
        parts.append(
            f'<g class="region alarm-{escape(row.get("alarm") or "ok")}" data-region="{escape(row.get("code", ""))}">'
            f"<title>{escape(tip)}</title>"
            f'<circle cx="{x}" cy="{y}" r="{radius:.1f}"/>'
            f'<text x="{x}" y="{y + radius + 9:.1f}">{escape(row["region"])}</text></g>'
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
