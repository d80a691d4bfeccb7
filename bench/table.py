"""One row of the benchmark table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    benchmark: str
    size: str
    measure: str
    value: str
    target: str
    ok: bool
