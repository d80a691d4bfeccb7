"""The geometry of the cap-usage chart, drawn on the server as inline SVG (R08).

Pure: dates and cents in, coordinates out. The template draws the shapes;
the same figures are given as a table beside the chart for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 640
HEIGHT = 300
LEFT = 16
RIGHT = 16
TOP = 24
BOTTOM = 40


@dataclass(frozen=True, slots=True)
class CapChart:
    """Coordinates in a ``WIDTH`` × ``HEIGHT`` view box."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    raised_points: str
    """The step line of the cumulative amount raised, as SVG polyline points."""
    reserved_x: float
    reserved_y: float
    reserved_height: float
    """The bar of what active offerings reserve, stacked on the raised total at ``as_of``."""
    cap_y: float
    total_y: float


def cap_chart(
    *,
    window_start: date,
    window_end: date,
    steps: Sequence[tuple[date, int]],
    reserved_cents: int,
    cap_cents: int,
) -> CapChart:
    """Return the chart of ``steps`` (closing date, cumulative raised) plus the reserved
    amount at the window's end, against the cap, over the window."""
    plot_right = WIDTH - RIGHT
    plot_bottom = HEIGHT - BOTTOM
    raised = steps[-1][1] if steps else 0
    ceiling = max(cap_cents, raised + reserved_cents, 1) * 1.1
    span_days = max((window_end - window_start).days, 1)

    def x(day: date) -> float:
        offset = min(max((day - window_start).days, 0), span_days)
        return round(LEFT + (plot_right - LEFT) * offset / span_days, 1)

    def y(cents: int) -> float:
        return round(plot_bottom - (plot_bottom - TOP) * cents / ceiling, 1)

    points = [(float(LEFT), y(0))]
    level = 0
    for day, cumulative in steps:
        points.append((x(day), y(level)))
        points.append((x(day), y(cumulative)))
        level = cumulative
    points.append((float(plot_right), y(level)))
    bar_width = 14.0
    return CapChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=plot_right,
        plot_top=TOP,
        plot_bottom=plot_bottom,
        raised_points=" ".join(f"{px},{py}" for px, py in points),
        reserved_x=plot_right - bar_width,
        reserved_y=y(raised + reserved_cents),
        reserved_height=round(y(raised) - y(raised + reserved_cents), 1),
        cap_y=y(cap_cents),
        total_y=y(raised + reserved_cents),
    )
