"""Posting balanced transactions to the trust ledger, and reading balances (P01, R13).

See ``models.py`` for the accounts and the movements between them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Sum

from equity import clock
from equity.escrow.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction, Side
from equity.exceptions import LedgerImbalance
from equity.investors.models import Subscription
from equity.money import require_cents

ASSET_KINDS = frozenset({AccountKind.TRUST_CASH})


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a movement: ``amount_cents`` debited or credited to an offering's account."""

    kind: str
    side: str
    amount_cents: int
    subscription_id: int | None = None


def _accounts(offering_id: int | None, kinds: Iterable[str]) -> dict[str, LedgerAccount]:
    wanted = set(kinds)
    accounts = {
        account.kind: account
        for account in LedgerAccount.objects.filter(offering_id=offering_id, kind__in=wanted)
    }
    for kind in wanted - set(accounts):
        accounts[kind], _ = LedgerAccount.objects.get_or_create(kind=kind, offering_id=offering_id)
    return accounts


@transaction.atomic
def post(
    *,
    kind: str,
    offering_id: int | None,
    legs: Sequence[Leg],
    memo: str = "",
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction of ``legs`` for an offering and return it.

    Raise :class:`LedgerImbalance` (and write nothing) when the debits and the
    credits differ, a leg is not a positive integer amount, or there are
    fewer than two legs. All legs go in one INSERT.
    """
    if len(legs) < 2:
        raise LedgerImbalance("a ledger transaction has at least two legs")
    debits = credits = 0
    for leg in legs:
        try:
            require_cents(leg.amount_cents)
        except (TypeError, ValueError) as error:
            raise LedgerImbalance(f"leg {leg}: {error}") from None
        if leg.side == Side.DEBIT:
            debits += leg.amount_cents
        elif leg.side == Side.CREDIT:
            credits += leg.amount_cents
        else:
            raise LedgerImbalance(f"leg {leg}: side must be D or C")
    if debits != credits:
        raise LedgerImbalance(f"debits {debits} ≠ credits {credits}")
    accounts = _accounts(offering_id, (leg.kind for leg in legs))
    ledger_transaction = LedgerTransaction.objects.create(
        kind=kind,
        offering_id=offering_id,
        memo=memo[:200],
        reverses=reverses,
        created_at=clock.now(),
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=ledger_transaction,
                account=accounts[leg.kind],
                side=leg.side,
                amount_cents=leg.amount_cents,
                subscription_id=leg.subscription_id,
            )
            for leg in legs
        ]
    )
    return ledger_transaction


def move(
    *,
    kind: str,
    offering_id: int | None,
    amount_cents: int,
    debit: str,
    credit: str,
    subscription_id: int | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """Post the two-legged movement of ``amount_cents`` from ``credit`` to ``debit``."""
    return post(
        kind=kind,
        offering_id=offering_id,
        memo=memo,
        legs=[
            Leg(debit, Side.DEBIT, amount_cents, subscription_id),
            Leg(credit, Side.CREDIT, amount_cents, subscription_id),
        ],
    )


@transaction.atomic
def reverse(ledger_transaction: LedgerTransaction, *, memo: str = "") -> LedgerTransaction:
    """Post the mirror image of a transaction: the only way to correct the ledger."""
    legs = [
        Leg(
            entry.account.kind,
            Side.CREDIT if entry.side == Side.DEBIT else Side.DEBIT,
            entry.amount_cents,
            entry.subscription_id,
        )
        for entry in ledger_transaction.entries.select_related("account")
    ]
    return post(
        kind=f"reversal:{ledger_transaction.kind}",
        offering_id=ledger_transaction.offering_id,
        legs=legs,
        memo=memo or f"reverses #{ledger_transaction.pk}",
        reverses=ledger_transaction,
    )


def balances(offering_id: int | None) -> dict[str, int]:
    """Return each account's balance for one offering, in its normal direction.

    The trust cash (an asset) is debits minus credits; the liabilities are
    credits minus debits. Accounts without entries are 0.
    """
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"D": 0, "C": 0})
    rows = (
        LedgerEntry.objects.filter(account__offering_id=offering_id)
        .values("account__kind", "side")
        .annotate(total=Sum("amount_cents"))
    )
    for row in rows:
        totals[row["account__kind"]][row["side"]] = row["total"]
    result = {}
    for kind in AccountKind.values:
        debit, credit = totals[kind]["D"], totals[kind]["C"]
        result[kind] = debit - credit if kind in ASSET_KINDS else credit - debit
    return result


PAYMENT_IN = "payment_in"
PAYOUT_PAID = "payout_paid"
REFUND_PAID = "refund_paid"


@dataclass(frozen=True, slots=True)
class TrustFlows:
    """What came into and went out of one offering's trust cash, net of reversals."""

    paid_in_cents: int
    released_cents: int
    refunded_cents: int
    held_cents: int

    @property
    def reconciles(self) -> bool:
        """Return whether held = paid in − released − refunded (nothing else moved the cash)."""
        return self.held_cents == self.paid_in_cents - self.released_cents - self.refunded_cents


def trust_flows(offering_id: int | None) -> TrustFlows:
    """Return the trust-cash flows of one offering from a single grouped query."""
    by_kind: dict[tuple[str, str], int] = {
        (row["transaction__kind"], row["side"]): row["total"]
        for row in LedgerEntry.objects.filter(
            account__offering_id=offering_id, account__kind=AccountKind.TRUST_CASH
        )
        .values("transaction__kind", "side")
        .annotate(total=Sum("amount_cents"))
    }

    def net(kind: str, side: str) -> int:
        opposite = Side.CREDIT if side == Side.DEBIT else Side.DEBIT
        return by_kind.get((kind, side), 0) - by_kind.get((f"reversal:{kind}", opposite), 0)

    debits = sum(total for (_, side), total in by_kind.items() if side == Side.DEBIT)
    credits = sum(total for (_, side), total in by_kind.items() if side == Side.CREDIT)
    return TrustFlows(
        paid_in_cents=net(PAYMENT_IN, Side.DEBIT),
        released_cents=net(PAYOUT_PAID, Side.CREDIT),
        refunded_cents=net(REFUND_PAID, Side.CREDIT),
        held_cents=debits - credits,
    )


def post_per_subscription(
    *, kind: str, offering_id: int, state: str, debit: str, credit: str, memo: str = ""
) -> tuple[LedgerTransaction | None, int]:
    """Debit one leg per subscription of ``state`` to ``debit`` and credit their total to
    ``credit``, in a constant number of queries whatever the number of subscriptions.

    Return the transaction (``None`` when there is nothing to move) and the total.
    """
    total = (
        (
            Subscription.objects.filter(offering_id=offering_id, state=state).aggregate(
                total=Sum("amount_cents")
            )["total"]
        )
        or 0
    )
    if not total:
        return None, 0
    accounts = _accounts(offering_id, (debit, credit))
    ledger_transaction = LedgerTransaction.objects.create(
        kind=kind, offering_id=offering_id, memo=memo[:200], created_at=clock.now()
    )
    entry, subscription = LedgerEntry._meta, Subscription._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entry.db_table} "  # noqa: S608 - table names from the models
            "(transaction_id, account_id, side, amount_cents, currency, subscription_id) "
            f"SELECT %s, %s, %s, amount_cents, currency, id FROM {subscription.db_table} "
            "WHERE offering_id = %s AND state = %s",
            [ledger_transaction.pk, accounts[debit].pk, Side.DEBIT, offering_id, state],
        )
    LedgerEntry.objects.create(
        transaction=ledger_transaction,
        account=accounts[credit],
        side=Side.CREDIT,
        amount_cents=total,
    )
    debited = LedgerEntry.objects.filter(transaction=ledger_transaction, side=Side.DEBIT).aggregate(
        total=Sum("amount_cents")
    )["total"]
    if debited != total:
        raise LedgerImbalance(f"{kind}: debits {debited} ≠ credit {total}")
    return ledger_transaction, total
