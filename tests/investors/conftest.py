"""Purchasers and open offerings for the subscription tests.

In this folder the ``investor`` persona is a purchaser: Léa Tremblay of Québec,
with an investor profile (born 1990-05-17). ``other_investor`` is Marc
Bouchard of Ontario, who reads English. The API tests run on the pinned clock
of ``frozen_now`` (2026-03-02 15:00 UTC, 10:00 in Toronto), so deadlines are
asserted to the second and moved with ``equity.clock.advance``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import factory
import pytest
from rest_framework.test import APIClient

from equity.accounts.models import Role, User
from equity.compliance.models import AuditEvent, IdempotencyRecord
from equity.investors.models import (
    InvestorProfile,
    Notice,
    RiskAcknowledgement,
    Subscription,
    SuitabilityDetermination,
)
from equity.investors.selectors import current_risk_form
from equity.offerings.models import Issuer, Offering, OfferingAmendment, OfferingState
from equity.offerings.services import (
    offering_approve,
    offering_cancel,
    offering_open,
    offering_submit,
    offering_suspend,
)
from tests.factories import IssuerFactory, OfferingFactory, PrincipalFactory, UserFactory

OFFERINGS = "/api/v1/offerings"
SUBSCRIPTIONS = "/api/v1/subscriptions"


class InvestorProfileFactory(factory.django.DjangoModelFactory):
    """The profile of an investor account: an adult born in 1990."""

    class Meta:
        model = InvestorProfile

    user = factory.SubFactory(UserFactory, role=Role.INVESTOR)
    birth_date = date(1990, 5, 17)
    created_at = factory.LazyFunction(lambda: datetime.now(UTC))


@pytest.fixture
def investor(investor: User) -> User:
    """Léa Tremblay (Québec, French), now with her investor profile."""
    InvestorProfileFactory(user=investor)
    return investor


@pytest.fixture
def other_investor(db) -> User:
    """Marc Bouchard (Ontario, English), an adult purchaser."""
    user = UserFactory(
        role=Role.INVESTOR,
        email="marc@example.ca",
        full_name="Marc Bouchard",
        language="en",
        province="ON",
    )
    InvestorProfileFactory(user=user)
    return user


@pytest.fixture
def make_purchaser(db) -> Callable[..., User]:
    """Return a factory of investors with a profile: ``make_purchaser(province="BC", ...)``."""

    def make(*, birth_date: date = date(1990, 5, 17), **fields: Any) -> User:
        user = UserFactory(role=Role.INVESTOR, **fields)
        InvestorProfileFactory(user=user, birth_date=birth_date)
        return user

    return make


def eligible_issuer() -> Issuer:
    """Return a new eligible issuer of a new owner, in no one else's group."""
    company = IssuerFactory()
    PrincipalFactory(issuer=company)
    return company


@pytest.fixture
def offering_in(issuer, officer, frozen_now) -> Callable[..., Offering]:
    """Return a factory of offerings driven through the services to ``state``.

    ``offering_in("open", maximum_amount_cents=300_000)`` submits, approves and
    opens a new offering of ``issuer`` (or of the ``issuer`` given). An issuer
    group has one active distribution at a time (R07), so a second offering in
    one test needs another issuer: ``issuer=eligible_issuer()``.
    """

    def make(state: str, *, issuer: Issuer = issuer, **fields: Any) -> Offering:
        offering = OfferingFactory(issuer=issuer, **fields)
        owner = issuer.owner
        steps = {
            OfferingState.UNDER_REVIEW: [
                lambda: offering_submit(actor=owner, offering_id=offering.pk)
            ],
            OfferingState.APPROVED: [
                lambda: offering_submit(actor=owner, offering_id=offering.pk),
                lambda: offering_approve(officer=officer, offering_id=offering.pk),
            ],
        }
        steps[OfferingState.OPEN] = [
            *steps[OfferingState.APPROVED],
            lambda: offering_open(actor=owner, offering_id=offering.pk),
        ]
        steps[OfferingState.SUSPENDED] = [
            *steps[OfferingState.OPEN],
            lambda: offering_suspend(
                officer=officer, offering_id=offering.pk, reason="Plainte à examiner."
            ),
        ]
        steps[OfferingState.CANCELLED] = [
            *steps[OfferingState.OPEN],
            lambda: offering_cancel(actor=owner, offering_id=offering.pk, reason="Abandon."),
        ]
        for step in steps.get(state, []):
            step()
        offering.refresh_from_db()
        assert offering.state == state
        return offering

    return make


@pytest.fixture
def open_offering(offering_in) -> Offering:
    """An open offering of ``issuer``: $10 a share, $20,000 to $100,000, 60 days."""
    return offering_in(OfferingState.OPEN)


def acknowledgement_shown(client: APIClient, offering: Offering) -> dict[str, Any]:
    """Return the risk acknowledgement form ``client``'s investor is shown for ``offering``."""
    response = client.get(f"{OFFERINGS}/{offering.pk}/risk-acknowledgement")
    assert response.status_code == 200, response.json()
    return response.json()


def signed_current_form(full_name: str) -> dict[str, Any]:
    """Return every statement of the current form signed ``full_name``, without fetching it
    (for callers who may not fetch it: issuers, officers, strangers, unknown offerings)."""
    form = current_risk_form()
    return {
        "form_version": form.version,
        "statements": [statement["code"] for statement in form.statements],
        "full_name": full_name,
    }


def signed(form: dict[str, Any], full_name: str) -> dict[str, Any]:
    """Return the acknowledgement of every statement of ``form``, signed ``full_name``."""
    return {
        "form_version": form["form_version"],
        "statements": [statement["code"] for statement in form["statements"]],
        "full_name": full_name,
    }


@pytest.fixture
def subscribe(api) -> Callable[..., Any]:
    """Return a function that POSTs a subscription of ``user`` to ``offering``.

    Unless ``acknowledgement`` is given, the user first fetches the form and
    signs every statement with their account's name, as the portal's page does.
    """

    def run(
        user: User | None,
        offering: Offering,
        amount_cents: Any,
        *,
        acknowledgement: dict[str, Any] | None = None,
        key: str | None = None,
        language: str = "en",
        **extra: Any,
    ):
        client = api(user, language)
        if acknowledgement is None:
            acknowledgement = signed(acknowledgement_shown(client, offering), user.full_name)
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return client.post(
            f"{OFFERINGS}/{offering.pk}/subscriptions",
            {"amount_cents": amount_cents, "risk_acknowledgement": acknowledgement},
            format="json",
            **extra,
        )

    return run


@pytest.fixture
def subscribed(subscribe) -> Callable[..., Subscription]:
    """Return a function that subscribes through the API and returns the subscription."""

    def run(user: User, offering: Offering, amount_cents: int, **kwargs: Any) -> Subscription:
        response = subscribe(user, offering, amount_cents, **kwargs)
        assert response.status_code == 201, response.json()
        return Subscription.objects.get(pk=response.json()["id"])

    return run


@pytest.fixture
def everything(db) -> Callable[[], dict[str, Any]]:
    """Return a function that captures every row a refusal must leave alone."""

    def capture() -> dict[str, Any]:
        return {
            "subscriptions": list(
                Subscription.objects.order_by("pk").values_list(
                    "pk", "state", "amount_cents", "withdrawal_deadline", "withdrawn_at"
                )
            ),
            "acknowledgements": RiskAcknowledgement.objects.count(),
            "audit_events": list(AuditEvent.objects.order_by("seq").values_list("seq", "action")),
            "idempotency_records": IdempotencyRecord.objects.count(),
            "offerings": list(
                Offering.objects.order_by("pk").values_list("pk", "state", "raised_cents")
            ),
            "amendments": OfferingAmendment.objects.count(),
            "notices": Notice.objects.count(),
            "suitability": SuitabilityDetermination.objects.count(),
        }

    return capture
