"""One row of the benchmark table, and the figures the rows share."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

NO_REFERENCE = "—"


@dataclass(frozen=True, slots=True)
class Row:
    """A figure, its target, and its ratio to the reference measured in the same run."""

    benchmark: str
    size: str
    measure: str
    value: str
    target: str
    ok: bool | None
    """None for a figure shown without a target of its own."""
    ratio: str = NO_REFERENCE


def ratio(value: float, reference: float) -> str:
    """Return ``value / reference`` as it prints in the ratio column."""
    if reference <= 0:
        return NO_REFERENCE
    return f"{value / reference:.2f}×"


def percentile(samples: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``samples`` (``fraction`` 0.5 is the median)."""
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1
    return ordered[rank]


def median(samples: list[float]) -> float:
    """Return the median of ``samples``."""
    return statistics.median(samples)


def milliseconds(seconds: float) -> str:
    """Return a duration in milliseconds with a precision that suits its size."""
    value = seconds * 1000
    return f"{value:.2f} ms" if value < 10 else f"{value:.0f} ms"
