"""Arrange an offering with many funded subscriptions quickly (bulk inserts), for the
settlement scale test and the settlement benchmark."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.hashers import make_password

from equity import clock
from equity.accounts.models import Role, User
from equity.escrow import ledger
from equity.escrow.models import AccountKind, Side
from equity.investors.models import Subscription, SubscriptionState
from equity.offerings.models import Offering
from tests.investors.scenes import open_offering

PRICE_CENTS = 1_000
AMOUNT_CENTS = 10_000


def funded_offering(subscriptions: int) -> Offering:
    """Return an open offering with ``subscriptions`` funded purchasers, every window ended.

    The subscriptions and their payments are written in bulk (one ledger
    transaction for all payments), so arranging 10,000 takes seconds.
    """
    maximum = AMOUNT_CENTS * subscriptions
    offering = open_offering(
        price_cents=PRICE_CENTS,
        minimum_cents=min(maximum, 100_000),
        maximum_cents=maximum,
        distribution_days=30,
    )
    password = make_password(None)
    start = User.objects.count()
    User.objects.bulk_create(
        [
            User(
                email=f"scale{start + n}@example.ca",
                full_name=f"Purchaser {n}",
                password=password,
                role=Role.INVESTOR,
                province="QC",
                country="CA",
            )
            for n in range(subscriptions)
        ],
        batch_size=2_000,
    )
    investors = User.objects.filter(email__startswith="scale").order_by("-pk")[:subscriptions]
    created = clock.now() - timedelta(days=5)
    Subscription.objects.bulk_create(
        [
            Subscription(
                offering=offering,
                investor=investor,
                amount_cents=AMOUNT_CENTS,
                quantity=AMOUNT_CENTS // PRICE_CENTS,
                created_at=created,
                withdrawal_deadline=created + timedelta(hours=48),
                state=SubscriptionState.FUNDED,
            )
            for investor in investors
        ],
        batch_size=2_000,
    )
    ids = list(Subscription.objects.filter(offering=offering).values_list("pk", flat=True))
    ledger.post(
        kind=ledger.PAYMENT_IN,
        offering_id=offering.pk,
        legs=[
            ledger.Leg(AccountKind.TRUST_CASH, Side.DEBIT, AMOUNT_CENTS * len(ids)),
            *(
                ledger.Leg(AccountKind.OWED_TO_PURCHASERS, Side.CREDIT, AMOUNT_CENTS, pk)
                for pk in ids
            ),
        ],
    )
    Offering.objects.filter(pk=offering.pk).update(raised_cents=maximum)
    offering.refresh_from_db()
    return offering
