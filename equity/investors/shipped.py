"""The Form 45-110F2 statements shipped with the module (``data/risk_acknowledgement.json``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

SHIPPED_FORM = Path(__file__).resolve().parent / "data" / "risk_acknowledgement.json"


def install_shipped_form(form_model: Any) -> bool:
    """Create the shipped form version if missing; return whether it was created.

    Takes the model class so that a migration can pass its historical model.
    """
    entry = json.loads(SHIPPED_FORM.read_text(encoding="utf-8"))
    _, created = form_model.objects.get_or_create(
        version=entry["version"],
        defaults={
            "effective_from": datetime.fromisoformat(entry["effective_from"]),
            "statements": entry["statements"],
        },
    )
    return created
