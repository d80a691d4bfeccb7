"""A hypothesis state machine drives subscribe, withdraw, amend and the clock at random
and checks R09, R11 and R14 against a model, and the invariants after every step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from equity import clock
from equity.compliance.audit import verify_chain
from equity.exceptions import ComplianceViolation, Conflict
from equity.investors.models import LIVE_STATES, Subscription
from equity.investors.services import subscription_create, subscription_withdraw
from equity.offerings.services import offering_amend
from tests.investors.scenes import open_offering, purchaser, signed_by

PRICE = 10_000  # $100 a security
MAXIMUM = 600_000  # room for 60 securities
LIMIT = 250_000  # the ni45-110 purchaser limit, $2,500
START = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)


class SubscriptionMachine(RuleBasedStateMachine):
    """The model: each purchaser's live amount, and each subscription's deadline."""

    def __init__(self) -> None:
        super().__init__()
        self._clock = clock.travel_to(START)
        self._clock.__enter__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.offering = open_offering(
            price_cents=PRICE, minimum_cents=100_000, maximum_cents=MAXIMUM, distribution_days=10
        )
        self.purchasers = [purchaser() for _ in range(3)]
        self.live: dict[int, tuple[int, int]] = {}  # subscription id -> (purchaser idx, cents)
        self.deadlines: dict[int, datetime] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)
        self._clock.__exit__(None, None, None)

    def _purchaser_total(self, index: int) -> int:
        return sum(cents for who, cents in self.live.values() if who == index)

    @rule(who=st.integers(0, 2), quantity=st.integers(1, 30))
    def subscribe(self, who: int, quantity: int) -> None:
        amount = quantity * PRICE
        investor = self.purchasers[who]
        expected = None
        if clock.now() >= self.offering.closes_at:
            expected = "offering_not_open"
        elif self._purchaser_total(who) + amount > LIMIT:
            expected = "purchaser_limit_exceeded"
        elif sum(cents for _, cents in self.live.values()) + amount > MAXIMUM:
            expected = "offering_maximum_reached"
        try:
            subscription = subscription_create(
                offering_id=self.offering.pk,
                investor=investor,
                amount_cents=amount,
                acknowledgement=signed_by(investor),
            )
        except ComplianceViolation as refusal:
            assert refusal.code == expected
            return
        assert expected is None
        self.live[subscription.pk] = (who, amount)
        self.deadlines[subscription.pk] = subscription.withdrawal_deadline

    @rule(pick=st.integers(0, 10_000))
    def withdraw(self, pick: int) -> None:
        if not self.live:
            return
        subscription_id = sorted(self.live)[pick % len(self.live)]
        who, _ = self.live[subscription_id]
        within = clock.now() <= self.deadlines[subscription_id]
        try:
            subscription_withdraw(investor=self.purchasers[who], subscription_id=subscription_id)
        except Conflict as refusal:
            assert not within
            assert (refusal.code, refusal.rule) == ("withdrawal_period_expired", "R14")
            return
        assert within
        del self.live[subscription_id]

    @rule()
    def amend(self) -> None:
        if clock.now() >= self.offering.closes_at:
            return
        offering_amend(
            actor=self.offering.issuer.owner,
            offering_id=self.offering.pk,
            summary="Corrected use of funds",
            changes={"use_of_funds": "updated"},
        )
        for subscription_id in self.live:
            self.deadlines[subscription_id] = clock.now() + timedelta(hours=48)

    @rule(hours=st.integers(0, 72), extra_second=st.booleans())
    def advance_clock(self, hours: int, extra_second: bool) -> None:
        clock.advance(timedelta(hours=hours, seconds=int(extra_second)))

    @invariant()
    def raised_is_the_sum_of_live_subscriptions_within_the_maximum(self) -> None:
        self.offering.refresh_from_db()
        live = Subscription.objects.filter(offering=self.offering, state__in=LIVE_STATES)
        total = live.aggregate(total=Sum("amount_cents"))["total"] or 0
        assert self.offering.raised_cents == total == sum(c for _, c in self.live.values())
        assert self.offering.raised_cents <= self.offering.maximum_amount_cents

    @invariant()
    def every_purchaser_stays_within_the_limit(self) -> None:
        per_purchaser = (
            Subscription.objects.filter(offering=self.offering, state__in=LIVE_STATES)
            .values("investor")
            .annotate(total=Sum("amount_cents"))
        )
        assert all(row["total"] <= LIMIT for row in per_purchaser)

    @invariant()
    def the_audit_chain_verifies(self) -> None:
        assert verify_chain().ok


@pytest.mark.django_db
def test_r09_r11_r14_r16_hold_through_random_sequences_of_subscriptions():
    run_state_machine_as_test(
        SubscriptionMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
