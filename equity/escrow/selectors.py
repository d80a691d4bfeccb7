"""Reads of the trust ledger: an offering's escrow, reconciliation, the register."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from equity import clock
from equity.escrow import ledger
from equity.escrow.models import (
    Disbursement,
    DisbursementKind,
    LedgerEntry,
    SecurityHolding,
    Side,
)
from equity.investors.models import Subscription


@dataclass(frozen=True, slots=True)
class EscrowSummary:
    """The contract's escrow view of one offering."""

    held_cents: int
    paid_in_cents: int
    released_cents: int
    refunded_cents: int
    refunds_pending_cents: int
    payout_pending_cents: int
    balanced: bool


def escrow_summary(offering_id: int | None) -> EscrowSummary:
    """Return what the trust account holds for an offering and whether it reconciles."""
    flows = ledger.trust_flows(offering_id)
    balances = ledger.balances(offering_id)
    liabilities = (
        balances["owed_to_purchasers"] + balances["payable_to_issuer"] + balances["refunds_payable"]
    )
    return EscrowSummary(
        held_cents=flows.held_cents,
        paid_in_cents=flows.paid_in_cents,
        released_cents=flows.released_cents,
        refunded_cents=flows.refunded_cents,
        refunds_pending_cents=balances["refunds_payable"],
        payout_pending_cents=balances["payable_to_issuer"],
        balanced=flows.reconciles and liabilities == balances["trust_cash"],
    )


@dataclass(frozen=True, slots=True)
class Difference:
    """Something the reconciliation found wrong."""

    offering_id: int | None
    problem: str


def reconcile() -> list[Difference]:
    """Check the whole ledger and every offering's escrow; return every difference found.

    Overall: debits equal credits. Per offering (and for unmatched money):
    held = paid in − released − refunded, and the trust cash equals what is
    owed to purchasers, to the issuer and in refunds.
    """
    differences = []
    totals = LedgerEntry.objects.aggregate(
        debits=Sum("amount_cents", filter=Q(side=Side.DEBIT)),
        credits=Sum("amount_cents", filter=Q(side=Side.CREDIT)),
    )
    if (totals["debits"] or 0) != (totals["credits"] or 0):
        differences.append(
            Difference(None, f"ledger debits {totals['debits']} ≠ credits {totals['credits']}")
        )
    unbalanced = (
        LedgerEntry.objects.values("transaction_id")
        .annotate(
            debits=Coalesce(Sum("amount_cents", filter=Q(side=Side.DEBIT)), 0),
            credits=Coalesce(Sum("amount_cents", filter=Q(side=Side.CREDIT)), 0),
        )
        .exclude(debits=F("credits"))
    )
    for row in unbalanced[:100]:
        differences.append(
            Difference(None, f"transaction {row['transaction_id']} does not balance")
        )
    offering_ids = set(
        LedgerEntry.objects.values_list("account__offering_id", flat=True).distinct()
    )
    for offering_id in sorted(offering_ids, key=lambda pk: (pk is None, pk or 0)):
        summary = escrow_summary(offering_id)
        if not summary.balanced:
            differences.append(
                Difference(
                    offering_id,
                    (
                        f"held {summary.held_cents} ≠ paid in {summary.paid_in_cents} − released "
                        f"{summary.released_cents} − refunded {summary.refunded_cents}, "
                        "or the trust cash differs from what is owed"
                    ),
                )
            )
    return differences


def overdue_disbursements() -> QuerySet[Disbursement]:
    """Return payouts and refunds not confirmed by their due time (R13)."""
    return Disbursement.objects.filter(confirmed_at__isnull=True, due_by__lt=clock.now())


def securities_register(offering_id: int) -> QuerySet[SecurityHolding]:
    """Return the offering's register, in certificate order (R18)."""
    return (
        SecurityHolding.objects.filter(offering_id=offering_id)
        .select_related("holder")
        .order_by("subscription_id")
    )


def pending_disbursements() -> QuerySet[Disbursement]:
    """Return payouts and refunds instructed and not yet confirmed, oldest first."""
    return Disbursement.objects.filter(confirmed_at__isnull=True).order_by("due_by", "pk")


def outstanding_refunds() -> QuerySet[Disbursement]:
    """Return the refunds instructed and not yet confirmed, soonest due first, each
    annotated ``overdue`` when its due time has passed (R13)."""
    overdue = overdue_disbursements().filter(pk=OuterRef("pk"))
    return (
        pending_disbursements()
        .filter(kind=DisbursementKind.REFUND)
        .select_related("offering", "payee")
        .annotate(overdue=Exists(overdue))
    )


def securities_registers() -> QuerySet[SecurityHolding]:
    """Return every offering's register lines, by offering then certificate order (R18)."""
    return SecurityHolding.objects.select_related("offering", "holder", "subscription").order_by(
        "offering_id", "subscription_id"
    )


@dataclass(frozen=True, slots=True)
class OfferingMoney:
    """Where one offering's money stands: its subscriptions, its escrow and its disbursements."""

    subscriptions: list[Subscription]
    escrow: EscrowSummary
    disbursements: list[Disbursement]


def offering_money(offering_id: int) -> OfferingMoney:
    """Return the offering's subscriptions (each with ``paid_cents``, what was matched to it),
    its escrow summary and every payout and refund instructed for it, with their state."""
    subscriptions = (
        Subscription.objects.filter(offering_id=offering_id)
        .select_related("investor")
        .annotate(
            paid_cents=Coalesce(
                Sum("payments__amount_cents", filter=Q(payments__outcome="funded")), 0
            )
        )
        .order_by("created_at", "pk")
    )
    disbursements = (
        Disbursement.objects.filter(offering_id=offering_id)
        .select_related("payee")
        .annotate(overdue=Exists(overdue_disbursements().filter(pk=OuterRef("pk"))))
        .order_by("instructed_at", "pk")
    )
    return OfferingMoney(
        subscriptions=list(subscriptions),
        escrow=escrow_summary(offering_id),
        disbursements=list(disbursements),
    )
