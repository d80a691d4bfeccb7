"""Settlement is idempotent and crash-safe (R13, R14, P03).

A settlement is one database transaction: a crash half way leaves the offering
closing with nothing of the settlement written, and a rerun then writes exactly
what a clean run writes on an identical campaign. Running it, or the deadline
sweep, again changes nothing.

Each campaign: Léa pays $1,500; Marc pays $1,000 and withdraws; Zoé subscribes
$500 and never pays; an hour before the period ends Noé subscribes and pays
$200, so the closing waits for his window (R14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from equity import clock
from equity.escrow import ledger, settlement
from equity.escrow.models import Disbursement, LedgerEntry, LedgerTransaction, SecurityHolding
from equity.escrow.services import payment_record
from equity.escrow.settlement import offering_settle, run_due_deadlines
from equity.investors.models import Subscription
from equity.investors.services import subscription_create, subscription_withdraw
from equity.offerings.models import Offering, OfferingState
from equity.offerings.services import offering_cancel
from tests.escrow.conftest import money_rows
from tests.investors.scenes import open_offering, purchaser, signed_by
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

REACHED, NOT_REACHED = 100_000, 500_000
"""Minimums the funded $1,700 reaches, or does not."""


class Crash(Exception):
    """The failure injected half way through a settlement."""


def _subscribe(offering: Offering, amount_cents: int, *, paid: bool) -> Subscription:
    investor = purchaser()
    subscription = subscription_create(
        offering_id=offering.pk,
        investor=investor,
        amount_cents=amount_cents,
        acknowledgement=signed_by(investor),
    )
    if paid:
        payment_record(
            event_id=f"evt_{subscription.pk}",
            subscription_reference=str(subscription.pk),
            amount_cents=amount_cents,
            status="succeeded",
            source="processor",
        )
    return subscription


@dataclass
class Campaign:
    offering: Offering

    def late_subscription(self) -> Subscription:
        return _subscribe(self.offering, 20_000, paid=True)


def campaign(minimum_cents: int) -> Campaign:
    offering = open_offering(
        price_cents=1_000, minimum_cents=minimum_cents, maximum_cents=1_000_000
    )
    _subscribe(offering, 150_000, paid=True)
    marc = _subscribe(offering, 100_000, paid=True)
    subscription_withdraw(investor=marc.investor, subscription_id=marc.pk)
    _subscribe(offering, 50_000, paid=False)
    return Campaign(offering)


def to_closing(*campaigns: Campaign, past_the_windows: bool = True) -> Subscription:
    """Run the campaigns to their (common) end: closing, with a late window still open;
    then, unless told otherwise, one second past that window. Return a late subscription
    (all of them share the same window)."""
    closes_at = campaigns[0].offering.closes_at
    clock.advance(closes_at - timedelta(hours=1) - clock.now())
    late = [c.late_subscription() for c in campaigns]
    clock.advance(closes_at + timedelta(seconds=1) - clock.now())
    run_due_deadlines()
    for c in campaigns:
        assert Offering.objects.get(pk=c.offering.pk).state == OfferingState.CLOSING
    if past_the_windows:
        clock.advance(late[0].withdrawal_deadline + timedelta(seconds=1) - clock.now())
    return late[0]


def fingerprint(offering: Offering) -> dict[str, object]:
    """Return everything settlement writes for ``offering``, with subscriptions named by
    their order within it, so two identical campaigns compare equal."""
    order = {
        pk: number
        for number, pk in enumerate(
            Subscription.objects.filter(offering=offering)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    }

    def nth(pk: int | None) -> int:
        return -1 if pk is None else order[pk]

    entries = LedgerEntry.objects.filter(account__offering=offering).values_list(
        "transaction__kind", "account__kind", "side", "amount_cents", "subscription_id"
    )
    settled = Offering.objects.get(pk=offering.pk)
    return {
        "ledger": sorted(
            (kind, account, side, amount, nth(sub)) for kind, account, side, amount, sub in entries
        ),
        "transactions": sorted(
            LedgerTransaction.objects.filter(offering=offering).values_list("kind", flat=True)
        ),
        "disbursements": sorted(
            (d.kind, nth(d.subscription_id), d.amount_cents, d.reason, d.instructed_at, d.due_by)
            for d in Disbursement.objects.filter(offering=offering)
        ),
        "holdings": sorted(
            (nth(h.subscription_id), h.security_class, h.quantity, h.issued_on, h.legend)
            for h in SecurityHolding.objects.filter(offering=offering)
        ),
        "subscriptions": [
            state
            for state in Subscription.objects.filter(offering=offering)
            .order_by("pk")
            .values_list("state", flat=True)
        ],
        "offering": (settled.state, settled.raised_cents, settled.closed_at),
        "balances": ledger.balances(offering.pk),
    }


def crash_after_the_ledger_post(monkeypatch: pytest.MonkeyPatch, offering: Offering) -> list[int]:
    """Make the first INSERT … SELECT of a settlement raise, and record how many ledger
    transactions the offering had at that instant (so the crash did follow a post)."""
    seen: list[int] = []

    def crash(*args: object, **kwargs: object) -> None:
        seen.append(LedgerTransaction.objects.filter(offering=offering).count())
        raise Crash("the worker died half way")

    monkeypatch.setattr(settlement, "_insert_from_subscriptions", crash)
    return seen


# --- twice ------------------------------------------------------------------------------------


@pytest.mark.parametrize("minimum", [REACHED, NOT_REACHED], ids=["closed", "failed"])
def test_r13_settling_twice_writes_once(minimum):
    offering = campaign(minimum).offering
    to_closing(Campaign(offering))
    settled = offering_settle(offering_id=offering.pk)
    assert settled.state == (OfferingState.CLOSED if minimum == REACHED else OfferingState.FAILED)
    once = fingerprint(offering)
    rows = money_rows()

    again = offering_settle(offering_id=offering.pk)

    assert again.state == settled.state
    assert fingerprint(offering) == once
    assert money_rows() == rows
    if minimum == REACHED:
        assert Disbursement.objects.filter(offering=offering, kind="payout").count() == 1
        assert LedgerTransaction.objects.filter(offering=offering, kind="acceptance").count() == 1
        assert once["balances"]["payable_to_issuer"] == 170_000
    else:
        assert not Disbursement.objects.filter(kind="payout").exists()
        assert once["balances"]["refunds_payable"] == 270_000


def test_r13_the_deadline_sweep_twice_changes_nothing_the_second_time():
    offering = campaign(REACHED).offering
    to_closing(Campaign(offering))
    assert run_due_deadlines() == {"closed": 0, "settled": 1}
    once = fingerprint(offering)
    rows = money_rows()

    assert run_due_deadlines() == {"closed": 0, "settled": 0}

    assert fingerprint(offering) == once
    assert money_rows() == rows
    assert once["offering"][:2] == (OfferingState.CLOSED, 170_000)


def test_r14_settlement_before_the_last_window_ends_does_nothing():
    offering = campaign(REACHED).offering
    late = to_closing(Campaign(offering), past_the_windows=False)
    clock.advance(late.withdrawal_deadline - clock.now())
    rows = money_rows()

    assert offering_settle(offering_id=offering.pk).state == OfferingState.CLOSING
    assert run_due_deadlines() == {"closed": 0, "settled": 0}

    assert money_rows() == rows
    assert Subscription.objects.get(pk=late.pk).state == "funded"


@pytest.mark.django_db(transaction=True)
def test_p03_two_deadline_sweeps_at_once_settle_once():
    offering = campaign(REACHED).offering
    clock.advance(offering.closes_at + timedelta(seconds=1) - clock.now())

    outcomes = run_concurrently([run_due_deadlines, run_due_deadlines])

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.CLOSED
    assert Disbursement.objects.filter(offering=offering, kind="payout").count() == 1
    assert LedgerTransaction.objects.filter(offering=offering, kind="acceptance").count() == 1
    assert SecurityHolding.objects.filter(offering=offering).count() == 1
    assert ledger.balances(offering.pk)["payable_to_issuer"] == 150_000


# --- a crash half way -------------------------------------------------------------------------


@pytest.mark.parametrize("minimum", [REACHED, NOT_REACHED], ids=["closed", "failed"])
def test_r13_a_settlement_that_crashes_half_way_leaves_nothing_and_the_rerun_matches_a_clean_run(
    monkeypatch, minimum
):
    crashed, clean = campaign(minimum), campaign(minimum)
    to_closing(crashed, clean)
    before = fingerprint(crashed.offering)
    transactions_before = LedgerTransaction.objects.filter(offering=crashed.offering).count()
    seen = crash_after_the_ledger_post(monkeypatch, crashed.offering)

    with pytest.raises(Crash):
        offering_settle(offering_id=crashed.offering.pk)

    # The crash came after the settlement's ledger post, and took it back with the rest.
    assert seen == [transactions_before + 1]
    assert fingerprint(crashed.offering) == before
    assert before["offering"][0] == OfferingState.CLOSING
    assert "acceptance" not in before["transactions"]
    assert not SecurityHolding.objects.exists()
    assert not Disbursement.objects.filter(kind="payout").exists()

    monkeypatch.undo()
    assert run_due_deadlines() == {"closed": 0, "settled": 2}

    assert fingerprint(crashed.offering) == fingerprint(clean.offering)
    assert fingerprint(crashed.offering)["offering"][0] == (
        OfferingState.CLOSED if minimum == REACHED else OfferingState.FAILED
    )
    rows = money_rows()
    assert run_due_deadlines() == {"closed": 0, "settled": 0}
    assert money_rows() == rows


def test_r13_a_deadline_sweep_that_crashes_half_way_leaves_the_offering_open(monkeypatch):
    offering = campaign(REACHED).offering
    clock.advance(offering.closes_at + timedelta(seconds=1) - clock.now())
    before = money_rows()
    seen = crash_after_the_ledger_post(monkeypatch, offering)

    with pytest.raises(Crash):
        run_due_deadlines()

    assert len(seen) == 1
    assert money_rows() == before
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.OPEN

    monkeypatch.undo()
    assert run_due_deadlines() == {"closed": 1, "settled": 0}
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.CLOSED
    assert Disbursement.objects.get(offering=offering, kind="payout").amount_cents == 150_000


def test_r13_a_cancellation_that_crashes_half_way_changes_nothing(monkeypatch):
    offering = campaign(REACHED).offering
    owner = offering.issuer.owner
    before = money_rows()
    seen = crash_after_the_ledger_post(monkeypatch, offering)

    with pytest.raises(Crash):
        offering_cancel(actor=owner, offering_id=offering.pk, reason="Abandon.")

    assert len(seen) == 1
    assert money_rows() == before

    monkeypatch.undo()
    offering_cancel(actor=owner, offering_id=offering.pk, reason="Abandon.")
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.CANCELLED
    assert ledger.balances(offering.pk) == {
        "trust_cash": 250_000,
        "owed_to_purchasers": 0,
        "payable_to_issuer": 0,
        "refunds_payable": 250_000,
    }
