"""Template helpers of the compliance officers' console."""

from __future__ import annotations

import json

from django import template

register = template.Library()


@register.filter
def as_json(value: object) -> str:
    """Return ``value`` as compact JSON with sorted keys and accents kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
