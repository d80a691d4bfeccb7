"""The rulebooks shipped with the module, as data (``data/rulebooks.json``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

SHIPPED_RULEBOOKS = Path(__file__).resolve().parent / "data" / "rulebooks.json"


def shipped_rulebooks() -> list[dict[str, Any]]:
    """Return the shipped rulebook versions as stored in the data file."""
    return json.loads(SHIPPED_RULEBOOKS.read_text(encoding="utf-8"))


def install_shipped_rulebooks(rulebook_model: Any) -> int:
    """Create the shipped versions that are missing; return how many were created.

    Takes the model class so that a migration can pass its historical model.
    """
    created = 0
    for entry in shipped_rulebooks():
        _, was_created = rulebook_model.objects.get_or_create(
            code=entry["code"],
            version=entry["version"],
            defaults={
                "title_en": entry["title_en"],
                "title_fr": entry["title_fr"],
                "effective_from": date.fromisoformat(entry["effective_from"]),
                "superseded_on": (
                    date.fromisoformat(entry["superseded_on"]) if entry["superseded_on"] else None
                ),
                "parameters": entry["parameters"],
                "notes": entry["notes"],
                "created_at": datetime.now(UTC),
            },
        )
        created += was_created
    return created
