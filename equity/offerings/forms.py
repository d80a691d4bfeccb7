"""Forms of the issuer's pages: parse what a representative types into the services' inputs.

Amounts are typed in dollars and handed to the services in integer cents,
through ``Decimal`` only (never a float). The rules themselves (R01–R12) are
the services'; a form checks only that each value is well formed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from equity.compliance.models import Rulebook
from equity.compliance.rules import DECLARATION_KINDS, BondTerms
from equity.offerings.models import (
    InterestFrequency,
    Issuer,
    LegalForm,
    Offering,
    SecurityType,
)
from equity.offerings.services.issuers import HeadOffice, PrincipalInput

ROLE_CHOICES = [
    ("founder", _("founder")),
    ("director", _("director")),
    ("officer", _("officer")),
    ("control_person", _("control person")),
]

DECLARATION_LABELS = {
    "cease_trade_order": _("Has been subject to a cease-trade order"),
    "securities_sanction": _("Has been sanctioned under securities legislation"),
    "fraud_conviction": _("Has been convicted of fraud or a similar offence"),
    "bankruptcy": _("Has been bankrupt or made a proposal to creditors"),
}

LANGUAGE_CHOICES = [("fr", _("French")), ("en", _("English"))]

CENT = Decimal("0.01")


def cents(dollars: Decimal) -> int:
    """Return an amount typed in dollars (two decimals at most) as integer cents."""
    return int((dollars * 100).to_integral_value())


def basis_points(percent: Decimal) -> int:
    """Return a rate typed in percent (two decimals at most) as integer basis points."""
    return int((percent * 100).to_integral_value())


def dollars(amount_cents: int) -> Decimal:
    """Return integer cents as dollars, for a form's initial value."""
    return (Decimal(amount_cents) / 100).quantize(CENT)


def _code(value: str) -> str:
    return value.strip().upper()


class IssuerForm(forms.Form):
    """An enterprise's profile: who it is, where, and what it does (R01–R04)."""

    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices)
    street = forms.CharField(label=_("Head office: street address"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=100)
    province = forms.CharField(
        label=_("Province or state"),
        max_length=3,
        help_text=_("Its code, for example QC or ON."),
    )
    postal_code = forms.CharField(label=_("Postal code"), max_length=16)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        initial="CA",
        help_text=_("Its two-letter code, for example CA."),
    )
    is_reporting_issuer = forms.BooleanField(
        label=_("The enterprise is a reporting issuer in a province or territory"), required=False
    )
    is_investment_fund = forms.BooleanField(
        label=_("The enterprise is an investment fund"), required=False
    )
    business_description = forms.CharField(
        label=_("Business description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What the enterprise does or will do with the money raised."),
    )

    def clean_province(self) -> str:
        return _code(self.cleaned_data["province"])

    def clean_country(self) -> str:
        return _code(self.cleaned_data["country"])

    @classmethod
    def initial_of(cls, issuer: Issuer) -> dict[str, Any]:
        """Return the form's initial values for ``issuer``."""
        return {name: getattr(issuer, name) for name in cls.base_fields}

    def head_office(self) -> HeadOffice:
        data = self.cleaned_data
        return HeadOffice(
            street=data["street"],
            city=data["city"],
            province=data["province"],
            postal_code=data["postal_code"],
            country=data["country"],
        )

    def profile(self) -> dict[str, Any]:
        """Return the keyword arguments ``issuer_create`` and ``issuer_update`` share."""
        data = self.cleaned_data
        return {
            "legal_name": data["legal_name"],
            "legal_form": data["legal_form"],
            "head_office": self.head_office(),
            "is_reporting_issuer": data["is_reporting_issuer"],
            "is_investment_fund": data["is_investment_fund"],
            "business_description": data["business_description"],
        }


class PrincipalForm(forms.Form):
    """A founder, director, officer or control person and their four declarations (R05)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    residence_country = forms.CharField(
        label=_("Country of residence"),
        max_length=2,
        initial="CA",
        help_text=_("Its two-letter code, for example CA."),
    )
    cease_trade_order = forms.BooleanField(
        label=DECLARATION_LABELS["cease_trade_order"], required=False
    )
    securities_sanction = forms.BooleanField(
        label=DECLARATION_LABELS["securities_sanction"], required=False
    )
    fraud_conviction = forms.BooleanField(
        label=DECLARATION_LABELS["fraud_conviction"], required=False
    )
    bankruptcy = forms.BooleanField(label=DECLARATION_LABELS["bankruptcy"], required=False)

    def has_changed(self) -> bool:
        """Return whether the row was filled in: a name, a role or a declaration.

        A blank row still shows its default country; it is skipped all the same.
        """
        return any(self[name].data for name in ("full_name", "roles", *DECLARATION_KINDS))

    def clean_residence_country(self) -> str:
        return _code(self.cleaned_data["residence_country"])

    def principal(self) -> PrincipalInput:
        data = self.cleaned_data
        return PrincipalInput(
            full_name=data["full_name"],
            roles=list(data["roles"]),
            residence_country=data["residence_country"],
            declarations={kind: data[kind] for kind in DECLARATION_KINDS},
        )


class BasePrincipalFormSet(forms.BaseFormSet):
    def principals(self) -> list[PrincipalInput]:
        """Return the principals typed in, blank rows left out."""
        return [form.principal() for form in self.forms if form.has_changed()]


PrincipalFormSet = forms.formset_factory(
    PrincipalForm, formset=BasePrincipalFormSet, extra=2, min_num=1, validate_min=True
)
"""The principals of a new issuer: at least one, with blank rows to add more."""

AddedPrincipalFormSet = forms.formset_factory(PrincipalForm, formset=BasePrincipalFormSet, extra=1)
"""Principals added to an existing issuer: none required."""


def formset_with_one_more_row(formset_class: type, data: Any, prefix: str) -> forms.BaseFormSet:
    """Return ``formset_class`` bound to ``data`` with one more blank row (no JavaScript needed)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    data[key] = str(int(data.get(key) or 0) + 1)
    return formset_class(data, prefix=prefix)


class OfferingForm(forms.Form):
    """The terms of a draft offering, as Form 45-110F1 will state them (R10–R12)."""

    issuer = forms.ModelChoiceField(label=_("Issuer"), queryset=Issuer.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary: what this offering finances"), widget=forms.Textarea(attrs={"rows": 3})
    )
    security_type = forms.ChoiceField(label=_("Security type"), choices=SecurityType.choices)
    price_per_security = forms.DecimalField(
        label=_("Price per security ($)"), max_digits=14, decimal_places=2, min_value=CENT
    )
    minimum_amount = forms.DecimalField(
        label=_("Minimum offering amount ($)"), max_digits=14, decimal_places=2, min_value=CENT
    )
    maximum_amount = forms.DecimalField(
        label=_("Maximum offering amount ($)"), max_digits=14, decimal_places=2, min_value=CENT
    )
    distribution_days = forms.IntegerField(
        label=_("Distribution period (days)"), min_value=1, max_value=3650
    )
    language = forms.ChoiceField(label=_("Language of the offering"), choices=LANGUAGE_CHOICES)
    use_of_funds = forms.CharField(
        label=_("Use of funds"), widget=forms.Textarea(attrs={"rows": 4})
    )
    risk_factors = forms.CharField(
        label=_("Risk factors"), widget=forms.Textarea(attrs={"rows": 6})
    )
    annual_rate_percent = forms.DecimalField(
        label=_("Annual interest rate (%)"),
        max_digits=7,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text=_("Debt (community bonds) only."),
    )
    term_months = forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        max_value=1200,
        required=False,
        help_text=_("Debt (community bonds) only."),
    )
    interest_frequency = forms.ChoiceField(
        label=_("Interest paid"),
        choices=[("", "—"), *InterestFrequency.choices],
        required=False,
        help_text=_("Debt (community bonds) only."),
    )
    rulebook_code = forms.ChoiceField(label=_("Rulebook"), initial="ni45-110")

    BOND_FIELDS = ("annual_rate_percent", "term_months", "interest_frequency")

    def __init__(self, *args: Any, owner: object, offering: Offering | None = None, **kwargs):
        if offering is not None and not args and "data" not in kwargs:
            kwargs.setdefault("initial", self.initial_of(offering))
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = Issuer.objects.filter(owner=owner).order_by("legal_name")
        codes = Rulebook.objects.order_by("code").values_list("code", flat=True).distinct()
        self.fields["rulebook_code"].choices = [(code, code) for code in codes]
        if offering is not None:
            # A draft keeps its issuer; the field stays so the preview knows whose it is.
            self.fields["issuer"].widget = forms.HiddenInput()
            self.fields["issuer"].queryset = Issuer.objects.filter(pk=offering.issuer_id)

    @staticmethod
    def initial_of(offering: Offering) -> dict[str, Any]:
        """Return the form's initial values for a draft."""
        return {
            "issuer": offering.issuer_id,
            "title": offering.title,
            "summary": offering.summary,
            "security_type": offering.security_type,
            "price_per_security": dollars(offering.price_per_security_cents),
            "minimum_amount": dollars(offering.minimum_amount_cents),
            "maximum_amount": dollars(offering.maximum_amount_cents),
            "distribution_days": offering.distribution_days,
            "language": offering.language,
            "use_of_funds": offering.use_of_funds,
            "risk_factors": offering.risk_factors,
            "annual_rate_percent": (
                (Decimal(offering.annual_rate_bps) / 100).quantize(CENT)
                if offering.annual_rate_bps is not None
                else None
            ),
            "term_months": offering.term_months,
            "interest_frequency": offering.interest_frequency,
            "rulebook_code": offering.rulebook_code,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("security_type") == SecurityType.DEBT:
            for name in self.BOND_FIELDS:
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Required for debt securities (R10)."))
        return data

    def bond_terms(self) -> BondTerms | None:
        data = self.cleaned_data
        if data["security_type"] != SecurityType.DEBT:
            return None
        return BondTerms(
            annual_rate_bps=basis_points(data["annual_rate_percent"]),
            term_months=data["term_months"],
            interest_frequency=data["interest_frequency"],
        )

    def terms(self) -> dict[str, Any]:
        """Return the terms as ``offering_create`` and ``offering_update`` take them, in cents."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "security_type": data["security_type"],
            "price_per_security_cents": cents(data["price_per_security"]),
            "minimum_amount_cents": cents(data["minimum_amount"]),
            "maximum_amount_cents": cents(data["maximum_amount"]),
            "distribution_days": data["distribution_days"],
            "language": data["language"],
            "use_of_funds": data["use_of_funds"],
            "risk_factors": data["risk_factors"],
            "bond_terms": self.bond_terms(),
            "rulebook_code": data["rulebook_code"],
        }

    def unsaved_offering(self, *, created_by: object) -> Offering:
        """Return an offering of these terms that is never saved, for the preview."""
        terms = self.terms()
        bond = terms.pop("bond_terms")
        return Offering(
            issuer=self.cleaned_data["issuer"],
            annual_rate_bps=bond.annual_rate_bps if bond else None,
            term_months=bond.term_months if bond else None,
            interest_frequency=bond.interest_frequency if bond else "",
            created_by=created_by,
            **terms,
        )


class AmendmentForm(forms.Form):
    """An amendment of an open offering's document (R16): why, and each change."""

    summary = forms.CharField(
        label=_("What the amendment corrects"), widget=forms.Textarea(attrs={"rows": 3})
    )
    changes = forms.CharField(
        label=_("Changes, one per line"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Write each as “What: what it now says”, for example “Use of funds: …”."),
    )

    def clean_changes(self) -> dict[str, str]:
        changes = {}
        for line in self.cleaned_data["changes"].splitlines():
            if not line.strip():
                continue
            what, separator, now = line.partition(":")
            if not separator or not what.strip() or not now.strip():
                raise forms.ValidationError(
                    _("Write each change as “What: what it now says” (R16).")
                )
            changes[what.strip()] = now.strip()
        if not changes:
            raise forms.ValidationError(_("Say what changed (R16)."))
        return changes


class CancellationForm(forms.Form):
    """Why the issuer cancels its offering; every held cent goes back."""

    reason = forms.CharField(
        label=_("Reason for cancelling"), widget=forms.Textarea(attrs={"rows": 3})
    )
