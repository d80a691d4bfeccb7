"""Forms of the purchaser pages; the rules themselves are decided by the services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from equity.accounts.forms import CANADIAN_PROVINCES
from equity.offerings.models import SecurityType

_SPACES = re.compile(r"[\s\u00a0\u202f$]")
_DOLLARS = re.compile(r"^(?P<whole>\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,](?P<cents>\d{1,2}))?$")
STATEMENT_PREFIX = "statement_"


def parse_dollars(text: str) -> int:
    """Return an amount typed in dollars as integer cents, without ever making a float (P01).

    Accepts "2500", "2 500,50", "2500.50", "2,500.50" and "2.500,50": a comma or
    a point followed by one or two digits at the end marks the cents; any other
    comma, point or space groups thousands.
    """
    match = _DOLLARS.match(_SPACES.sub("", text))
    if match is None:
        raise ValueError(f"{text!r} is not an amount in dollars")
    whole = int(re.sub(r"[.,]", "", match["whole"]))
    cents = int((match["cents"] or "0").ljust(2, "0"))
    return whole * 100 + cents


class DollarsField(forms.Field):
    """An amount typed in dollars, cleaned to integer cents."""

    MAX_LENGTH = 24
    default_error_messages = {
        "invalid": _("Enter an amount in dollars, such as 2500 or 2 500,00."),
        "not_positive": _("Enter an amount greater than zero."),
    }

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {
            **super().widget_attrs(widget),
            "inputmode": "decimal",
            "autocomplete": "off",
            "maxlength": str(self.MAX_LENGTH),
        }

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            if len(text) > self.MAX_LENGTH:
                raise ValueError(text)
            cents = parse_dollars(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if cents <= 0:
            raise ValidationError(self.error_messages["not_positive"], code="not_positive")
        return cents


class OfferingFilterForm(forms.Form):
    """Narrow the list of offerings: head office, class of security, social economy."""

    province = forms.ChoiceField(
        label=_("Head office"),
        required=False,
        choices=[("", _("All provinces and territories")), *CANADIAN_PROVINCES],
    )
    security_type = forms.ChoiceField(
        label=_("Security"),
        required=False,
        choices=[("", _("All securities")), *SecurityType.choices],
    )
    social_economy = forms.BooleanField(
        label=_("Social economy only (co-operatives and non-profits)"), required=False
    )

    def filters(self) -> dict[str, Any]:
        """Return the valid filters as keyword arguments of the offering selectors."""
        if not self.is_valid():
            return {}
        return {
            "province": self.cleaned_data["province"],
            "security_type": self.cleaned_data["security_type"],
            "social_economy": self.cleaned_data["social_economy"],
        }


class SubscriptionForm(forms.Form):
    """The amount, each statement of the risk acknowledgement (R15) and the typed name.

    ``statements`` are the form's statements as shown (``{"code", "text"}``):
    each becomes its own required checkbox, in the order shown.
    """

    amount = DollarsField(label=_("Amount to invest (in dollars)"))
    form_version = forms.CharField(widget=forms.HiddenInput, max_length=40)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, statements: list[dict[str, str]], amount_help: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = amount_help
        for statement in statements:
            self.fields[f"{STATEMENT_PREFIX}{statement['code']}"] = forms.BooleanField(
                label=statement["text"],
                required=True,
                error_messages={
                    "required": _("R15 — Acknowledge this statement to subscribe."),
                },
            )
        self.fields["full_name"] = forms.CharField(
            label=_("Your full name, as your signature"),
            max_length=200,
            help_text=_("Type your name exactly as it appears on your account."),
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
        )

    def statement_fields(self) -> list[forms.BoundField]:
        """Return the statements' checkboxes, in the order shown."""
        return [self[name] for name in self.fields if name.startswith(STATEMENT_PREFIX)]

    def acknowledged_statements(self) -> list[str]:
        """Return the codes of the statements the purchaser ticked, in the order shown."""
        return [
            name.removeprefix(STATEMENT_PREFIX)
            for name, value in self.cleaned_data.items()
            if name.startswith(STATEMENT_PREFIX) and value
        ]
