"""A campaign's money path, told through the API: purchasers subscribe and the processor pays.

Every test here runs on the pinned clock of ``frozen_now`` (Monday 2026-03-02,
15:00 UTC) unless it says otherwise, and moves it with ``equity.clock.advance``.
An offering opened then with the default 60-day period closes on Friday
2026-05-01 at 15:00 UTC. Helpers:

* ``subscribe(user, offering, amount_cents)``: the purchaser reads the risk form,
  signs every statement and subscribes (201 asserted); returns the subscription;
* ``pay(subscription, amount=None, event_id=None, status="succeeded")``: the
  processor's correctly signed notification (for the subscription's exact
  amount unless told); returns the response;
* ``escrow(offering, user=None)``: the escrow view as the offering's owner;
* ``money()``: every row a refusal must leave alone, to compare before and after.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from equity.accounts.models import Role, User
from equity.escrow.models import (
    Disbursement,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    SecurityHolding,
)
from equity.investors.models import Subscription
from equity.offerings.models import Offering
from tests.factories import UserFactory

OFFERINGS = "/api/v1/offerings"
NOTIFICATIONS = "/api/v1/payments/notifications"
DISBURSEMENTS = "/api/v1/disbursements"
SUBSCRIPTIONS = "/api/v1/subscriptions"
BANK_STATEMENTS = "/api/v1/escrow/bank-statements"
SANDBOX_CLOCK = "/api/v1/sandbox/clock"

ZERO_BALANCES = {
    "trust_cash": 0,
    "owed_to_purchasers": 0,
    "payable_to_issuer": 0,
    "refunds_payable": 0,
}


def signature(raw: bytes) -> str:
    """Return the X-Signature the payment processor sends for ``raw``."""
    digest = hmac.new(settings.PAYMENT_WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def notification(
    event_id: str, subscription_id: Any, amount_cents: Any, status: str = "succeeded"
) -> bytes:
    """Return the raw JSON body of a payment notification."""
    return json.dumps(
        {
            "event_id": event_id,
            "subscription_id": subscription_id,
            "amount_cents": amount_cents,
            "status": status,
        }
    ).encode()


@pytest.fixture
def notify(api) -> Callable[..., Any]:
    """Return a function that POSTs raw bytes to the webhook, signed correctly unless
    ``signed`` is a string (sent as is) or None (no header)."""

    def run(raw: bytes, *, signed: str | bool | None = True):
        headers = {}
        if signed is True:
            headers["HTTP_X_SIGNATURE"] = signature(raw)
        elif isinstance(signed, str):
            headers["HTTP_X_SIGNATURE"] = signed
        return api().post(NOTIFICATIONS, data=raw, content_type="application/json", **headers)

    return run


@pytest.fixture
def pay(notify) -> Callable[..., Any]:
    """Return the processor's notification for a subscription (or a raw reference)."""
    numbers = itertools.count(1)

    def run(
        subscription: Subscription | str,
        amount: int | None = None,
        event_id: str | None = None,
        status: str = "succeeded",
    ):
        if isinstance(subscription, Subscription):
            reference: Any = subscription.pk
            amount = subscription.amount_cents if amount is None else amount
        else:
            reference = subscription
        event_id = event_id or f"evt_{reference}_{next(numbers)}"
        return notify(notification(event_id, reference, amount, status))

    return run


@pytest.fixture
def subscribe(api) -> Callable[..., Subscription]:
    """Return a function that subscribes ``user`` through the API, as the portal's page does."""

    def run(user: User, offering: Offering, amount_cents: int) -> Subscription:
        client = api(user)
        form = client.get(f"{OFFERINGS}/{offering.pk}/risk-acknowledgement")
        assert form.status_code == 200, form.json()
        acknowledgement = {
            "form_version": form.json()["form_version"],
            "statements": [statement["code"] for statement in form.json()["statements"]],
            "full_name": user.full_name,
        }
        response = client.post(
            f"{OFFERINGS}/{offering.pk}/subscriptions",
            {"amount_cents": amount_cents, "risk_acknowledgement": acknowledgement},
            format="json",
        )
        assert response.status_code == 201, response.json()
        return Subscription.objects.get(pk=response.json()["id"])

    return run


@pytest.fixture
def escrow(api) -> Callable[..., dict[str, Any]]:
    """Return a function that reads an offering's escrow as its owner (or ``user``)."""

    def run(offering: Offering, user: User | None = None) -> dict[str, Any]:
        response = api(user or offering.issuer.owner).get(f"{OFFERINGS}/{offering.pk}/escrow")
        assert response.status_code == 200, response.json()
        return response.json()

    return run


@pytest.fixture
def confirm(api) -> Callable[..., Any]:
    """Return a function by which ``officer`` records the bank's payment of a disbursement."""

    def run(officer: User, disbursement: Disbursement, bank_reference: str):
        return api(officer).post(
            f"{DISBURSEMENTS}/{disbursement.pk}/confirm",
            {"bank_reference": bank_reference},
            format="json",
        )

    return run


@pytest.fixture
def treasurer(db) -> User:
    """A second compliance officer, the one who reconciles the trust bank account."""
    return UserFactory(role=Role.COMPLIANCE_OFFICER, full_name="Trésorière", is_staff=True)


def money_rows() -> dict[str, Any]:
    """Return every money row and every state a refusal must leave alone."""
    return {
        "payments": list(
            Payment.objects.order_by("pk").values_list(
                "pk", "event_id", "subscription_id", "amount_cents", "status", "outcome"
            )
        ),
        "ledger_transactions": list(
            LedgerTransaction.objects.order_by("pk").values_list("pk", "kind", "offering_id")
        ),
        "ledger_entries": list(
            LedgerEntry.objects.order_by("pk").values_list(
                "pk", "transaction_id", "account_id", "side", "amount_cents", "subscription_id"
            )
        ),
        "ledger_accounts": LedgerAccount.objects.count(),
        "disbursements": list(
            Disbursement.objects.order_by("pk").values_list(
                "pk", "kind", "subscription_id", "amount_cents", "confirmed_at"
            )
        ),
        "holdings": SecurityHolding.objects.count(),
        "subscriptions": list(
            Subscription.objects.order_by("pk").values_list("pk", "state", "withdrawal_deadline")
        ),
        "offerings": list(
            Offering.objects.order_by("pk").values_list(
                "pk", "state", "raised_cents", "closing_started_at", "closed_at"
            )
        ),
    }


@pytest.fixture
def money(db) -> Callable[[], dict[str, Any]]:
    """Return :func:`money_rows`, for ``before = money(); ...; assert money() == before``."""
    return money_rows
