"""The benchmark sections, in the order the table prints them."""

from __future__ import annotations

from bench import audit, checks, documents, intake, settlement

SECTIONS = {
    "intake": intake.run,
    "checks": checks.run,
    "settlement": settlement.run,
    "audit": audit.run,
    "documents": documents.run,
}
