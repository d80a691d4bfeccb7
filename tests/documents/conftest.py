"""Scenes for the document tests: offerings opened through the services, purchasers, closings.

Opening an offering issues its offering document in French and English, so
every ``open`` scene below already holds two signed PDFs. The signing keys are
the test process's throwaway PKI (``config/settings/test.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from equity import clock
from equity.accounts.models import Role, User
from equity.documents.models import Document
from equity.documents.storage import document_storage
from equity.investors.models import InvestorProfile, Subscription
from equity.investors.selectors import current_risk_form
from equity.investors.services import SignedAcknowledgement, subscription_create
from equity.offerings.models import Offering
from equity.offerings.services import offering_approve, offering_open, offering_submit
from tests.factories import OfferingFactory, UserFactory

DEBT_TERMS = {"annual_rate_bps": 525, "term_months": 24, "interest_frequency": "semi_annual"}


@pytest.fixture
def open_offering_of(issuer, officer) -> Callable[..., Offering]:
    """Return a factory of offerings of ``issuer`` taken draft → open through the services."""

    def make(**fields: Any) -> Offering:
        offering = OfferingFactory(issuer=issuer, **fields)
        offering_submit(actor=issuer.owner, offering_id=offering.pk)
        offering_approve(officer=officer, offering_id=offering.pk)
        return offering_open(actor=issuer.owner, offering_id=offering.pk)

    return make


@pytest.fixture
def opened(open_offering_of, frozen_now) -> Offering:
    """Vélo-Cargo's open offering of common shares, opened at the pinned time."""
    return open_offering_of(title="Deuxième ligne de production")


@pytest.fixture
def community_bond(open_offering_of, frozen_now) -> Offering:
    """An open offering of community bonds: 5.25 % a year for 24 months, paid twice a year."""
    return open_offering_of(
        title="Obligations communautaires",
        security_type="debt",
        price_per_security_cents=10_000,
        minimum_amount_cents=2_000_000,
        maximum_amount_cents=10_000_000,
        **DEBT_TERMS,
    )


def stored_bytes(document: Document) -> bytes:
    """Return the bytes stored for ``document``."""
    with document_storage().open(document.file_name, "rb") as stored:
        return stored.read()


def offering_document(offering: Offering, language: str, version: int = 1) -> Document:
    """Return one language of one version of the offering's offering document."""
    return Document.objects.get(
        offering=offering, kind="offering_document", language=language, version=version
    )


@pytest.fixture
def make_purchaser(db) -> Callable[..., User]:
    """Return a factory of adult investors with a profile."""

    def make(**fields: Any) -> User:
        user = UserFactory(role=Role.INVESTOR, **fields)
        InvestorProfile.objects.create(
            user=user, birth_date=date(1990, 5, 17), created_at=clock.now()
        )
        return user

    return make


def subscribe(offering: Offering, purchaser: User, amount_cents: int) -> Subscription:
    """Subscribe ``purchaser`` through the service, every statement signed with their name."""
    form = current_risk_form()
    return subscription_create(
        offering_id=offering.pk,
        investor=purchaser,
        amount_cents=amount_cents,
        acknowledgement=SignedAcknowledgement(
            form_version=form.version,
            statements=[statement["code"] for statement in form.statements],
            full_name=purchaser.full_name,
            language=purchaser.language,
            ip_address="203.0.113.7",
            user_agent="Mozilla/5.0 (pytest)",
        ),
    )


def close(offering: Offering, *, at: datetime, accepted: list[Subscription]) -> Offering:
    """Arrange a closing: the offering closed at ``at``, ``accepted`` subscriptions accepted.

    The escrow's settlement does this for real; the documents only read its outcome.
    """
    Subscription.objects.filter(pk__in=[s.pk for s in accepted]).update(state="accepted")
    Offering.objects.filter(pk=offering.pk).update(state="closed", closed_at=at)
    return Offering.objects.get(pk=offering.pk)


CLOSING_TIME = datetime(2026, 5, 1, 20, 0, tzinfo=UTC)
"""4 p.m. in Québec on Friday, May 1, 2026."""
