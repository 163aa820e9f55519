"""Small inline SVG charts (pure: strings in, strings out; no plotting dependency).

Each bar carries its value in ``data-value`` and a ``<title>`` tooltip, so the page can
be checked by a parser and read by a screen reader; no script, no external resource.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:11px"
PALETTE = {
    "applied": "#2e7d32",
    "unchanged": "#78909c",
    "reconciliation": "#ef6c00",
    "failed": "#c62828",
    "inflight": "#6a1b9a",
    "pending": "#b0bec5",
    "requests": "#1565c0",
    "conflicts": "#ef6c00",
    "latency": "#00838f",
    "limit": "#c62828",
}


@dataclass(frozen=True, slots=True)
class Bar:
    value: float
    label: str  # x tick text (may be empty to skip a tick)
    tip: str  # tooltip


def nice_scale(v: float, *, integer: bool = False) -> tuple[float, float]:
    """(axis top, tick step): a step of 1, 2 or 5 times a power of ten, at most about 5 ticks."""
    if v <= 0:
        return 1.0, 1.0 if integer else 0.25
    raw = v / 4
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 5, 10) if m * exp >= raw)
    if integer:
        step = max(step, 1.0)
    return math.ceil(v / step - 1e-9) * step, step


def _num(v: float) -> str:
    return f"{v:,.2f}".rstrip("0").rstrip(".") if v % 1 else f"{v:,.0f}"


def column_chart(
    bars: Sequence[Bar],
    *,
    name: str,
    color: str,
    y_label: str,
    limit: float | None = None,
    limit_label: str = "",
    width: int = 1000,
    height: int = 240,
    tick_every: int = 1,
    integer: bool = False,
) -> str:
    """Vertical bars over an x axis (time buckets or histogram bins), optional horizontal limit line."""
    left, right, top, bottom = 56, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = nice_scale(max([b.value for b in bars] + [limit or 0, 0]), integer=integer)
    ticks = int(round(top_value / step))
    n = max(len(bars), 1)
    slot = plot_w / n
    gap = min(2.0, slot * 0.15)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(name)}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(y_label)}" style="{FONT}">'
    ]
    for i in range(ticks + 1):  # grid and y ticks
        v = step * i
        y = top + plot_h - plot_h * v / top_value
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_num(v)}</text>')
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.0f}" transform="rotate(-90 12 {top + plot_h / 2:.0f})" text-anchor="middle" fill="#333">{escape(y_label)}</text>'
    )
    for i, b in enumerate(bars):
        h = plot_h * b.value / top_value
        x = left + i * slot + gap / 2
        parts.append(
            f'<rect class="bar" data-index="{i}" data-value="{b.value:g}" x="{x:.2f}" y="{top + plot_h - h:.2f}" '
            f'width="{max(slot - gap, 0.5):.2f}" height="{h:.2f}" fill="{color}"><title>{escape(b.tip)}</title></rect>'
        )
        if b.label and i % tick_every == 0:
            parts.append(f'<text x="{left + (i + 0.5) * slot:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="#555">{escape(b.label)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#333"/>')
    if limit:
        y = top + plot_h - plot_h * limit / top_value
        parts.append(
            f'<line class="limit" data-value="{limit:g}" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{PALETTE["limit"]}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        parts.append(f'<text x="{width - right - 4}" y="{y - 5:.1f}" text-anchor="end" fill="{PALETTE["limit"]}">{escape(limit_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def outcome_bar(counts: dict[str, int], *, name: str, width: int = 1000, height: int = 34) -> str:
    """One stacked horizontal bar: the share of each outcome, labelled where it fits."""
    total = sum(counts.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(name)}" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="outcomes" style="{FONT}">'
    ]
    x = 0.0
    for outcome, n in counts.items():
        w = width * n / total if total else 0
        color = PALETTE.get(outcome, "#999")
        parts.append(
            f'<rect class="bar" data-outcome="{escape(outcome)}" data-value="{n}" x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{color}"><title>{escape(outcome)}: {n}</title></rect>'
        )
        label = f"{outcome} {n}"
        if w > len(label) * 7 + 8:
            parts.append(f'<text x="{x + 6:.1f}" y="{height / 2 + 4:.1f}" fill="#fff" style="font-weight:600">{escape(label)}</text>')
        x += w
    parts.append("</svg>")
    return "".join(parts)
