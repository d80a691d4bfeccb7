"""Money in and out of trust: payment notifications, bank deposits, refunds, disbursements.

Every write locks the offering first (then the subscription), the same order
as the subscription services, and posts balanced ledger transactions in the
same database transaction as the state it explains (R13, P01, P03).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from equity import clock
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.selectors import rulebook_in_force
from equity.documents.tasks import render_refund_notice
from equity.escrow import ledger
from equity.escrow.models import (
    AccountKind,
    Disbursement,
    DisbursementKind,
    Payment,
    PaymentStatus,
)
from equity.exceptions import InvalidInput, NotFound, PermissionDenied
from equity.investors.models import Subscription, SubscriptionState
from equity.offerings.models import Offering, OfferingState
from equity.offerings.services.issuers import DEFAULT_RULEBOOK

FUNDABLE_OFFERING_STATES = (OfferingState.OPEN, OfferingState.SUSPENDED, OfferingState.CLOSING)


def refund_due_by(now: datetime, offering: Offering | None) -> datetime:
    """Return when a refund instructed now must be confirmed paid (R13's deadline).

    Money that matches no offering follows the default rulebook in force.
    """
    if offering is not None and offering.rulebook is not None:
        terms = offering.rulebook.terms
    else:
        terms = rulebook_in_force(code=DEFAULT_RULEBOOK, as_of=clock.today()).terms
    return clock.add_business_days(now, terms.refund_instruction_business_days)


def instruct_refund(
    *,
    offering: Offering | None,
    amount_cents: int,
    reason: str,
    subscription: Subscription | None = None,
    payment: Payment | None = None,
    payee_id: int | None = None,
) -> Disbursement:
    """Owe ``amount_cents`` back to a purchaser: move it to refunds payable and instruct the
    bank (R13: without deduction, at once). The caller holds the offering's lock."""
    now = clock.now()
    offering_id = offering.pk if offering is not None else None
    ledger.move(
        kind="refund_instructed",
        offering_id=offering_id,
        amount_cents=amount_cents,
        debit=AccountKind.OWED_TO_PURCHASERS,
        credit=AccountKind.REFUNDS_PAYABLE,
        subscription_id=subscription.pk if subscription else None,
        memo=reason,
    )
    refund = Disbursement.objects.create(
        kind=DisbursementKind.REFUND,
        offering=offering,
        subscription=subscription,
        payment=payment,
        payee_id=payee_id,
        amount_cents=amount_cents,
        reason=reason,
        instructed_at=now,
        due_by=refund_due_by(now, offering),
    )
    render_refund_notice.delay_on_commit(refund.pk)
    return refund


def _locked_subscription(
    subscription_id: int | None,
) -> tuple[Offering | None, Subscription | None]:
    if subscription_id is None:
        return None, None
    offering_id = (
        Subscription.objects.filter(pk=subscription_id)
        .values_list("offering_id", flat=True)
        .first()
    )
    if offering_id is None:
        return None, None
    offering = (
        Offering.objects.select_for_update(of=("self",))
        .select_related("rulebook")
        .get(pk=offering_id)
    )
    return offering, Subscription.objects.select_for_update().get(pk=subscription_id)


def _refund_reason(
    subscription: Subscription | None, offering: Offering | None, amount_cents: int
) -> str | None:
    """Return why a succeeded payment cannot fund its subscription, or None if it can."""
    if subscription is None:
        return "unknown_subscription"
    if subscription.state != SubscriptionState.PENDING_PAYMENT:
        return f"subscription_{subscription.state}"
    if amount_cents != subscription.amount_cents:
        return "amount_mismatch"
    if offering.state not in FUNDABLE_OFFERING_STATES:
        return f"offering_{offering.state}"
    return None


def payment_record(
    *,
    event_id: str,
    subscription_reference: str,
    amount_cents: int,
    status: str,
    source: str,
    recorded_by: object | None = None,
) -> Payment:
    """Record a payment once per ``event_id`` (P03) and return it.

    A succeeded payment always enters trust. It funds its subscription when it
    is pending and the amount is exact; otherwise (withdrawn, expired or
    unknown subscription, a second payment, a wrong amount) it is refunded in
    full at once (R13). A failed payment is recorded and changes no money.
    A repeated or concurrent notification with the same event id returns the
    first record and changes nothing.
    """
    if status not in PaymentStatus.values:
        raise InvalidInput({"status": ["succeeded or failed"]}, rule="P03")
    try:
        with transaction.atomic():
            return _payment_record(
                event_id=event_id,
                reference=subscription_reference,
                amount_cents=amount_cents,
                status=status,
                source=source,
                recorded_by=recorded_by,
            )
    except IntegrityError:
        existing = Payment.objects.filter(event_id=event_id).first()
        if existing is None:
            raise
        return existing


def _payment_record(
    *,
    event_id: str,
    reference: str,
    amount_cents: int,
    status: str,
    source: str,
    recorded_by: object | None,
) -> Payment:
    existing = Payment.objects.filter(event_id=event_id).first()
    if existing is not None:
        return existing
    offering, subscription = _locked_subscription(
        int(reference) if reference.isascii() and reference.isdigit() else None
    )
    payment = Payment.objects.create(
        event_id=event_id,
        subscription=subscription,
        subscription_reference=reference[:64],
        amount_cents=amount_cents,
        status=status,
        source=source,
        outcome="failed",
        received_at=clock.now(),
        recorded_by=recorded_by,
    )
    subject = subscription.subject if subscription else f"payment:{payment.pk}"
    if status == PaymentStatus.FAILED:
        audit_append(
            actor=actor_of(recorded_by) if recorded_by else f"processor:{source}",
            action="payment.failed",
            subject=subject,
            data={"event_id": event_id, "amount_cents": amount_cents},
        )
        return payment
    offering_id = offering.pk if offering else None
    ledger.move(
        kind=ledger.PAYMENT_IN,
        offering_id=offering_id,
        amount_cents=amount_cents,
        debit=AccountKind.TRUST_CASH,
        credit=AccountKind.OWED_TO_PURCHASERS,
        subscription_id=subscription.pk if subscription else None,
        memo=event_id,
    )
    refusal = _refund_reason(subscription, offering, amount_cents)
    if refusal is None:
        subscription.fund()
        subscription.save()
        payment.outcome = "funded"
    else:
        instruct_refund(
            offering=offering,
            amount_cents=amount_cents,
            reason=refusal,
            subscription=subscription,
            payment=payment,
            payee_id=subscription.investor_id if subscription else None,
        )
        payment.outcome = f"refunded:{refusal}"
    payment.save(update_fields=["outcome"])
    audit_append(
        actor=actor_of(recorded_by) if recorded_by else f"processor:{source}",
        action="payment.received",
        subject=subject,
        data={
            "event_id": event_id,
            "offering": offering_id,
            "amount_cents": amount_cents,
            "outcome": payment.outcome,
        },
    )
    return payment


def refund_withdrawn_subscription(*, offering: Offering, subscription: Subscription) -> None:
    """Give back a funded subscription's money after the purchaser withdrew (R13, R14)."""
    instruct_refund(
        offering=offering,
        amount_cents=subscription.amount_cents,
        reason="withdrawn",
        subscription=subscription,
        payee_id=subscription.investor_id,
    )


@transaction.atomic
def disbursement_confirm(
    *, officer: object, disbursement_id: int, bank_reference: str
) -> Disbursement:
    """Record that the bank paid a payout or a refund; the cash leaves trust once."""
    if not officer.is_compliance_officer:
        raise PermissionDenied()
    if not bank_reference.strip():
        raise InvalidInput({"bank_reference": ["The bank's reference is required."]}, rule="R13")
    disbursement = Disbursement.objects.select_for_update().filter(pk=disbursement_id).first()
    if disbursement is None:
        raise NotFound()
    if disbursement.confirmed_at is not None:
        return disbursement
    payout = disbursement.kind == DisbursementKind.PAYOUT
    ledger.move(
        kind=ledger.PAYOUT_PAID if payout else ledger.REFUND_PAID,
        offering_id=disbursement.offering_id,
        amount_cents=disbursement.amount_cents,
        debit=AccountKind.PAYABLE_TO_ISSUER if payout else AccountKind.REFUNDS_PAYABLE,
        credit=AccountKind.TRUST_CASH,
        subscription_id=disbursement.subscription_id,
        memo=bank_reference,
    )
    disbursement.confirmed_at = clock.now()
    disbursement.bank_reference = bank_reference.strip()[:100]
    disbursement.save(update_fields=["confirmed_at", "bank_reference"])
    audit_append(
        actor=actor_of(officer),
        action=f"{disbursement.kind}.confirmed",
        subject=f"offering:{disbursement.offering_id}",
        data={
            "disbursement": disbursement.pk,
            "amount_cents": disbursement.amount_cents,
            "bank_reference": disbursement.bank_reference,
        },
    )
    return disbursement
