"""The report's section of a run in waves (#31 §3): each gate metric's readings over time, one line
per watched queue, with each wave's start marked (and a breach in red). Pure SVG, as charts.py:
every point carries ``data-value`` and a ``<title>``; no script, no external resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from bulkops.report.charts import FONT, nice_scale
from bulkops.state.stamps import parse_ts
from bulkops.state.waveslog import GateReading, WaveEvent, WavesLine, read_log

LINE_COLOURS = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#455a64")
BREACH = "#c62828"


@dataclass(frozen=True, slots=True)
class Mark:
    """A vertical line on the chart: a wave's start or a breach, at ``t`` seconds."""

    t: float
    label: str
    breach: bool = False


@dataclass(frozen=True, slots=True)
class Point:
    t: float
    value: float
    tip: str


def marks_of(lines: Sequence[WavesLine], t0: float) -> list[Mark]:
    out = []
    for e in lines:
        if isinstance(e, WaveEvent) and e.event in ("start", "breach"):
            out.append(Mark(parse_ts(e.ts) - t0, f"wave {e.wave + 1}" if e.event == "start" else "breach", e.event == "breach"))
    return out


def series_of(lines: Sequence[WavesLine], metric: str, t0: float) -> dict[str, list[Point]]:
    """queue name -> its readings of ``metric`` (those it carried), in time order."""
    out: dict[str, list[Point]] = {}
    for r in lines:
        if isinstance(r, GateReading) and r.values.get(metric) is not None:
            value = float(r.values[metric] or 0.0)
            t = parse_ts(r.ts) - t0
            tip = f"{r.queue}: {metric} {value:g} at {r.ts} (wave {r.wave + 1}, {r.elapsed:.0f}s into its watch)"
            out.setdefault(r.queue, []).append(Point(t, value, tip))
    return out


def line_chart(series: dict[str, list[Point]], marks: Sequence[Mark], *, metric: str, width: int = 1000, height: int = 260) -> str:
    """One metric over time: a polyline a queue, the marks as vertical lines."""
    left, right, top, bottom = 50, 150, 16, 30
    span = max([p.t for ps in series.values() for p in ps] + [m.t for m in marks] + [1.0])
    peak, step = nice_scale(max([p.value for ps in series.values() for p in ps] + [0.0]))
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(t: float) -> float:
        return left + plot_w * max(t, 0.0) / span

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" data-chart="waves-{escape(metric)}" style="{FONT}">']
    parts.append(f"<title>{escape(metric)} per watched queue over time, waves marked</title>")
    tick = 0.0
    while tick <= peak + 1e-9:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eceff1"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
        tick += step
    parts.append(f'<text x="{left}" y="{height - 8}">0 s</text><text x="{left + plot_w}" y="{height - 8}" text-anchor="end">{span:.0f} s</text>')
    for m in marks:
        colour = BREACH if m.breach else "#78909c"
        parts.append(
            f'<line x1="{x(m.t):.1f}" x2="{x(m.t):.1f}" y1="{top}" y2="{top + plot_h}" stroke="{colour}" stroke-dasharray="4 3" data-mark="{escape(m.label)}"/>'
        )
        parts.append(f'<text x="{x(m.t) + 3:.1f}" y="{top + 10}" fill="{colour}">{escape(m.label)}</text>')
    for i, (queue, points) in enumerate(sorted(series.items())):
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        path = " ".join(f"{x(p.t):.1f},{y(p.value):.1f}" for p in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for p in points:
            parts.append(
                f'<circle cx="{x(p.t):.1f}" cy="{y(p.value):.1f}" r="3" fill="{colour}" data-value="{p.value:g}"><title>{escape(p.tip)}</title></circle>'
            )
        parts.append(f'<text x="{left + plot_w + 8}" y="{top + 14 * (i + 1)}" fill="{colour}">{escape(queue)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def waves_section(job_root: Path) -> str:
    """The section (empty for a run not in waves): each gate metric read, drawn over time."""
    lines = list(read_log(job_root))
    if not lines:
        return ""
    t0 = min(parse_ts(line.ts) for line in lines)
    marks = marks_of(lines, t0)
    metrics = sorted({k for r in lines if isinstance(r, GateReading) for k, v in r.values.items() if v is not None})
    events = "".join(
        f"<li>wave {e.wave + 1}: {escape(e.event)}{' (' + escape(e.detail) + ')' if e.detail else ''}</li>"
        for e in lines
        if isinstance(e, WaveEvent) and e.wave >= 0
    )
    rollback = [e for e in lines if isinstance(e, WaveEvent) and e.event == "rollback"]
    charts = "".join(f"<h3>{escape(m)}</h3>" + line_chart(series_of(lines, m, t0), marks, metric=m) for m in metrics)
    return (
        '<h2 id="waves">Waves and gate readings</h2><section>'
        + (charts or '<p class="note">No queue was read during the watches.</p>')
        + f"<ul>{events}</ul>"
        + "".join(f'<p data-figure="rollback">rollback: {escape(e.detail)}</p>' for e in rollback)
        + "</section>"
    )
