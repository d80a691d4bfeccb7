"""Documents issued while purchasers subscribe: one lock order, so no deadlock (PostgreSQL).

Subscribing locks the offering, then appends to the audit chain; so does
recording a document, which also locks the offering first. Without that
first lock, PostgreSQL's foreign-key check at commit would wait for the
offering while the document's transaction holds the chain's head.
"""

from __future__ import annotations

import pytest

from equity.compliance.audit import verify_chain
from equity.documents import services
from equity.documents.models import Document
from equity.investors.models import Subscription
from equity.investors.services import subscription_create
from tests.investors.scenes import open_offering, purchaser, signed_by
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_documents_and_subscriptions_interleave_without_deadlock():
    offering = open_offering(price_cents=1_000, minimum_cents=10_000, maximum_cents=1_000_000)
    first = [purchaser() for _ in range(3)]
    early = [
        subscription_create(
            offering_id=offering.pk,
            investor=buyer,
            amount_cents=10_000,
            acknowledgement=signed_by(buyer),
        )
        for buyer in first
    ]
    later = [purchaser() for _ in range(3)]

    def subscribe(buyer):
        acknowledgement = signed_by(buyer)
        return lambda: subscription_create(
            offering_id=offering.pk,
            investor=buyer,
            amount_cents=10_000,
            acknowledgement=acknowledgement,
        )

    outcomes = run_concurrently(
        [
            *(
                (lambda pk=s.pk: services.subscription_documents_issue(subscription_id=pk))
                for s in early
            ),
            *(subscribe(buyer) for buyer in later),
        ]
    )

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert Subscription.objects.filter(offering=offering).count() == 6
    for subscription in early:
        assert Document.objects.filter(subscription=subscription).count() == 2
    assert verify_chain().ok
