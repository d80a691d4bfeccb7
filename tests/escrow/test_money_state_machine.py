"""A hypothesis state machine of the whole money path: subscribe, pay (exact, wrong amount,
repeated, unknown), withdraw, let time pass, run the deadlines, confirm the bank's payments.
After every step the ledger reconciles and no cent is created or lost (R13, P01, P03)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from equity import clock
from equity.accounts.models import Role
from equity.escrow import ledger
from equity.escrow.models import AccountKind, Disbursement, Payment
from equity.escrow.selectors import reconcile
from equity.escrow.services import disbursement_confirm, payment_record
from equity.escrow.settlement import run_due_deadlines
from equity.exceptions import ComplianceViolation, Conflict, InvalidTransition
from equity.investors.models import Subscription, SubscriptionState
from equity.investors.services import subscription_create, subscription_withdraw
from tests.factories import UserFactory
from tests.investors.scenes import open_offering, purchaser, signed_by

PRICE = 10_000
START = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._clock = clock.travel_to(START)
        self._clock.__enter__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.offering = open_offering(
            price_cents=PRICE, minimum_cents=200_000, maximum_cents=600_000, distribution_days=5
        )
        self.purchasers = [purchaser() for _ in range(3)]
        self.officer = UserFactory(role=Role.COMPLIANCE_OFFICER)
        self.subscriptions: list[int] = []
        self.events: list[tuple[str, str, int]] = []
        self.paid_in = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)
        self._clock.__exit__(None, None, None)

    @rule(who=st.integers(0, 2), quantity=st.integers(1, 25))
    def subscribe(self, who: int, quantity: int) -> None:
        investor = self.purchasers[who]
        try:
            subscription = subscription_create(
                offering_id=self.offering.pk,
                investor=investor,
                amount_cents=quantity * PRICE,
                acknowledgement=signed_by(investor),
            )
        except ComplianceViolation:
            return
        self.subscriptions.append(subscription.pk)

    @rule(pick=st.integers(0, 1_000), exact=st.booleans(), failed=st.booleans())
    def pay(self, pick: int, exact: bool, failed: bool) -> None:
        if not self.subscriptions:
            return
        subscription = Subscription.objects.get(
            pk=self.subscriptions[pick % len(self.subscriptions)]
        )
        amount = subscription.amount_cents if exact else subscription.amount_cents + PRICE
        event = (f"evt-{len(self.events)}", str(subscription.pk), amount)
        self._send(*event, status="failed" if failed else "succeeded")

    @rule(pick=st.integers(0, 1_000))
    def repeat_a_notification(self, pick: int) -> None:
        if self.events:
            event_id, reference, amount = self.events[pick % len(self.events)]
            before = Payment.objects.count()
            payment_record(
                event_id=event_id,
                subscription_reference=reference,
                amount_cents=amount,
                status="succeeded",
                source="processor",
            )
            assert Payment.objects.count() == before

    @rule(amount=st.integers(1, 50_000))
    def pay_an_unknown_subscription(self, amount: int) -> None:
        self._send(f"evt-{len(self.events)}", "999999", amount, status="succeeded")

    def _send(self, event_id: str, reference: str, amount: int, *, status: str) -> None:
        payment_record(
            event_id=event_id,
            subscription_reference=reference,
            amount_cents=amount,
            status=status,
            source="processor",
        )
        self.events.append((event_id, reference, amount))
        if status == "succeeded":
            self.paid_in += amount

    @rule(pick=st.integers(0, 1_000))
    def withdraw(self, pick: int) -> None:
        if not self.subscriptions:
            return
        subscription = Subscription.objects.get(
            pk=self.subscriptions[pick % len(self.subscriptions)]
        )
        try:
            subscription_withdraw(investor=subscription.investor, subscription_id=subscription.pk)
        except (Conflict, InvalidTransition):
            return

    @rule(hours=st.integers(1, 60))
    def let_time_pass_and_run_the_deadlines(self, hours: int) -> None:
        clock.advance(timedelta(hours=hours))
        run_due_deadlines()

    @rule()
    def the_bank_pays_every_instruction(self) -> None:
        for disbursement_id in Disbursement.objects.filter(confirmed_at__isnull=True).values_list(
            "pk", flat=True
        ):
            disbursement_confirm(
                officer=self.officer,
                disbursement_id=disbursement_id,
                bank_reference=f"BNK-{disbursement_id}",
            )

    @invariant()
    def the_ledger_reconciles(self) -> None:
        assert reconcile() == []

    @invariant()
    def no_cent_is_created_or_lost(self) -> None:
        flows = [ledger.trust_flows(offering_id) for offering_id in (self.offering.pk, None)]
        assert sum(flow.paid_in_cents for flow in flows) == self.paid_in
        pending = (
            Disbursement.objects.filter(confirmed_at__isnull=True).aggregate(
                total=Sum("amount_cents")
            )["total"]
            or 0
        )
        owed = ledger.balances(self.offering.pk)[AccountKind.OWED_TO_PURCHASERS]
        held = sum(flow.held_cents for flow in flows)
        assert held == owed + pending

    @invariant()
    def money_owed_to_purchasers_is_exactly_their_funded_subscriptions(self) -> None:
        funded = (
            Subscription.objects.filter(
                offering=self.offering, state=SubscriptionState.FUNDED
            ).aggregate(total=Sum("amount_cents"))["total"]
            or 0
        )
        assert ledger.balances(self.offering.pk)[AccountKind.OWED_TO_PURCHASERS] == funded


@pytest.mark.django_db
def test_r13_p01_p03_no_cent_is_created_or_lost_through_random_money_paths():
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
