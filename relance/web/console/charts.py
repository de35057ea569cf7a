"""Small server-rendered SVG charts (no JavaScript, no CDN): bars, stacked bars, a line on its own axis.

Every bar is a link (`<a href>`) to the cases behind it, with a `<title>` tooltip giving the exact
figure. Text is escaped; sizes are in SVG user units and the chart scales to its container.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#2f6fb3", "#e0893a", "#3a9d6b", "#b3474e", "#7a5cb8", "#8c8c3c", "#4aa3b8", "#9b6b43")


@dataclass(frozen=True)
class Segment:
    """One part of a bar: its value, where it links, its tooltip, its series (for the colour)."""

    value: float
    href: str
    title: str
    series: int = 0


@dataclass(frozen=True)
class Bar:
    label: str
    segments: Sequence[Segment]

    @property
    def total(self) -> float:
        return sum(s.value for s in self.segments)


@dataclass(frozen=True)
class Line:
    """A line drawn over the bars on its own (right-hand) axis."""

    values: Sequence[float]
    name: str
    titles: Sequence[str] = field(default_factory=tuple)


def _nice(top: float) -> float:
    """A round axis maximum at or above `top`."""
    if top <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= top:
            return float(step * magnitude)
    return float(10 * magnitude)


def short(value: float | Decimal) -> str:
    """`1234567` → `1.2M`, `12500` → `12.5k`, `42` → `42`."""
    v = float(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= limit:
            return f"{v / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{v:.0f}" if v == int(v) else f"{v:.2f}"


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    series: Sequence[str] = (),
    line: Line | None = None,
    height: int = 220,
    colors: Sequence[str] = PALETTE,
    label_every: int = 1,
    width: int = 640,
) -> Markup:
    """Vertical (stacked) bars with a left axis, an optional line on a right axis, and a legend."""
    empty_line = f"no {line.name.split(' (')[0]}" if line is not None and not any(line.values) else ""
    if empty_line:
        line = None  # a line flat at zero says nothing: the legend says it instead
    left, right, top, bottom = 46, 52 if line else 12, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    ymax = _nice(max((b.total for b in bars), default=0))
    slot = plot_w / max(1, len(bars))
    bar_w = max(2.0, slot * 0.7)
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height + (18 if series or line else 0)}" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{short(ymax * i / 4)}</text>')
    for i, bar in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for seg in bar.segments:
            if seg.value <= 0:
                continue
            h = plot_h * seg.value / ymax
            y -= h
            color = colors[seg.series % len(colors)]
            out.append(
                f'<a href="{escape(seg.href)}"><rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
                f' fill="{color}"><title>{escape(seg.title)}</title></rect></a>'
            )
        if i % label_every == 0:
            out.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                f"{escape(bar.label)}</text>"
            )
    if line is not None:
        out += _line(line, left, slot, top, plot_h, width - right)
    if not any(b.total for b in bars) and line is None:
        out.append(
            f'<text class="empty" x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" text-anchor="middle">'
            "nothing in this period</text>"
        )
    out += _legend(series, line, left, height + 6, colors, empty_line)
    out.append("</svg>")
    return Markup("".join(out))


WIDE = 1200


def _line(line: Line, left: float, slot: float, top: float, plot_h: float, x_axis: float) -> list[str]:
    lmax = _nice(max(line.values))
    points = [(left + i * slot + slot / 2, top + plot_h - plot_h * v / lmax) for i, v in enumerate(line.values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    out = [f'<polyline class="line" points="{path}"/>']
    titles = line.titles or [short(v) for v in line.values]
    for (x, y), value, title in zip(points, line.values, titles, strict=False):
        if value or len(points) <= 30:
            out.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(title)}</title></circle>')
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(f'<text class="axis" x="{x_axis + 6}" y="{y + 4:.1f}">{short(lmax * i / 4)}</text>')
    return out


def _legend(
    series: Sequence[str], line: Line | None, x: float, y: float, colors: Sequence[str], note: str = ""
) -> list[str]:
    out = []
    for i, name in enumerate(series):
        out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="10" height="10" fill="{colors[i % len(colors)]}"/>')
        out.append(f'<text class="legend" x="{x + 14:.0f}" y="{y + 9:.0f}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    if line is not None:
        out.append(f'<line class="line" x1="{x:.0f}" x2="{x + 14:.0f}" y1="{y + 5:.0f}" y2="{y + 5:.0f}"/>')
        out.append(f'<text class="legend" x="{x + 18:.0f}" y="{y + 9:.0f}">{escape(line.name)}</text>')
    elif note:
        out.append(f'<text class="legend" x="{x:.0f}" y="{y + 9:.0f}">· {escape(note)}</text>')
    return out


@dataclass(frozen=True)
class Row:
    """A horizontal bar: a label, a value, its link, its tooltip, and an optional value text."""

    label: str
    value: float
    href: str
    title: str
    text: str = ""
    color: str = PALETTE[0]


def hbar_chart(rows: Sequence[Row], *, title: str, max_value: float | None = None) -> Markup:
    """Horizontal bars, one per row, the value written at the end of each."""
    width, label_w, row_h = 640, 150, 26
    height = max(1, len(rows)) * row_h + 8
    top = max_value if max_value is not None else max((r.value for r in rows), default=0)
    top = top or 1
    plot_w = width - label_w - 110
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, r in enumerate(rows):
        y = 4 + i * row_h
        w = max(1.0 if r.value else 0.0, plot_w * r.value / top)
        out.append(f'<text class="axis" x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(r.label)}</text>')
        out.append(
            f'<a href="{escape(r.href)}"><rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}"'
            f' fill="{r.color}"><title>{escape(r.title)}</title></rect>'
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 15}">{escape(r.text or short(r.value))}</text></a>'
        )
    if not rows:
        out.append(f'<text class="axis" x="{label_w}" y="18">nothing yet</text>')
    out.append("</svg>")
    return Markup("".join(out))
