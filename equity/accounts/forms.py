"""Forms of the account pages; validation that matters lives in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from equity.accounts.models import Language, Role

CANADIAN_PROVINCES = [
    ("AB", _("Alberta")),
    ("BC", _("British Columbia")),
    ("MB", _("Manitoba")),
    ("NB", _("New Brunswick")),
    ("NL", _("Newfoundland and Labrador")),
    ("NS", _("Nova Scotia")),
    ("NT", _("Northwest Territories")),
    ("NU", _("Nunavut")),
    ("ON", _("Ontario")),
    ("PE", _("Prince Edward Island")),
    ("QC", _("Quebec")),
    ("SK", _("Saskatchewan")),
    ("YT", _("Yukon")),
]


class SignupForm(forms.Form):
    """Open an investor or issuer account (residents of Canada; others use the API)."""

    role = forms.ChoiceField(
        label=_("I want to"),
        choices=[
            (Role.INVESTOR, _("invest in offerings")),
            (Role.ISSUER, _("raise money for my enterprise")),
        ],
        widget=forms.RadioSelect,
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    province = forms.ChoiceField(label=_("Province or territory"), choices=CANADIAN_PROVINCES)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required to invest: you must have reached the age of majority."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
