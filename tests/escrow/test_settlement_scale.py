"""R13 at scale: settlement is set-based, so its query count does not grow with the number
of subscriptions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equity import clock
from equity.escrow.models import Disbursement, SecurityHolding
from equity.escrow.selectors import escrow_summary
from equity.escrow.settlement import offering_close
from equity.investors.models import Subscription, SubscriptionState
from tests.support.scale import AMOUNT_CENTS, funded_offering

pytestmark = pytest.mark.django_db


def _settle_counting_queries(subscriptions: int) -> int:
    offering = funded_offering(subscriptions)
    with (
        clock.travel_to(offering.closes_at + timedelta(seconds=1)),
        CaptureQueriesContext(connection) as queries,
    ):
        settled = offering_close(offering_id=offering.pk)
    assert settled.state == "closed"
    assert settled.raised_cents == AMOUNT_CENTS * subscriptions
    assert (
        Subscription.objects.filter(offering=offering, state=SubscriptionState.ACCEPTED).count()
        == subscriptions
    )
    assert SecurityHolding.objects.filter(offering=offering).count() == subscriptions
    payout = Disbursement.objects.get(offering=offering, kind="payout")
    assert payout.amount_cents == AMOUNT_CENTS * subscriptions
    summary = escrow_summary(offering.pk)
    assert (summary.payout_pending_cents, summary.balanced) == (payout.amount_cents, True)
    return len(queries)


def test_r13_settlement_query_count_does_not_grow_with_subscriptions():
    small = _settle_counting_queries(20)
    large = _settle_counting_queries(400)

    assert small == large
