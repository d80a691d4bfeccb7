"""Money into trust: the processor's signed notifications, officers' bank transfers and
bank statements (R13, P01, P03).

A succeeded payment always enters trust. It funds a pending subscription for its
exact amount; any other payment (withdrawn, expired or unknown subscription, a
wrong amount, a second payment) is refunded in full at once. A refusal (bad
signature, malformed body, not an officer) records nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from equity import clock
from equity.compliance.models import AuditEvent
from equity.escrow import ledger
from equity.escrow.models import Disbursement, LedgerEntry, LedgerTransaction, Payment
from equity.escrow.selectors import escrow_summary, reconcile
from equity.escrow.settlement import run_due_deadlines
from equity.investors.models import Subscription
from equity.offerings.models import Offering
from tests.escrow.conftest import (
    BANK_STATEMENTS,
    SUBSCRIPTIONS,
    ZERO_BALANCES,
    notification,
    signature,
)
from tests.investors.scenes import open_offering, purchaser
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def accounts(
    *, trust: int = 0, owed: int = 0, payable: int = 0, refunds: int = 0
) -> dict[str, int]:
    return {
        "trust_cash": trust,
        "owed_to_purchasers": owed,
        "payable_to_issuer": payable,
        "refunds_payable": refunds,
    }


def state_of(subscription: Subscription) -> str:
    return Subscription.objects.get(pk=subscription.pk).state


def ledger_rows() -> list[tuple]:
    """Return every ledger entry as (transaction kind, offering, account, side, amount, sub)."""
    return list(
        LedgerEntry.objects.order_by("pk").values_list(
            "transaction__kind",
            "account__offering_id",
            "account__kind",
            "side",
            "amount_cents",
            "subscription_id",
        )
    )


@pytest.fixture
def offering() -> Offering:
    """A $10-a-share offering, $1,000 to $10,000, open for 60 days from ``frozen_now``."""
    return open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)


@pytest.fixture
def lea(db):
    return purchaser(full_name="Léa Tremblay")


@pytest.fixture
def lea_sub(subscribe, lea, offering) -> Subscription:
    """Léa's $1,500 subscription, pending payment."""
    return subscribe(lea, offering, 150_000)


# --- the signature ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        "sha256=" + "0" * 64,
        "wrong-secret",
        "signature-of-another-body",
        "bare-hex",
        "",
        None,
    ],
)
def test_p03_a_notification_without_a_valid_signature_is_refused_and_records_nothing(
    notify, lea_sub, money, sent
):
    raw = notification("evt_forged", lea_sub.pk, 150_000)
    if sent == "wrong-secret":
        sent = "sha256=" + hmac.new(b"not-the-secret", raw, hashlib.sha256).hexdigest()
    elif sent == "signature-of-another-body":
        sent = signature(notification("evt_forged", lea_sub.pk, 15_000))
    elif sent == "bare-hex":
        sent = signature(raw).removeprefix("sha256=")
    before = money()
    events = AuditEvent.objects.count()

    response = notify(raw, signed=sent)

    assert response.status_code == 401
    assert (response.json()["code"], response.json()["rule"]) == ("invalid_signature", None)
    assert money() == before
    assert AuditEvent.objects.count() == events
    assert state_of(lea_sub) == "pending_payment"


def test_p03_the_signature_covers_the_exact_bytes_sent(notify, lea_sub, money):
    signed = notification("evt_1", lea_sub.pk, 150_000)
    reformatted = json.dumps(json.loads(signed), indent=2).encode()
    before = money()

    response = notify(reformatted, signed=signature(signed))

    assert response.status_code == 401
    assert money() == before


# --- a valid notification ---------------------------------------------------------------------


def test_r13_a_signed_notification_funds_the_subscription_into_trust(
    pay, lea_sub, offering, frozen_now
):
    response = pay(lea_sub, event_id="evt_1001")

    assert response.status_code == 200, response.json()
    assert response.json() == {"event_id": "evt_1001", "outcome": "funded"}
    assert state_of(lea_sub) == "funded"
    payment = Payment.objects.get()
    assert (
        payment.event_id,
        payment.subscription_id,
        payment.amount_cents,
        payment.status,
        payment.source,
        payment.outcome,
        payment.received_at,
    ) == ("evt_1001", lea_sub.pk, 150_000, "succeeded", "processor", "funded", frozen_now)
    assert ledger_rows() == [
        ("payment_in", offering.pk, "trust_cash", "D", 150_000, lea_sub.pk),
        ("payment_in", offering.pk, "owed_to_purchasers", "C", 150_000, lea_sub.pk),
    ]
    assert ledger.balances(offering.pk) == accounts(trust=150_000, owed=150_000)
    assert not Disbursement.objects.exists()
    event = AuditEvent.objects.get(action="payment.received")
    assert (event.subject, event.data["outcome"], event.data["amount_cents"]) == (
        lea_sub.subject,
        "funded",
        150_000,
    )


def test_p03_the_same_notification_twice_records_one_payment(notify, lea_sub, offering):
    raw = notification("evt_2002", lea_sub.pk, 150_000)
    first = notify(raw)
    after_first = (ledger_rows(), list(Payment.objects.values_list("pk", "outcome")))

    second = notify(raw)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"event_id": "evt_2002", "outcome": "funded"}
    assert (ledger_rows(), list(Payment.objects.values_list("pk", "outcome"))) == after_first
    assert LedgerTransaction.objects.count() == 1
    assert ledger.balances(offering.pk) == accounts(trust=150_000, owed=150_000)


def test_p03_a_repeated_event_id_with_another_body_changes_nothing(pay, lea_sub, money):
    pay(lea_sub, event_id="evt_3003")
    before = money()

    response = pay(lea_sub, amount=90_000, event_id="evt_3003", status="failed")

    assert response.status_code == 200
    assert response.json() == {"event_id": "evt_3003", "outcome": "funded"}
    assert money() == before


@pytest.mark.django_db(transaction=True)
def test_p03_the_same_notification_from_two_threads_at_once_records_one_payment(notify, subscribe):
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    subscription = subscribe(purchaser(), offering, 150_000)
    raw = notification("evt_race", subscription.pk, 150_000)

    outcomes = run_concurrently([lambda: notify(raw), lambda: notify(raw)])

    assert [getattr(o, "status_code", o) for o in outcomes] == [200, 200]
    assert [o.json() for o in outcomes] == [{"event_id": "evt_race", "outcome": "funded"}] * 2
    assert Payment.objects.count() == 1
    assert LedgerTransaction.objects.count() == 1
    assert ledger.balances(offering.pk) == accounts(trust=150_000, owed=150_000)
    assert state_of(subscription) == "funded"
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_r13_two_different_payments_for_one_subscription_at_once_fund_it_once(notify, subscribe):
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    subscription = subscribe(purchaser(), offering, 150_000)

    outcomes = run_concurrently(
        [
            lambda: notify(notification("evt_card", subscription.pk, 150_000)),
            lambda: notify(notification("evt_wire", subscription.pk, 150_000)),
        ]
    )

    assert [getattr(o, "status_code", o) for o in outcomes] == [200, 200]
    assert sorted(o.json()["outcome"] for o in outcomes) == [
        "funded",
        "refunded:subscription_funded",
    ]
    assert ledger.balances(offering.pk) == accounts(trust=300_000, owed=150_000, refunds=150_000)
    assert Disbursement.objects.get().amount_cents == 150_000
    assert state_of(subscription) == "funded"
    assert reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_r13_two_payments_for_unknown_subscriptions_at_once_are_both_kept_and_refunded(notify):
    outcomes = run_concurrently(
        [
            lambda: notify(notification("evt_stray_1", "880001", 20_000)),
            lambda: notify(notification("evt_stray_2", "880002", 30_000)),
        ]
    )

    assert [getattr(o, "status_code", o) for o in outcomes] == [200, 200]
    assert {o.json()["outcome"] for o in outcomes} == {"refunded:unknown_subscription"}
    assert Payment.objects.count() == 2
    assert ledger.balances(None) == accounts(trust=50_000, refunds=50_000)
    assert reconcile() == []


# --- payments that cannot fund: always accepted into trust, refunded in full -------------------


def test_r13_a_failed_notification_after_the_succeeded_one_changes_no_money_or_state(
    pay, lea_sub, offering, money
):
    pay(lea_sub, event_id="evt_ok")
    before = money()

    response = pay(lea_sub, event_id="evt_late_failure", status="failed")

    assert response.status_code == 200
    assert response.json() == {"event_id": "evt_late_failure", "outcome": "failed"}
    after = money()
    assert {key: value for key, value in after.items() if key != "payments"} == {
        key: value for key, value in before.items() if key != "payments"
    }
    assert state_of(lea_sub) == "funded"
    assert ledger.balances(offering.pk) == accounts(trust=150_000, owed=150_000)
    failed = Payment.objects.get(event_id="evt_late_failure")
    assert (failed.status, failed.outcome) == ("failed", "failed")


def test_r13_a_failed_payment_moves_no_money_and_the_retry_funds(pay, lea_sub, offering):
    assert pay(lea_sub, status="failed").json()["outcome"] == "failed"
    assert state_of(lea_sub) == "pending_payment"
    assert ledger.balances(offering.pk) == ZERO_BALANCES
    assert not LedgerTransaction.objects.exists()

    assert pay(lea_sub).json()["outcome"] == "funded"
    assert ledger.balances(offering.pk) == accounts(trust=150_000, owed=150_000)


def _withdrawn(api, lea, lea_sub, pay, offering):
    assert api(lea).post(f"{SUBSCRIPTIONS}/{lea_sub.pk}/withdraw").status_code == 200
    return 150_000, "subscription_withdrawn", "withdrawn"


def _expired(api, lea, lea_sub, pay, offering):
    clock.advance(offering.closes_at - clock.now())
    run_due_deadlines()
    assert Offering.objects.get(pk=offering.pk).state == "failed"
    return 150_000, "subscription_expired", "expired"


def _wrong_amount(api, lea, lea_sub, pay, offering):
    return 140_000, "amount_mismatch", "pending_payment"


@pytest.mark.parametrize(
    "arrange", [_withdrawn, _expired, _wrong_amount], ids=["withdrawn", "expired", "wrong-amount"]
)
def test_r13_a_payment_that_cannot_fund_its_subscription_is_refunded_in_full(
    api, pay, lea, lea_sub, offering, arrange
):
    amount, reason, state = arrange(api, lea, lea_sub, pay, offering)
    received_at = clock.now()

    response = pay(lea_sub, amount=amount, event_id="evt_x")

    assert response.status_code == 200, response.json()
    assert response.json() == {"event_id": "evt_x", "outcome": f"refunded:{reason}"}
    assert state_of(lea_sub) == state
    payment = Payment.objects.get()
    refund = Disbursement.objects.get()
    assert (
        refund.kind,
        refund.offering_id,
        refund.subscription_id,
        refund.payment_id,
        refund.payee_id,
        refund.amount_cents,
        refund.reason,
        refund.instructed_at,
        refund.due_by,
    ) == (
        "refund",
        offering.pk,
        lea_sub.pk,
        payment.pk,
        lea.pk,
        amount,
        reason,
        received_at,
        clock.add_business_days(received_at, 2),
    )
    assert ledger.balances(offering.pk) == accounts(trust=amount, refunds=amount)
    summary = escrow_summary(offering.pk)
    assert (summary.held_cents, summary.refunds_pending_cents, summary.balanced) == (
        amount,
        amount,
        True,
    )


def test_r13_a_second_payment_for_a_funded_subscription_is_refunded_in_full(
    pay, lea, lea_sub, offering
):
    pay(lea_sub, event_id="evt_first")

    response = pay(lea_sub, event_id="evt_second")

    assert response.json() == {"event_id": "evt_second", "outcome": "refunded:subscription_funded"}
    assert state_of(lea_sub) == "funded"
    refund = Disbursement.objects.get()
    assert (refund.payment.event_id, refund.amount_cents, refund.payee_id) == (
        "evt_second",
        150_000,
        lea.pk,
    )
    assert ledger.balances(offering.pk) == accounts(trust=300_000, owed=150_000, refunds=150_000)


def test_r13_after_a_wrong_amount_is_refunded_the_exact_amount_still_funds(pay, lea_sub, offering):
    assert pay(lea_sub, amount=15_000).json()["outcome"] == "refunded:amount_mismatch"

    assert pay(lea_sub).json()["outcome"] == "funded"

    assert state_of(lea_sub) == "funded"
    assert ledger.balances(offering.pk) == accounts(trust=165_000, owed=150_000, refunds=15_000)


@pytest.mark.parametrize(
    "reference",
    ["999999", "SUB-abc", "0", "²"],
    ids=["unknown-id", "not-a-number", "zero", "superscript-two"],
)
def test_r13_a_payment_for_an_unknown_subscription_sits_unallocated_and_is_refunded(
    pay, confirm, officer, offering, reference
):
    response = pay(reference, amount=42_000, event_id="evt_stray")

    assert response.status_code == 200, response.json()
    assert response.json() == {"event_id": "evt_stray", "outcome": "refunded:unknown_subscription"}
    payment = Payment.objects.get()
    assert (payment.subscription_id, payment.subscription_reference) == (None, reference)
    refund = Disbursement.objects.get()
    assert (refund.offering_id, refund.subscription_id, refund.payee_id, refund.amount_cents) == (
        None,
        None,
        None,
        42_000,
    )
    assert ledger.balances(None) == accounts(trust=42_000, refunds=42_000)
    assert ledger.balances(offering.pk) == ZERO_BALANCES
    unallocated = escrow_summary(None)
    assert (unallocated.held_cents, unallocated.paid_in_cents, unallocated.balanced) == (
        42_000,
        42_000,
        True,
    )

    assert confirm(officer, refund, "EFT-RETURN-1").status_code == 200
    assert ledger.balances(None) == ZERO_BALANCES
    assert escrow_summary(None).refunded_cents == 42_000
    assert reconcile() == []


# --- malformed bodies -------------------------------------------------------------------------


def _body(lea_sub: Subscription, **changes: object) -> bytes:
    body: dict[str, object] = {
        "event_id": "evt_bad",
        "subscription_id": lea_sub.pk,
        "amount_cents": 150_000,
        "status": "succeeded",
    }
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_cents": 150_000.0},
        {"amount_cents": "150000"},
        {"amount_cents": 0},
        {"amount_cents": -150_000},
        {"amount_cents": True},
        {"amount_cents": ...},
        {"event_id": ...},
        {"event_id": ""},
        {"subscription_id": ...},
        {"status": "pending"},
        {"status": ...},
    ],
    ids=[
        "amount-float",
        "amount-string",
        "amount-zero",
        "amount-negative",
        "amount-bool",
        "amount-missing",
        "event-id-missing",
        "event-id-empty",
        "subscription-missing",
        "status-unknown",
        "status-missing",
    ],
)
def test_p01_a_malformed_notification_is_400_and_records_nothing(notify, lea_sub, money, changes):
    before = money()

    response = notify(_body(lea_sub, **changes))

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]
    assert money() == before
    assert state_of(lea_sub) == "pending_payment"


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b""])
def test_p01_a_signed_body_that_is_not_a_json_object_is_400(notify, money, raw):
    before = money()

    response = notify(raw)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert money() == before


# --- an officer records a bank transfer -------------------------------------------------------


def transfer(api, user, subscription_id: int, body: dict[str, object]):
    return api(user).post(f"{SUBSCRIPTIONS}/{subscription_id}/bank-transfers", body, format="json")


def test_p03_an_officer_records_a_bank_transfer_once_per_reference(
    api, treasurer, lea_sub, offering, money
):
    response = transfer(
        api, treasurer, lea_sub.pk, {"amount_cents": 150_000, "reference": "TRF-0042"}
    )

    assert response.status_code == 200, response.json()
    payment = Payment.objects.get()
    assert response.json() == {"payment": payment.pk, "outcome": "funded"}
    assert (payment.event_id, payment.source, payment.recorded_by_id) == (
        "bank:TRF-0042",
        "bank_transfer",
        treasurer.pk,
    )
    assert state_of(lea_sub) == "funded"
    assert ledger.balances(offering.pk) == accounts(trust=150_000, owed=150_000)
    before = money()

    again = transfer(api, treasurer, lea_sub.pk, {"amount_cents": 150_000, "reference": "TRF-0042"})

    assert again.status_code == 200
    assert again.json() == {"payment": payment.pk, "outcome": "funded"}
    assert money() == before


def test_r13_a_second_bank_transfer_for_a_funded_subscription_is_refunded(
    api, treasurer, lea_sub, offering
):
    transfer(api, treasurer, lea_sub.pk, {"amount_cents": 150_000, "reference": "TRF-1"})

    response = transfer(api, treasurer, lea_sub.pk, {"amount_cents": 150_000, "reference": "TRF-2"})

    assert response.json()["outcome"] == "refunded:subscription_funded"
    assert ledger.balances(offering.pk) == accounts(trust=300_000, owed=150_000, refunds=150_000)


def test_p03_only_a_compliance_officer_records_a_bank_transfer(api, lea, lea_sub, offering, money):
    before = money()
    body = {"amount_cents": 150_000, "reference": "TRF-9"}

    for user in (lea, offering.issuer.owner):
        response = transfer(api, user, lea_sub.pk, body)
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "forbidden"
    assert transfer(api, None, lea_sub.pk, body).status_code == 401

    assert money() == before
    assert state_of(lea_sub) == "pending_payment"


@pytest.mark.parametrize(
    "body",
    [
        {"amount_cents": 1500.0, "reference": "TRF-1"},
        {"amount_cents": "150000", "reference": "TRF-1"},
        {"amount_cents": 150_000},
        {"amount_cents": 150_000, "reference": ""},
        {"amount_cents": 150_000, "reference": "   "},
    ],
    ids=["float", "string", "no-reference", "empty-reference", "blank-reference"],
)
def test_p01_a_malformed_bank_transfer_is_400_and_records_nothing(
    api, treasurer, lea_sub, money, body
):
    before = money()

    response = transfer(api, treasurer, lea_sub.pk, body)

    assert response.status_code == 400, response.json()
    assert money() == before


# --- a bank statement -------------------------------------------------------------------------


def upload(api, user, content: str):
    statement = SimpleUploadedFile("releve.csv", content.encode(), content_type="text/csv")
    return api(user).post(BANK_STATEMENTS, {"file": statement}, format="multipart")


@pytest.fixture
def three_subscriptions(subscribe, offering, lea):
    """Léa ($1,500), Marc ($1,000) and Zoé ($500), all pending payment."""
    return (
        subscribe(lea, offering, 150_000),
        subscribe(purchaser(full_name="Marc Bouchard"), offering, 100_000),
        subscribe(purchaser(full_name="Zoé Roy"), offering, 50_000),
    )


def test_p03_a_bank_statement_funds_exact_matches_lists_the_rest_and_imports_once(
    api, treasurer, offering, three_subscriptions, money
):
    lea_sub, marc_sub, zoe_sub = three_subscriptions
    statement = (
        "date,amount,reference\n"
        f"2026-03-03,1500.00,Virement Interac SUB-{lea_sub.pk} Léa\n"
        f"2026-03-03,1000.00,SUB-{marc_sub.pk}\n"
        "2026-03-03,250.00,Dépôt sans référence\n"
        "2026-03-03,500.00,SUB-999999\n"
        f"2026-03-03,400.00,SUB-{zoe_sub.pk}\n"
        f"2026-03-03,12.345,SUB-{zoe_sub.pk}\n"
        f"2026-03-04,-1500.00,SUB-{lea_sub.pk}\n"
    )

    response = upload(api, treasurer, statement)

    assert response.status_code == 200, response.json()
    body = response.json()
    payments = {p.subscription_id: p.pk for p in Payment.objects.all()}
    assert [(line["line"], line["amount_cents"], line["outcome"]) for line in body["matched"]] == [
        (2, 150_000, "matched:funded"),
        (3, 100_000, "matched:funded"),
    ]
    assert [line["payment_id"] for line in body["matched"]] == [
        payments[lea_sub.pk],
        payments[marc_sub.pk],
    ]
    assert [(line["line"], line["outcome"]) for line in body["unmatched"]] == [
        (4, "unmatched:no_reference"),
        (5, "unmatched:unknown_subscription"),
        (6, "unmatched:amount_differs"),
        (7, "unmatched:bad_amount"),
        (8, "ignored:not_a_deposit"),
    ]
    assert all(line["payment_id"] is None for line in body["unmatched"])
    assert [Subscription.objects.get(pk=s.pk).state for s in three_subscriptions] == [
        "funded",
        "funded",
        "pending_payment",
    ]
    assert {p.source for p in Payment.objects.all()} == {"bank_statement"}
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=250_000)
    before = money()

    again = upload(api, treasurer, statement)

    assert again.status_code == 200
    assert [line["payment_id"] for line in again.json()["matched"]] == [
        payments[lea_sub.pk],
        payments[marc_sub.pk],
    ]
    assert again.json()["unmatched"] == body["unmatched"]
    assert money() == before


def test_r13_two_identical_deposits_on_one_statement_are_two_payments(
    api, treasurer, offering, three_subscriptions, money
):
    # Léa's bank sent her payment twice the same day: the trust account received both,
    # so the second must be recorded and refunded in full; a re-import adds nothing.
    lea_sub = three_subscriptions[0]
    line = f"2026-03-03,1500.00,SUB-{lea_sub.pk}\n"
    statement = "date,amount,reference\n" + line + line

    response = upload(api, treasurer, statement)

    assert [entry["outcome"] for entry in response.json()["matched"]] == [
        "matched:funded",
        "matched:refunded:subscription_funded",
    ]
    assert Payment.objects.count() == 2
    assert ledger.balances(offering.pk) == accounts(trust=300_000, owed=150_000, refunds=150_000)
    before = money()
    upload(api, treasurer, statement)
    assert money() == before


@pytest.mark.parametrize("amount", ["12.345", "abc", "", "NaN", "Infinity", "sNaN"])
def test_p01_a_statement_line_with_an_unreadable_amount_is_listed_not_fatal(
    api, treasurer, three_subscriptions, money, amount
):
    lea_sub = three_subscriptions[0]
    before = money()

    response = upload(
        api, treasurer, f"date,amount,reference\n2026-03-03,{amount},SUB-{lea_sub.pk}\n"
    )

    assert response.status_code == 200, response.content
    assert [line["outcome"] for line in response.json()["unmatched"]] == ["unmatched:bad_amount"]
    assert money() == before


def test_p03_only_an_officer_imports_a_bank_statement(api, lea, three_subscriptions, money):
    lea_sub = three_subscriptions[0]
    before = money()
    statement = f"date,amount,reference\n2026-03-03,1500.00,SUB-{lea_sub.pk}\n"

    for user in (lea, lea_sub.offering.issuer.owner):
        assert upload(api, user, statement).status_code == 403

    assert money() == before


@pytest.mark.parametrize(
    "content", ["when,how much,memo\n2026-03-03,1500.00,SUB-1\n", ""], ids=["columns", "empty"]
)
def test_p01_a_statement_without_its_columns_is_400(api, treasurer, money, content):
    before = money()

    response = upload(api, treasurer, content)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert money() == before


def test_p01_a_statement_import_without_a_file_is_400(api, treasurer, money):
    before = money()

    response = api(treasurer).post(BANK_STATEMENTS, {}, format="multipart")

    assert response.status_code == 400
    assert money() == before


def test_r13_a_late_statement_for_a_withdrawn_subscription_is_refunded(
    api, treasurer, lea, three_subscriptions, offering
):
    lea_sub = three_subscriptions[0]
    assert api(lea).post(f"{SUBSCRIPTIONS}/{lea_sub.pk}/withdraw").status_code == 200
    clock.advance(timedelta(days=1))

    response = upload(api, treasurer, f"date,amount,reference\n2026-03-03,1500,SUB-{lea_sub.pk}\n")

    assert [line["outcome"] for line in response.json()["matched"]] == [
        "matched:refunded:subscription_withdrawn"
    ]
    refund = Disbursement.objects.get()
    assert (refund.amount_cents, refund.payee_id, refund.due_by) == (
        150_000,
        lea.pk,
        datetime(2026, 3, 5, 15, 0, tzinfo=UTC),
    )
    assert ledger.balances(offering.pk) == accounts(trust=150_000, refunds=150_000)


# --- the bank's confirmation of a disbursement ------------------------------------------------


def test_r13_only_an_officer_confirms_a_disbursement_with_the_banks_reference(
    api, confirm, pay, lea, lea_sub, offering, officer, money
):
    assert api(lea).post(f"{SUBSCRIPTIONS}/{lea_sub.pk}/withdraw").status_code == 200
    pay(lea_sub)
    refund = Disbursement.objects.get()
    before = money()

    for user in (lea, offering.issuer.owner):
        assert confirm(user, refund, "EFT-1").status_code == 403
    for reference in ("", "   "):
        response = confirm(officer, refund, reference)
        assert response.status_code == 400, response.json()
    assert confirm(officer, Disbursement(pk=999_999), "EFT-1").status_code == 404

    assert money() == before
    assert ledger.balances(offering.pk) == accounts(trust=150_000, refunds=150_000)
