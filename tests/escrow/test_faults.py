"""Fault injection (issue 9): the database connection lost in the middle of a write, payment
notifications duplicated or out of order, and the clock on a boundary second.

Each scene ends in a consistent state: the ledger reconciles (``reconcile()`` finds no
difference), the audit chain verifies, and no cent is created or lost (every cent paid
in is held, released or refunded). A worker killed mid-settlement is in
tests/test_real_worker.py; a settlement crashing after its ledger post is in
tests/escrow/test_settlement_idempotency.py.

The connection is "lost" by a database wrapper that raises ``OperationalError`` at the
N-th statement, for N from the first statement to past the last, so every point of
the write is hit once. Each attempt runs in its own transaction (a savepoint of the
test's), as a request or a task does: a lost connection aborts all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import Sum

from equity import clock
from equity.compliance.audit import verify_chain
from equity.compliance.models import AuditEvent, Rulebook
from equity.escrow.models import Payment
from equity.escrow.selectors import escrow_summary, reconcile
from equity.escrow.services import payment_record
from equity.escrow.settlement import offering_settle, run_due_deadlines
from equity.exceptions import ComplianceViolation, EquityError
from equity.investors.models import Subscription
from equity.investors.services import subscription_create, subscription_withdraw
from equity.offerings.models import Offering, OfferingState
from equity.offerings.selectors import group_cap_usage, issuer_group_ids
from tests.escrow.conftest import money_rows
from tests.factories import IssuerFactory, OfferingFactory
from tests.investors.scenes import open_offering, purchaser, signed_by

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


# --- the invariants every scene ends with -------------------------------------------


def assert_consistent() -> None:
    """The ledger reconciles, the audit chain verifies and no cent was created or lost."""
    assert reconcile() == []
    report = verify_chain()
    assert report.ok, report.reason
    paid_in = (
        Payment.objects.filter(status="succeeded").aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )
    offering_ids = [*Offering.objects.values_list("pk", flat=True), None]
    summaries = [escrow_summary(offering_id) for offering_id in offering_ids]
    assert sum(summary.paid_in_cents for summary in summaries) == paid_in
    assert (
        sum(
            summary.held_cents + summary.released_cents + summary.refunded_cents
            for summary in summaries
        )
        == paid_in
    )


def snapshot() -> dict[str, object]:
    """Return every money row and state, and the audit chain's length."""
    return {**money_rows(), "audit_events": AuditEvent.objects.count()}


# --- the connection lost at each statement -------------------------------------------


class ConnectionLost:
    """A database wrapper that fails the ``at``-th statement, as a dropped connection does."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        if self.statements == self.at:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


@contextmanager
def connection_lost_at(statement: int) -> Iterator[ConnectionLost]:
    fault = ConnectionLost(statement)
    with connection.execute_wrapper(fault):
        yield fault


def lose_the_connection_at_every_statement(write: Callable[[], object]) -> tuple[object, int]:
    """Run ``write`` with the connection lost at its 1st, 2nd, ... statement until a run
    gets past its last one. Each failed run must leave every row as it was. Return the
    successful run's result and how many runs failed."""
    failures = 0
    for statement in range(1, 500):
        before = snapshot()
        with connection_lost_at(statement) as fault:
            try:
                with transaction.atomic():
                    result = write()
            except OperationalError:
                failures += 1
                assert snapshot() == before, f"statement {statement} left a partial write"
                assert_consistent()
                continue
        assert fault.statements < statement  # the fault was never reached: a clean run
        return result, failures
    raise AssertionError("the write never completed")


@pytest.fixture
def offering() -> Offering:
    """A $10-a-share offering, $1,000 to $10,000, open 60 days from ``frozen_now``."""
    return open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)


def subscribe(offering: Offering, amount_cents: int) -> Subscription:
    investor = purchaser()
    return subscription_create(
        offering_id=offering.pk,
        investor=investor,
        amount_cents=amount_cents,
        acknowledgement=signed_by(investor),
    )


def pay(subscription: Subscription, *, event_id: str | None = None, status: str = "succeeded"):
    return payment_record(
        event_id=event_id or f"evt_{subscription.pk}",
        subscription_reference=str(subscription.pk),
        amount_cents=subscription.amount_cents,
        status=status,
        source="processor",
    )


def test_connection_lost_mid_subscription_leaves_nothing_and_the_retry_subscribes_once(offering):
    investor = purchaser(full_name="Léa Tremblay")

    def write() -> Subscription:
        return subscription_create(
            offering_id=offering.pk,
            investor=investor,
            amount_cents=150_000,
            acknowledgement=signed_by(investor),
        )

    subscription, failures = lose_the_connection_at_every_statement(write)

    assert failures >= 5
    assert Subscription.objects.filter(investor=investor).count() == 1
    assert Offering.objects.get(pk=offering.pk).raised_cents == 150_000
    assert subscription.state == "pending_payment"
    assert_consistent()


def test_connection_lost_mid_payment_leaves_nothing_and_the_retry_funds_once(offering):
    subscription = subscribe(offering, 150_000)

    payment, failures = lose_the_connection_at_every_statement(lambda: pay(subscription))

    assert failures >= 5
    assert Payment.objects.filter(event_id=payment.event_id).count() == 1
    assert Subscription.objects.get(pk=subscription.pk).state == "funded"
    assert escrow_summary(offering.pk).held_cents == 150_000
    assert_consistent()


@pytest.mark.parametrize("minimum", [100_000, 500_000], ids=["closed", "failed"])
def test_connection_lost_mid_settlement_leaves_it_closing_and_the_retry_settles_once(minimum):
    offering = open_offering(price_cents=1_000, minimum_cents=minimum, maximum_cents=1_000_000)
    pay(subscribe(offering, 150_000))
    marc = subscribe(offering, 100_000)
    pay(marc)
    subscription_withdraw(investor=marc.investor, subscription_id=marc.pk)
    subscribe(offering, 50_000)  # never paid
    clock.advance(offering.closes_at - timedelta(hours=1) - clock.now())
    late = subscribe(offering, 20_000)  # its window keeps the offering closing
    pay(late)
    clock.advance(offering.closes_at - clock.now())
    run_due_deadlines()
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.CLOSING
    clock.advance(late.withdrawal_deadline + timedelta(seconds=1) - clock.now())
    paid_in = escrow_summary(offering.pk).paid_in_cents

    settled, failures = lose_the_connection_at_every_statement(
        lambda: offering_settle(offering_id=offering.pk)
    )

    assert failures >= 10
    assert settled.state == (OfferingState.CLOSED if minimum == 100_000 else OfferingState.FAILED)
    summary = escrow_summary(offering.pk)
    assert summary.paid_in_cents == paid_in == 270_000
    if settled.state == OfferingState.CLOSED:
        assert (summary.payout_pending_cents, summary.refunds_pending_cents) == (170_000, 100_000)
    else:
        assert summary.refunds_pending_cents == 270_000
    rows = snapshot()
    assert offering_settle(offering_id=offering.pk).state == settled.state
    assert snapshot() == rows
    assert_consistent()


# --- payment notifications duplicated or out of order --------------------------------


@pytest.mark.parametrize(
    "order",
    [
        ("failed", "succeeded"),
        ("succeeded", "failed"),
        ("succeeded", "succeeded", "failed", "failed"),
        ("failed", "succeeded", "failed", "succeeded"),
    ],
    ids=lambda order: "-".join(order),
)
def test_duplicated_or_reordered_notifications_fund_once_and_move_no_other_cent(offering, order):
    subscription = subscribe(offering, 150_000)
    events = {"failed": "evt_declined", "succeeded": "evt_captured"}

    for status in order:
        pay(subscription, event_id=events[status], status=status)

    assert Subscription.objects.get(pk=subscription.pk).state == "funded"
    assert Payment.objects.filter(subscription=subscription).count() == len(set(order))
    summary = escrow_summary(offering.pk)
    assert (summary.paid_in_cents, summary.held_cents, summary.refunded_cents) == (
        150_000,
        150_000,
        0,
    )
    assert_consistent()


def test_a_payment_arriving_after_the_withdrawal_it_crossed_is_refunded_in_full(offering):
    subscription = subscribe(offering, 150_000)
    subscription_withdraw(investor=subscription.investor, subscription_id=subscription.pk)

    pay(subscription)
    pay(subscription)  # the processor's retry: the same event, a no-op
    pay(subscription, event_id="evt_second_attempt")  # another payment, also refunded

    summary = escrow_summary(offering.pk)
    assert summary.paid_in_cents == 300_000  # both payments are in trust ...
    assert summary.refunds_pending_cents == 300_000  # ... and both are being returned in full
    assert summary.payout_pending_cents == 0
    assert Subscription.objects.get(pk=subscription.pk).state == "withdrawn"
    assert_consistent()


# --- the clock on a boundary second -------------------------------------------------


def test_r14_withdrawal_at_exactly_48_hours_is_allowed_and_a_second_later_refused(offering):
    kept, withdrawn = subscribe(offering, 100_000), subscribe(offering, 50_000)
    pay(kept)
    pay(withdrawn)
    hours = Rulebook.objects.get(code="ni45-110", version=1).parameters["withdrawal_hours"]
    assert kept.withdrawal_deadline == kept.created_at + timedelta(hours=hours)

    with clock.travel_to(withdrawn.withdrawal_deadline):
        subscription_withdraw(investor=withdrawn.investor, subscription_id=withdrawn.pk)
    before = snapshot()
    with (
        clock.travel_to(kept.withdrawal_deadline + timedelta(seconds=1)),
        pytest.raises(EquityError) as refusal,
    ):
        subscription_withdraw(investor=kept.investor, subscription_id=kept.pk)

    assert refusal.value.code == "withdrawal_period_expired"
    assert snapshot() == before
    assert Subscription.objects.get(pk=withdrawn.pk).state == "withdrawn"
    assert_consistent()


def test_subscribing_at_exactly_closes_at_is_refused_a_second_before_accepted(offering):
    with clock.travel_to(offering.closes_at - timedelta(seconds=1)):
        last = subscribe(offering, 10_000)
    before = snapshot()

    with clock.travel_to(offering.closes_at), pytest.raises(ComplianceViolation) as refusal:
        subscribe(offering, 10_000)

    assert refusal.value.code == "offering_not_open" or any(
        violation.code == "offering_not_open" for violation in refusal.value.violations
    )
    assert Subscription.objects.filter(offering=offering).get() == last
    assert {k: v for k, v in snapshot().items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert_consistent()


def test_the_sweep_closes_at_exactly_closes_at_and_not_a_second_before(offering):
    pay(subscribe(offering, 150_000))

    with clock.travel_to(offering.closes_at - timedelta(seconds=1)):
        assert run_due_deadlines()["closed"] == 0
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.OPEN
    with clock.travel_to(offering.closes_at):
        assert run_due_deadlines()["closed"] == 1

    assert Offering.objects.get(pk=offering.pk).state in {
        OfferingState.CLOSING,
        OfferingState.CLOSED,
    }
    assert_consistent()


@pytest.mark.parametrize(
    ("closed_at", "counted"),
    [
        # The window ending on 2026-03-02 starts on 2025-03-03 (both included), in the
        # portal's time zone: the last second of 2025-03-02 there is outside it.
        (datetime(2025, 3, 3, 4, 59, 59, tzinfo=UTC), False),  # 23:59:59 EST, 2 March
        (datetime(2025, 3, 3, 5, 0, 0, tzinfo=UTC), True),  # 00:00:00 EST, 3 March
        (datetime(2026, 3, 3, 4, 59, 59, tzinfo=UTC), True),  # the window's last second
    ],
)
def test_r08_an_earlier_distribution_counts_only_within_the_12_month_window(closed_at, counted):
    issuer = IssuerFactory()
    OfferingFactory(
        issuer=issuer,
        state=OfferingState.CLOSED,
        closed_at=closed_at,
        maximum_amount_cents=40_000_000,
        raised_cents=40_000_000,
    )
    terms = Rulebook.objects.get(code="ni45-110", version=1).terms

    usage = group_cap_usage(issuer_group_ids(issuer.pk), as_of=date(2026, 3, 2), terms=terms)

    assert usage.window_start == date(2025, 3, 3)
    assert usage.raised_cents == (40_000_000 if counted else 0)
