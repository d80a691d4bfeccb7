"""The benchmark sections, in the order the table prints them."""

from __future__ import annotations

from bench import settlement

SECTIONS = {
    "settlement": settlement.run,
}
