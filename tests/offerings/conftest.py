"""Request bodies and scenes for the issuer and offering tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from equity.compliance.models import AuditEvent, Rulebook
from equity.offerings.models import Issuer, Offering, OfferingState, Principal
from tests.factories import NO_DECLARATIONS, IssuerFactory, OfferingFactory, PrincipalFactory


def principal_body(full_name: str = "Camille Gagnon", **changes: Any) -> dict[str, Any]:
    """Return one principal of an issuer registration: a founder with nothing to declare."""
    return {
        "full_name": full_name,
        "roles": ["founder", "director"],
        "residence_country": "CA",
        "declarations": dict(NO_DECLARATIONS),
        **changes,
    }


def head_office_body(**changes: Any) -> dict[str, Any]:
    """Return a head office in Québec City."""
    return {
        "street": "123 rue Saint-Joseph",
        "city": "Québec",
        "province": "QC",
        "postal_code": "G1K 3A9",
        "country": "CA",
        **changes,
    }


@pytest.fixture
def issuer_body() -> Callable[..., dict[str, Any]]:
    """Return a factory of POST /api/v1/issuers bodies for an eligible co-operative."""

    def make(**changes: Any) -> dict[str, Any]:
        return {
            "legal_name": "Coopérative de solidarité Le Rucher",
            "legal_form": "cooperative",
            "head_office": head_office_body(),
            "is_reporting_issuer": False,
            "is_investment_fund": False,
            "business_description": "Apiculture urbaine et vente de miel local.",
            "principals": [principal_body()],
            "affiliates": [],
            **changes,
        }

    return make


@pytest.fixture
def offering_body() -> Callable[..., dict[str, Any]]:
    """Return a factory of POST /api/v1/offerings bodies: $10 a share, $20,000 to $100,000."""

    def make(issuer: Issuer, **changes: Any) -> dict[str, Any]:
        return {
            "issuer": issuer.pk,
            "title": "Deuxième ligne de production",
            "summary": "Financer une deuxième ligne de production.",
            "security_type": "common_share",
            "price_per_security_cents": 1_000,
            "minimum_amount_cents": 2_000_000,
            "maximum_amount_cents": 10_000_000,
            "distribution_days": 60,
            "language": "fr",
            "use_of_funds": "Équipement et fonds de roulement.",
            "risk_factors": "Vous pourriez perdre la totalité de votre investissement.",
            **changes,
        }

    return make


@pytest.fixture
def ni45_110_v1(db) -> Rulebook:
    """The shipped NI 45-110 rulebook, version 1."""
    return Rulebook.objects.get(code="ni45-110", version=1)


@pytest.fixture
def offering_in_state(issuer, ni45_110_v1) -> Callable[..., Offering]:
    """Return a factory of offerings of ``issuer`` arranged directly in a given state.

    Past the draft, the offering carries the rulebook version it was submitted under.
    """

    def make(state: str, **fields: Any) -> Offering:
        if state != OfferingState.DRAFT:
            fields.setdefault("rulebook", ni45_110_v1)
        return OfferingFactory(issuer=issuer, state=state, **fields)

    return make


@pytest.fixture
def sister_issuer(other_issuer_user) -> Issuer:
    """An issuer of another owner founded by the founder of ``issuer``: one group (R06)."""
    company = IssuerFactory(owner=other_issuer_user, legal_name="Cargo-Vélo Lévis inc.")
    PrincipalFactory(issuer=company, full_name="Camille Gagnon", is_founder=True)
    return company


@pytest.fixture
def stranger_issuer(other_issuer_user) -> Issuer:
    """An eligible issuer of another owner with nothing in common with ``issuer``."""
    company = IssuerFactory(owner=other_issuer_user, legal_name="Fromagerie des Cantons inc.")
    PrincipalFactory(issuer=company, full_name="Jacques Côté", is_founder=True)
    return company


@pytest.fixture
def row_counts(db) -> Callable[[], dict[str, int]]:
    """Return a function counting the rows a refusal must leave alone."""

    def count() -> dict[str, int]:
        return {
            "issuers": Issuer.objects.count(),
            "principals": Principal.objects.count(),
            "offerings": Offering.objects.count(),
            "audit_events": AuditEvent.objects.count(),
        }

    return count
