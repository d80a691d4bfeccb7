"""Filters the document templates use to write values in the active language (P05)."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from equity.documents import content
from equity.money import Money
from equity.offerings.models import InterestFrequency, LegalForm, SecurityType

register = template.Library()

ROLES = {
    "founder": _("founder"),
    "director": _("director"),
    "officer": _("officer"),
    "control_person": _("control person"),
}

REFUND_REASONS = {
    "offering_failed": _(
        "the offering did not close: its minimum was not reached or it could not be completed"
    ),
    "offering_cancelled": _("the offering was cancelled"),
    "withdrawn": _("you withdrew your subscription"),
    "subscription_withdrawn": _("your payment arrived after you had withdrawn your subscription"),
    "amount_mismatch": _("the amount paid did not match the amount of your subscription"),
    "unknown_subscription": _("your payment matched no subscription"),
}
"""The escrow's refund reasons; ``subscription_*`` and ``offering_*`` have general wordings."""


def _language() -> str:
    return "en" if (get_language() or "fr").startswith("en") else "fr"


@register.filter
def money(cents: int, currency: str = "CAD") -> str:
    """Write an amount of cents the way the active language writes money."""
    return Money(int(cents), currency or "CAD").format(_language())


@register.filter
def number(value: int) -> str:
    """Write a whole number with the active language's thousands separator."""
    return number_format(value, force_grouping=True, use_l10n=True)


@register.filter
def rate(basis_points: int) -> str:
    """Write an annual rate given in basis points as a percentage."""
    percent = number_format(basis_points / 100, decimal_pos=2, use_l10n=True)
    return f"{percent}\u00a0%" if _language() == "fr" else f"{percent}%"


@register.filter
def security_type(code: str) -> str:
    return str(SecurityType(code).label)


@register.filter
def legal_form(code: str) -> str:
    return str(LegalForm(code).label)


@register.filter
def interest_frequency(code: str) -> str:
    return str(InterestFrequency(code).label)


@register.filter
def roles(codes: tuple[str, ...]) -> str:
    return ", ".join(str(ROLES.get(code, code)) for code in codes)


@register.filter
def refund_reason(code: str) -> str:
    if code in REFUND_REASONS:
        return str(REFUND_REASONS[code])
    if code.startswith("offering_"):
        return str(_("the offering was no longer taking payments"))
    return str(_("your payment could not be applied to your subscription"))


@register.filter
def regulator(province: str) -> str:
    """Name the securities regulator of a province or territory in the active language."""
    return content.regulator(province, _language())


@register.filter
def cssstring(value: object) -> SafeString:
    """Quote ``value`` as a CSS string, safe inside a ``<style>`` element."""
    text = str(value)
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("<", "\\3c "), ("\n", "\\a ")):
        text = text.replace(char, escape)
    return mark_safe(f'"{text}"')  # noqa: S308 - every character that could end it is escaped
