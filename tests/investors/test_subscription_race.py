"""R09 and R11 hold exactly when purchasers subscribe at the same instant, on separate
connections (PostgreSQL row locks; SQLite IMMEDIATE transactions)."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from equity.compliance.audit import verify_chain
from equity.exceptions import ComplianceViolation
from equity.investors.models import LIVE_STATES, Subscription
from equity.investors.services import subscription_create
from equity.offerings.models import Offering
from tests.investors.scenes import open_offering, purchaser, signed_by
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def _subscribe(offering: Offering, investor, amount_cents: int):
    acknowledgement = signed_by(investor)
    return lambda: subscription_create(
        offering_id=offering.pk,
        investor=investor,
        amount_cents=amount_cents,
        acknowledgement=acknowledgement,
    )


def test_r11_fifty_purchasers_racing_for_room_for_twenty_get_exactly_twenty():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=200_000)
    purchasers = [purchaser() for _ in range(50)]

    outcomes = run_concurrently([_subscribe(offering, p, 10_000) for p in purchasers])

    accepted = [o for o in outcomes if isinstance(o, Subscription)]
    refused = [o for o in outcomes if isinstance(o, ComplianceViolation)]
    assert (len(accepted), len(refused)) == (20, 30), [
        o for o in outcomes if not isinstance(o, Subscription | ComplianceViolation)
    ]
    assert {(r.code, r.rule) for r in refused} == {("offering_maximum_reached", "R11")}
    offering.refresh_from_db()
    live = Subscription.objects.filter(offering=offering, state__in=LIVE_STATES)
    assert offering.raised_cents == live.aggregate(total=Sum("amount_cents"))["total"] == 200_000
    assert verify_chain().ok


def test_r09_one_purchaser_firing_ten_subscriptions_gets_exactly_those_that_fit():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=5_000_000)
    investor = purchaser()

    outcomes = run_concurrently([_subscribe(offering, investor, 50_000) for _ in range(10)])

    accepted = [o for o in outcomes if isinstance(o, Subscription)]
    refused = [o for o in outcomes if isinstance(o, ComplianceViolation)]
    assert (len(accepted), len(refused)) == (5, 5), outcomes
    assert {(r.code, r.rule) for r in refused} == {("purchaser_limit_exceeded", "R09")}
    offering.refresh_from_db()
    assert offering.raised_cents == 250_000
    assert verify_chain().ok
