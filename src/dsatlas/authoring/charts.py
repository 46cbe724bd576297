"""Small inline SVG charts for the progress dashboard: no network, no script, readable in dark mode.

Text and axes use `currentColor`, so they follow the page's text colour; data colours are the plane
colours. Each SVG has a <title> and <desc> for screen readers, and no blank line inside (a blank line
would end the HTML block in Markdown).
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 34, 44
BLUE, GREEN, ORANGE, RED = "#0066CC", "#00AA00", "#FF8800", "#CC0000"


def nice_max(value: float) -> int:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return int(math.ceil(step * power))
    return int(10 * power)


def _open(chart_id: str, title: str, desc: str, height: int = HEIGHT) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="system-ui, sans-serif" font-size="11" '
        f'fill="currentColor">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _legend(items: list[tuple[str, str, bool]]) -> list[str]:
    out, x = [], LEFT
    for label, colour, dashed in items:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        out.append(f'<line x1="{x}" y1="14" x2="{x + 18}" y2="14" stroke="{colour}" stroke-width="3"{dash}/>')
        out.append(f'<text x="{x + 24}" y="18">{escape(label)}</text>')
        x += 34 + 7 * len(label)
    return out


def _y_axis(top_value: int, plot_height: int) -> list[str]:
    out = []
    for index in range(5):
        value = top_value * index / 4
        y = TOP + plot_height - plot_height * index / 4
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="currentColor" '
                   f'stroke-opacity="{0.45 if index == 0 else 0.15}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    return out


def _x_labels(labels: list[str], xs: list[float]) -> list[str]:
    every = max(1, math.ceil(len(labels) / 16))
    return [f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
            for index, (label, x) in enumerate(zip(labels, xs, strict=True)) if index % every == 0]


def weekly_chart(chart_id: str, labels: list[str], landed: list[int | None], targets: list[int],
                 title: str, desc: str) -> str:
    """Bars: pages landed per week (None = a week still to come). Line: the week's target."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = nice_max(max([*(v or 0 for v in landed), *targets, 1]))
    slot = plot_w / max(1, len(labels))
    xs = [LEFT + slot * (index + 0.5) for index in range(len(labels))]
    out = _open(chart_id, title, desc) + _legend([("landed", BLUE, False), ("target", RED, True)])
    out += _y_axis(top_value, plot_h)
    for x, value in zip(xs, landed, strict=True):
        if value:
            height = plot_h * value / top_value
            out.append(f'<rect x="{x - slot * 0.35:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot * 0.7:.1f}" '
                       f'height="{height:.1f}" fill="{BLUE}"><title>{value} landed</title></rect>')
    points = " ".join(f"{x:.1f},{TOP + plot_h - plot_h * t / top_value:.1f}" for x, t in zip(xs, targets, strict=True))
    out.append(f'<polyline points="{points}" fill="none" stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>')
    out += _x_labels(labels, xs)
    out.append("</svg>")
    return "\n".join(out)


def cumulative_chart(chart_id: str, labels: list[str], actual: list[int | None], planned: list[int],
                     title: str, desc: str) -> str:
    """Two lines: pages landed so far (stops at the current week) and the plan's cumulative target."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = nice_max(max([*(v or 0 for v in actual), *planned, 1]))
    step = plot_w / max(1, len(labels) - 1)
    xs = [LEFT + step * index for index in range(len(labels))] if len(labels) > 1 else [LEFT + plot_w / 2]
    out = _open(chart_id, title, desc) + _legend([("landed", BLUE, False), ("plan", ORANGE, True)])
    out += _y_axis(top_value, plot_h)

    def y(value: float) -> str:
        return f"{TOP + plot_h - plot_h * value / top_value:.1f}"

    plan_points = " ".join(f"{x:.1f},{y(v)}" for x, v in zip(xs, planned, strict=True))
    out.append(f'<polyline points="{plan_points}" fill="none" stroke="{ORANGE}" stroke-width="2" '
               'stroke-dasharray="5 3"/>')
    done = [(x, v) for x, v in zip(xs, actual, strict=True) if v is not None]
    if done:
        out.append(f'<polyline points="{" ".join(f"{x:.1f},{y(v)}" for x, v in done)}" fill="none" '
                   f'stroke="{BLUE}" stroke-width="3"/>')
        x, v = done[-1]
        out.append(f'<circle cx="{x:.1f}" cy="{y(v)}" r="4" fill="{BLUE}"><title>{v} landed</title></circle>')
    out += _x_labels(labels, xs)
    out.append("</svg>")
    return "\n".join(out)


def coverage_chart(chart_id: str, rows: list[tuple[str, int, int, int]], title: str, desc: str) -> str:
    """One row per category: the planned count as an outline, written and passing as filled bars."""
    row_h, label_w = 22, 110
    height = TOP + row_h * len(rows) + 12
    top_value = max([planned for _, planned, _, _ in rows] + [1])
    width = WIDTH - label_w - RIGHT - 70
    out = _open(chart_id, title, desc, height) + _legend([("written", BLUE, False), ("passing", GREEN, False)])

    def bar(value: int, planned: int) -> float:
        return width * min(value, planned or value) / top_value

    for index, (label, planned, written, passing) in enumerate(rows):
        y = TOP + row_h * index
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        outline = bar(planned, planned)
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{outline:.1f}" height="{row_h - 6}" fill="none" '
                   'stroke="currentColor" stroke-opacity="0.5"/>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar(written, planned):.1f}" height="{row_h - 6}" '
                   f'fill="{BLUE}"/>')
        out.append(f'<rect x="{label_w}" y="{y + 7}" width="{bar(passing, planned):.1f}" height="{row_h - 14}" '
                   f'fill="{GREEN}"/>')
        share = f"{100 * written / planned:.0f}%" if planned else "–"
        out.append(f'<text x="{label_w + outline + 6:.1f}" y="{y + 15}">{written}/{planned} ({share})</text>')
    out.append("</svg>")
    return "\n".join(out)
