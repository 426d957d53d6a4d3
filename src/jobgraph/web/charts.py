"""Small accessible SVG charts, drawn on the server so pages need no script and no CDN.

Every chart scales with its container (a ``viewBox`` and no fixed width), carries a ``<title>`` and a
``<desc>`` that a screen reader announces, and a caller shows the same numbers as a table beside it.
Bars and nodes may link somewhere (a facet): they are then real ``<a>`` elements, reachable by keyboard,
each with an ``aria-label`` saying what it is and where it goes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Colours pass WCAG AA: text >= 4.5:1 and marks >= 3:1 against white.
INK, MUTED, GRID, BAR, ACCENT, SOFT = "#1b1f24", "#57606a", "#d8dee4", "#0b5cad", "#b35900", "#9ec5ee"
FONT = 15  # user units
WIDTH = 360  # viewBox width: drawn at about 0.9x on a phone and 1.2x in a desktop card, so text stays readable
_ids = itertools.count(1)


@dataclass
class Bar:
    label: str
    value: float
    href: str | None = None
    note: str = ""  # added to the tooltip and the aria-label ("necessary in 5")


@dataclass
class Span:
    """One row of a range chart: a low-high interval with a middle mark (e.g. salaries in one country)."""

    label: str
    low: float
    high: float
    mid: float
    count: int
    href: str | None = None


def _attrs(**attrs: object) -> str:
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items() if v is not None)


def _fmt(value: float) -> str:
    """12,000 -> '12k', 1,250,000 -> '1.25M': short tick and value labels."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:g}" if value != int(value) else str(int(value))


def nice_ticks(top: float, count: int = 4, whole: bool = False) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2 or 5 times a power of ten apart; ``whole``:
    at least 1 apart, for counts)."""
    if top <= 0:
        return [0, 1]
    raw = max(top / count, 1) if whole else top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [round(step * i, 12) for i in range(math.ceil(top / step - 1e-9) + 1)]


def _svg(width: float, height: float, title: str, desc: str, body: list[str], interactive: bool) -> Markup:
    uid = f"chart{next(_ids)}"
    role = "" if interactive else ' role="img"'  # an img role would hide the links inside from readers
    head = (f'<svg class="chart" viewBox="0 0 {width:g} {height:g}" xmlns="http://www.w3.org/2000/svg"{role}'
            f' aria-labelledby="{uid}-t {uid}-d" font-family="system-ui, sans-serif" font-size="{FONT}">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _link(href: str | None, label: str, inner: str) -> str:
    if not href:
        return f"<g>{inner}</g>"
    return f'<a{_attrs(href=href, aria_label=label)} class="chart-link">{inner}</a>'


def _clip(text: str, chars: int = 40) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _axis(ticks: Sequence[float], left: float, scale: float, top: float, bottom: float) -> list[str]:
    """Vertical grid lines with their values under them."""
    out = []
    for t in ticks:
        x = left + t * scale
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{GRID}"/>'
                   f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}" font-size="13">'
                   f"{_fmt(t)}</text>")
    return out


def bar_chart(bars: Sequence[Bar], *, title: str, desc: str, unit: str = "postings", width: float = WIDTH) -> Markup:
    """Horizontal bars in the order given, each label above its bar so long names fit a phone."""
    if not bars:
        return Markup("")
    left, right, row, top = 4, 40, 36, 4
    scale = (width - left - right) / (ticks := nice_ticks(max(b.value for b in bars), whole=unit == "postings"))[-1]
    height = top + row * len(bars) + 22
    body = _axis(ticks, left, scale, top, height - 20)
    for i, bar in enumerate(bars):
        y = top + i * row
        w = max(bar.value * scale, 2)
        say = f"{bar.label}: {_fmt(bar.value)} {unit}" + (f" ({bar.note})" if bar.note else "")
        inner = (f"<title>{escape(say)}</title>"
                 f'<rect x="0" y="{y}" width="{width:g}" height="{row}" fill="transparent"/>'
                 f'<text x="{left}" y="{y + 14}" fill="{INK}">{escape(_clip(bar.label))}</text>'
                 f'<rect class="bar" x="{left}" y="{y + 19}" width="{w:.1f}" height="13" rx="3" fill="{BAR}"/>'
                 f'<text x="{left + w + 5:.1f}" y="{y + 30}" fill="{INK}" font-size="13">{_fmt(bar.value)}</text>')
        body.append(_link(bar.href, say + (" — show these" if bar.href else ""), inner))
    return _svg(width, height, title, desc, body, interactive=any(b.href for b in bars))


def line_chart(points: Sequence[tuple[str, float]], *, title: str, desc: str, unit: str = "postings",
               width: float = WIDTH, height: float = 200) -> Markup:
    """A line over ordered periods (labels such as '2024' or '2024-03'), with a dot and tooltip per period."""
    if not points:
        return Markup("")
    left, right, top, bottom = 40, 24, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(v for _, v in points), whole=unit == "postings")
    step = plot_w / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (i * step if len(points) > 1 else plot_w / 2)
        return x, top + plot_h - v / ticks[-1] * plot_h

    body = []
    for t in ticks:
        _, y = xy(0, t)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" font-size="13">'
                    f"{_fmt(t)}</text>")
    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    area = f"M{coords[0][0]:.1f},{top + plot_h} " + " ".join(f"L{x:.1f},{y:.1f}" for x, y in coords)
    area += f" L{coords[-1][0]:.1f},{top + plot_h} Z"
    body.append(f'<path d="{area}" fill="{SOFT}" fill-opacity="0.45"/>')
    body.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}" fill="none" '
                f'stroke="{BAR}" stroke-width="2.5" stroke-linejoin="round"/>')
    every = max(1, math.ceil(len(points) / 6))  # at most ~6 period labels fit a phone's width
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BAR}">'
                    f"<title>{escape(label)}: {_fmt(value)} {unit}</title></circle>")
        if i % every == 0:
            body.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="{MUTED}" font-size="13">'
                        f"{escape(label)}</text>")
    return _svg(width, height, title, desc, body, interactive=False)


def range_chart(spans: Sequence[Span], *, title: str, desc: str, unit: str, width: float = WIDTH) -> Markup:
    """One interval per row on a shared axis from 0: lowest to highest, a dot at the middle value."""
    if not spans:
        return Markup("")
    left, right, row, top = 10, 18, 38, 4
    scale = (width - left - right) / (ticks := nice_ticks(max(s.high for s in spans)))[-1]
    height = top + row * len(spans) + 22
    body = _axis(ticks, left, scale, top, height - 20)
    for i, span in enumerate(spans):
        y = top + i * row
        x0, x1, xm = (left + v * scale for v in (span.low, span.high, span.mid))
        say = (f"{span.label}: {_fmt(span.low)} to {_fmt(span.high)} {unit}, average middle {_fmt(span.mid)}, "
               f"{span.count} posting{'s' if span.count != 1 else ''}")
        inner = (f"<title>{escape(say)}</title>"
                 f'<rect x="0" y="{y}" width="{width:g}" height="{row}" fill="transparent"/>'
                 f'<text x="{left - 6}" y="{y + 14}" fill="{INK}">{escape(_clip(span.label))}'
                 f'<tspan fill="{MUTED}" font-size="13"> {_fmt(span.low)}–{_fmt(span.high)}</tspan></text>'
                 f'<line x1="{x0:.1f}" x2="{max(x1, x0 + 2):.1f}" y1="{y + 27}" y2="{y + 27}" stroke="{BAR}" '
                 f'stroke-width="9" stroke-linecap="round" stroke-opacity="0.6"/>'
                 f'<circle cx="{xm:.1f}" cy="{y + 27}" r="6" fill="{ACCENT}" stroke="#fff" stroke-width="1.5"/>')
        body.append(_link(span.href, say, inner))
    return _svg(width, height, title, desc, body, interactive=any(s.href for s in spans))


def ego_network(center: Bar, others: Sequence[Bar], *, title: str, desc: str, width: float = 400,
                height: float = 290) -> Markup:
    """A chosen item in the middle and the items seen with it around it; thicker, closer = seen together more.

    ``center.value`` is how often the chosen item occurs; each other's value is how often both occur.
    The centre is a labelled pill, so its name never collides with the ring.
    """
    if not others:
        return Markup("")
    cx, cy, rx, ry = width / 2, height / 2, width / 2 - 100, height / 2 - 32
    values = [o.value for o in others]
    low, top = min(values), max(values)
    edges, nodes = [], []
    for i, other in enumerate(others):
        angle = -math.pi / 2 + 2 * math.pi * (i + 0.5) / len(others)  # no node straight above or below
        share = (other.value - low) / (top - low) if top > low else 1.0
        reach = 1.0 - 0.3 * share  # frequent companions sit nearer the middle
        x, y = cx + math.cos(angle) * rx * reach, cy + math.sin(angle) * ry * reach
        edges.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="{BAR}" '
                     f'stroke-opacity="{0.35 + 0.45 * share:.2f}" stroke-width="{1.5 + 6 * share:.1f}"/>')
        radius = 5 + 5 * share
        anchor = "middle" if abs(math.cos(angle)) < 0.25 else ("start" if math.cos(angle) > 0 else "end")
        dx = {"start": radius + 4, "end": -radius - 4, "middle": 0}[anchor]
        dy = (radius + 15 if math.sin(angle) > 0 else -radius - 6) if anchor == "middle" else 5
        pct = f" ({100 * other.value / center.value:.0f}%)" if center.value else ""
        say = f"{other.label}: with {center.label} in {_fmt(other.value)} postings{pct}"
        inner = (f"<title>{escape(say)}</title>"
                 f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{BAR}" stroke="#fff" stroke-width="2"/>'
                 f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" fill="{INK}" font-size="14" '
                 f'paint-order="stroke" stroke="#fff" stroke-width="4">{escape(_clip(other.label, 12))}</text>')
        nodes.append(_link(other.href, say + (" — show these" if other.href else ""), inner))
    label = f"{_clip(center.label, 20)} · {_fmt(center.value)}"
    pill = len(label) * 8.2 + 22
    centre = (f'<rect x="{cx - pill / 2:.1f}" y="{cy - 15}" width="{pill:.1f}" height="30" rx="15" fill="{ACCENT}"/>'
              f'<text x="{cx}" y="{cy + 5}" text-anchor="middle" fill="#fff" font-weight="600">{escape(label)}</text>')
    return _svg(width, height, title, desc, edges + nodes + [centre], interactive=any(o.href for o in others))
