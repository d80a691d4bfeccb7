"""Forms of the compliance officers' console: decisions with their reasons, filters, the clock."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ApprovalForm(forms.Form):
    """Approve an offering under review, with an optional note for the record."""

    note = forms.CharField(
        label=_("Approval note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: kept with the approval in the audit trail."),
    )


class ReasonForm(forms.Form):
    """A decision that needs the officer's reason (reject, suspend, resume, cancel)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, label: str, help_text: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class OverrideForm(forms.Form):
    """Lift a principal's R05 block with a reasoned override."""

    reason = forms.CharField(
        label=_("Reason for the override"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "R05: say why this declaration does not disqualify the principal. "
            "The override is permanent and audited."
        ),
    )


class AuditFilterForm(forms.Form):
    """Show the events of one subject only."""

    subject = forms.RegexField(
        label=_("Subject"),
        required=False,
        max_length=64,
        regex=r"^[a-z_]+(:[\w.-]+)?$",
        help_text=_("For example offering:12, subscription:40 or issuer:3."),
        error_messages={"invalid": _("Write a subject as kind:id, for example offering:12.")},
    )


class ClockAdvanceForm(forms.Form):
    """Move the sandbox clock forward by a number of hours or days."""

    UNITS = {"hours": 3600, "days": 86400}

    amount = forms.IntegerField(label=_("Move forward by"), min_value=1, max_value=3650)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=[("hours", _("hours")), ("days", _("days"))], initial="days"
    )

    @property
    def seconds(self) -> int:
        """Return the advance in seconds (the form must be valid)."""
        return self.cleaned_data["amount"] * self.UNITS[self.cleaned_data["unit"]]
