"""Template helpers shared by every page."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


@register.filter
def described_widget(field: BoundField) -> SafeString:
    """Render ``field``'s input tied to its help and errors (aria-describedby, aria-invalid)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def dollars(cents: int | None) -> str:
    """Format an amount in cents as dollars in the active language: 2 500,00 $ or $2,500.00."""
    if cents is None:
        return ""
    amount = number_format(cents / 100, decimal_pos=2, use_l10n=True, force_grouping=True)
    if (get_language() or "fr").startswith("fr"):
        return f"{amount}\u00a0$"
    return f"${amount}"
