"""P01: the trust ledger is balanced double entry in integer cents, append-only, and guarded
by the database as well as by the service.

Where the vendors differ (PostgreSQL checks balance at commit and refuses DELETE;
SQLite refuses only UPDATE), each test asserts the PostgreSQL guard on PostgreSQL
and, on SQLite, what stands in for it: the service's refusal, or reconciliation
naming the damage. No test is skipped on either.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from equity.escrow import ledger
from equity.escrow.ledger import Leg
from equity.escrow.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Side,
)
from equity.escrow.selectors import reconcile
from equity.exceptions import LedgerImbalance
from equity.offerings.models import Offering
from tests.escrow.conftest import ZERO_BALANCES
from tests.factories import OfferingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TRUST, OWED, PAYABLE, REFUNDS = (
    AccountKind.TRUST_CASH,
    AccountKind.OWED_TO_PURCHASERS,
    AccountKind.PAYABLE_TO_ISSUER,
    AccountKind.REFUNDS_PAYABLE,
)
D, C = Side.DEBIT, Side.CREDIT
POSTGRESQL = "postgresql"
APPEND_ONLY = "append-only"


@pytest.fixture
def offering() -> Offering:
    return OfferingFactory()


def rows() -> tuple[int, int, int]:
    """Return how many ledger accounts, transactions and entries exist."""
    return (
        LedgerAccount.objects.count(),
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
    )


def paid_in(offering: Offering, amount_cents: int = 150_000) -> LedgerTransaction:
    return ledger.move(
        kind=ledger.PAYMENT_IN,
        offering_id=offering.pk,
        amount_cents=amount_cents,
        debit=TRUST,
        credit=OWED,
    )


def account(offering: Offering, kind: str) -> LedgerAccount:
    return LedgerAccount.objects.get_or_create(kind=kind, offering=offering)[0]


def insert_entry(transaction_id: int, account_id: int, side: str, amount_cents: int) -> None:
    """Write one entry with raw SQL, past the service's checks."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO escrow_ledgerentry "
            "(transaction_id, account_id, side, amount_cents, currency, subscription_id) "
            "VALUES (%s, %s, %s, %s, 'CAD', NULL)",
            [transaction_id, account_id, side, amount_cents],
        )


def reconcile_ledger() -> tuple[int, str]:
    """Run ``python manage.py reconcile_ledger``; return its exit status and output."""
    out = io.StringIO()
    try:
        call_command("reconcile_ledger", stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


# --- the service ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "legs",
    [
        [Leg(TRUST, D, 150_000), Leg(OWED, C, 149_999)],
        [Leg(TRUST, D, 0), Leg(OWED, C, 0)],
        [Leg(TRUST, D, -150_000), Leg(OWED, C, -150_000)],
        [Leg(TRUST, D, 150_000), Leg(OWED, C, 200_000), Leg(REFUNDS, C, -50_000)],
        [Leg(TRUST, D, 1500.0), Leg(OWED, C, 1500.0)],
        [Leg(TRUST, D, True), Leg(OWED, C, True)],
        [Leg(TRUST, D, "150000"), Leg(OWED, C, "150000")],
        [Leg(TRUST, D, 150_000)],
        [],
        [Leg(TRUST, "X", 150_000), Leg(OWED, C, 150_000)],
    ],
    ids=[
        "unbalanced",
        "zero",
        "negative",
        "balanced-with-a-negative-leg",
        "float",
        "bool",
        "string",
        "one-leg",
        "no-leg",
        "unknown-side",
    ],
)
def test_p01_post_refuses_what_is_not_balanced_positive_integer_cents_and_writes_nothing(
    offering, legs
):
    paid_in(offering)
    before = rows()

    with pytest.raises(LedgerImbalance):
        ledger.post(kind="bad", offering_id=offering.pk, legs=legs)

    assert rows() == before
    assert ledger.balances(offering.pk) == {**ZERO_BALANCES, "trust_cash": 150_000, OWED: 150_000}


def test_p01_a_balanced_post_writes_one_transaction_with_every_leg(offering):
    paid_in(offering)

    posted = ledger.post(
        kind="split",
        offering_id=offering.pk,
        legs=[Leg(OWED, D, 150_000), Leg(REFUNDS, C, 100_000), Leg(PAYABLE, C, 50_000)],
    )

    assert list(
        posted.entries.order_by("pk").values_list("account__kind", "side", "amount_cents")
    ) == [(OWED, "D", 150_000), (REFUNDS, "C", 100_000), (PAYABLE, "C", 50_000)]
    assert ledger.balances(offering.pk) == {
        TRUST: 150_000,
        OWED: 0,
        REFUNDS: 100_000,
        PAYABLE: 50_000,
    }
    assert reconcile() == []


def test_p01_reverse_posts_the_mirror_image_and_the_balances_return_to_before(offering):
    paid_in(offering)
    before = ledger.balances(offering.pk)
    refund = ledger.move(
        kind="refund_instructed",
        offering_id=offering.pk,
        amount_cents=40_000,
        debit=OWED,
        credit=REFUNDS,
        subscription_id=None,
    )
    assert ledger.balances(offering.pk) == {
        **ZERO_BALANCES,
        "trust_cash": 150_000,
        OWED: 110_000,
        REFUNDS: 40_000,
    }
    original = list(
        refund.entries.order_by("pk").values_list("pk", "account_id", "side", "amount_cents")
    )

    mirror = ledger.reverse(refund, memo="instructed twice by mistake")

    assert (mirror.kind, mirror.reverses_id, mirror.offering_id, mirror.memo) == (
        "reversal:refund_instructed",
        refund.pk,
        offering.pk,
        "instructed twice by mistake",
    )
    assert sorted(mirror.entries.values_list("account_id", "side", "amount_cents")) == sorted(
        (account_id, "C" if side == "D" else "D", amount)
        for _, account_id, side, amount in original
    )
    assert (
        list(refund.entries.order_by("pk").values_list("pk", "account_id", "side", "amount_cents"))
        == original
    )
    assert ledger.balances(offering.pk) == before
    assert reconcile() == []


def test_p01_reversing_a_payment_nets_it_out_of_the_paid_in_figure(offering):
    payment = paid_in(offering)

    ledger.reverse(payment)

    flows = ledger.trust_flows(offering.pk)
    assert (flows.paid_in_cents, flows.held_cents, flows.reconciles) == (0, 0, True)
    assert ledger.balances(offering.pk) == ZERO_BALANCES


def test_p01_a_transaction_is_reversed_at_most_once(offering):
    payment = paid_in(offering)
    ledger.reverse(payment)
    before = rows()

    with pytest.raises(IntegrityError):
        ledger.reverse(payment)

    assert rows() == before
    assert ledger.balances(offering.pk) == ZERO_BALANCES


# --- the database -----------------------------------------------------------------------------


def test_p01_the_database_refuses_to_update_a_ledger_entry_or_transaction(offering):
    payment = paid_in(offering)
    entry = payment.entries.get(side=D)
    before = list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount_cents", "side"))

    with (
        pytest.raises(DatabaseError, match=APPEND_ONLY),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("UPDATE escrow_ledgerentry SET amount_cents = 1 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(side=C)
    with (
        pytest.raises(DatabaseError, match=APPEND_ONLY),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("UPDATE escrow_ledgertransaction SET kind = 'x' WHERE id = %s", [payment.pk])

    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount_cents", "side")) == (
        before
    )
    assert LedgerTransaction.objects.get().kind == ledger.PAYMENT_IN
    assert ledger.balances(offering.pk)[TRUST] == 150_000


def test_p01_a_deleted_entry_is_refused_on_postgresql_and_shown_by_reconciliation_on_sqlite(
    offering,
):
    payment = paid_in(offering)
    entry = payment.entries.get(side=D)

    if connection.vendor == POSTGRESQL:
        with (
            pytest.raises(DatabaseError, match=APPEND_ONLY),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute("DELETE FROM escrow_ledgerentry WHERE id = %s", [entry.pk])
        with (
            pytest.raises(DatabaseError, match=APPEND_ONLY),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute("DELETE FROM escrow_ledgertransaction WHERE id = %s", [payment.pk])
        assert payment.entries.count() == 2
        assert reconcile() == []
    else:
        # SQLite keeps DELETE possible (the suite flushes); the reconciliation names it.
        with connection.cursor() as c:
            c.execute("DELETE FROM escrow_ledgerentry WHERE id = %s", [entry.pk])
        problems = [difference.problem for difference in reconcile()]
        assert f"transaction {payment.pk} does not balance" in problems
        assert reconcile_ledger()[0] == 1


def test_p01_the_database_refuses_a_non_positive_entry_on_both_vendors(offering):
    payment = paid_in(offering)
    trust = account(offering, TRUST)
    before = rows()

    for amount in (0, -1):
        with (
            pytest.raises(IntegrityError, match="ledger_entry_amount_positive"),
            transaction.atomic(),
        ):
            insert_entry(payment.pk, trust.pk, D, amount)

    assert rows() == before


def test_p01_an_unbalanced_transaction_is_refused_at_commit_on_postgresql(offering):
    trust, owed = account(offering, TRUST), account(offering, OWED)
    before = rows()

    if connection.vendor == POSTGRESQL:
        # The balance check is deferred to COMMIT; SET CONSTRAINTS runs it now.
        for legs in ([(trust, D, 100)], [(trust, D, 100), (owed, C, 90)], []):
            with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
                sneaky = LedgerTransaction.objects.create(
                    kind="sneaky", offering=offering, created_at=offering.created_at
                )
                for into, side, amount in legs:
                    insert_entry(sneaky.pk, into.pk, side, amount)
                with connection.cursor() as c:
                    c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            assert rows() == before
        # The same raw statements, balanced, pass the check.
        with transaction.atomic():
            fair = LedgerTransaction.objects.create(
                kind="fair", offering=offering, created_at=offering.created_at
            )
            insert_entry(fair.pk, trust.pk, D, 100)
            insert_entry(fair.pk, owed.pk, C, 100)
            with connection.cursor() as c:
                c.execute("SET CONSTRAINTS ALL IMMEDIATE")
                c.execute("SET CONSTRAINTS ALL DEFERRED")
        assert fair.entries.count() == 2
    else:
        # SQLite has no deferred check: the service refuses, and reconciliation catches
        # what raw SQL lets in.
        with pytest.raises(LedgerImbalance):
            ledger.post(
                kind="sneaky",
                offering_id=offering.pk,
                legs=[Leg(TRUST, D, 100), Leg(OWED, C, 90)],
            )
        assert rows() == before
        sneaky = LedgerTransaction.objects.create(
            kind="sneaky", offering=offering, created_at=offering.created_at
        )
        insert_entry(sneaky.pk, trust.pk, D, 100)
        insert_entry(sneaky.pk, owed.pk, C, 90)
        problems = [difference.problem for difference in reconcile()]
        assert f"transaction {sneaky.pk} does not balance" in problems


@pytest.mark.django_db(transaction=True)
def test_p01_an_entry_cannot_join_a_transaction_written_in_an_earlier_database_transaction():
    offering = OfferingFactory()
    payment = paid_in(offering)  # committed: autocommit outside any atomic block
    trust, owed = account(offering, TRUST), account(offering, OWED)

    if connection.vendor == POSTGRESQL:
        # Even a balanced pair may not be appended to a closed ledger transaction.
        with pytest.raises(DatabaseError, match="is closed"), transaction.atomic():
            insert_entry(payment.pk, trust.pk, D, 100)
            insert_entry(payment.pk, owed.pk, C, 100)
        assert payment.entries.count() == 2
        assert reconcile() == []
    else:
        # SQLite has no such trigger: an appended leg goes in and reconciliation names it.
        insert_entry(payment.pk, trust.pk, D, 100)
        problems = [difference.problem for difference in reconcile()]
        assert f"transaction {payment.pk} does not balance" in problems
    assert ledger.balances(offering.pk)[OWED] == 150_000


# --- reconciliation ---------------------------------------------------------------------------


def test_p01_reconciliation_finds_an_unbalanced_pair_sneaked_past_the_guards(offering):
    paid_in(offering)
    assert reconcile() == []
    status, output = reconcile_ledger()
    assert status == 0
    assert "The trust ledger reconciles." in output
    trust, owed = account(offering, TRUST), account(offering, OWED)

    with connection.cursor() as c:
        if connection.vendor == POSTGRESQL:
            # Run the pending (balanced) checks now, so the tables may be altered; the
            # ALTERs are rolled back with the test's transaction.
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            c.execute("ALTER TABLE escrow_ledgertransaction DISABLE TRIGGER ALL")
            c.execute("ALTER TABLE escrow_ledgerentry DISABLE TRIGGER ALL")
        sneaky = LedgerTransaction.objects.create(
            kind="sneaky", offering=offering, created_at=offering.created_at
        )
        insert_entry(sneaky.pk, trust.pk, D, 10_000)
        insert_entry(sneaky.pk, owed.pk, C, 9_000)
        if connection.vendor == POSTGRESQL:
            c.execute("ALTER TABLE escrow_ledgertransaction ENABLE TRIGGER ALL")
            c.execute("ALTER TABLE escrow_ledgerentry ENABLE TRIGGER ALL")
            c.execute("SET CONSTRAINTS ALL DEFERRED")

    differences = reconcile()
    problems = [difference.problem for difference in differences]
    assert "ledger debits 160000 ≠ credits 159000" in problems
    assert f"transaction {sneaky.pk} does not balance" in problems
    assert offering.pk in {difference.offering_id for difference in differences}
    status, output = reconcile_ledger()
    assert status == 1
    assert f"offering {offering.pk}:" in output
    assert "NO" in output
