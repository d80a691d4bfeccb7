"""Closing and settlement: stop subscriptions, then accept and release, or refund everything.

Design overview: ``offering_close`` stops an offering taking subscriptions
(at ``closes_at``, or earlier at the issuer's request once the minimum is
reached). ``offering_settle`` runs once every withdrawal window has ended
(R14): it re-checks R11 and R08 with the actual closing date, then either
accepts the funded subscriptions, expires the unpaid ones, records the
securities register (R18) and instructs the payout, or refunds every held
cent (R13). Settlement is one database transaction of set-based statements:
a crash half way leaves nothing, a second run finds the offering settled and
does nothing, and the number of queries does not depend on the number of
subscriptions.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Max, Sum

from equity import clock
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.rules import Violation, check_closing
from equity.documents.tasks import render_closing_documents, render_refund_notices
from equity.escrow import ledger
from equity.escrow.models import AccountKind, Disbursement, DisbursementKind, SecurityHolding
from equity.escrow.services import refund_due_by
from equity.exceptions import (
    ComplianceViolation,
    LedgerImbalance,
    NotFound,
    PermissionDenied,
)
from equity.investors.models import WITHDRAWABLE_STATES, Subscription, SubscriptionState
from equity.offerings.models import Offering, OfferingState
from equity.offerings.selectors import group_cap_usage, issuer_group_ids
from equity.offerings.services.offerings import apply_transition, transition_refused

RESALE_LEGEND_EN = (
    "Unless permitted under securities legislation, the holder of this security must not "
    "trade the security before the date that is 4 months and a day after the date the issuer "
    "becomes a reporting issuer in any province or territory."
)
RESALE_LEGEND_FR = (
    "Sauf si la législation en valeurs mobilières le permet, le porteur de ce titre ne doit "
    "pas effectuer d’opération sur le titre avant la date qui tombe 4 mois et un jour après "
    "la date à laquelle l’émetteur devient émetteur assujetti dans une province ou un "
    "territoire."
)
# The documents print the same legend from their template (documents/resale_legend.html,
# translated by the catalogue); a test holds the two equal in both languages.
RESALE_LEGEND = f"{RESALE_LEGEND_EN} / {RESALE_LEGEND_FR}"
"""R18: the legend carried by every holding of a non-reporting issuer (indefinite hold)."""


def _locked(offering_id: int) -> Offering:
    offering = (
        Offering.objects.select_for_update(of=("self",))
        .select_related("rulebook")
        .filter(pk=offering_id)
        .first()
    )
    if offering is None:
        raise NotFound()
    return offering


def _insert_from_subscriptions(table: str, columns: str, select: str, params: list) -> None:
    """Run one INSERT … SELECT over an offering's subscriptions (set-based, no Python loop)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {select} "  # noqa: S608 - from _meta
            f"FROM {Subscription._meta.db_table} WHERE offering_id = %s AND state = %s",
            params,
        )


@transaction.atomic
def offering_close(*, offering_id: int, actor: object | None = None) -> Offering:
    """Stop taking subscriptions and settle at once if every window has ended.

    With an ``actor``, the issuer closes early, which needs the minimum reached
    (R11); without one, the module closes the offering at ``closes_at``.
    """
    offering = _locked(offering_id)
    now = clock.now()
    if actor is not None:
        if offering.issuer.owner_id != actor.pk:
            raise PermissionDenied()
        if offering.state != OfferingState.OPEN:
            raise transition_refused(offering)
        funded_cents = (
            Subscription.objects.filter(
                offering=offering, state=SubscriptionState.FUNDED
            ).aggregate(total=Sum("amount_cents"))["total"]
            or 0
        )
        if funded_cents < offering.minimum_amount_cents:
            raise ComplianceViolation(
                [
                    Violation(
                        "R11",
                        "minimum_not_reached_for_early_close",
                        {"minimum_cents": offering.minimum_amount_cents},
                    )
                ]
            )
    elif (
        offering.closes_at is None
        or now < offering.closes_at
        or offering.state not in (OfferingState.OPEN, OfferingState.SUSPENDED)
    ):
        return offering  # not due, or already closed by another run: nothing to do
    previous = apply_transition(offering, offering.close)
    offering.closing_started_at = now
    offering.save()
    audit_append(
        actor=actor_of(actor),
        action="offering.closing",
        subject=offering.subject,
        data={
            "from": previous,
            "to": offering.state,
            "early": actor is not None,
            "live_cents": offering.raised_cents,
        },
    )
    return offering_settle(offering_id=offering.pk)


@transaction.atomic
def close_if_due(*, offering_id: int) -> bool:
    """Close an offering whose period has ended; return False if it was not due or another
    run closed it first."""
    offering = _locked(offering_id)
    due = (
        offering.closes_at is not None
        and clock.now() >= offering.closes_at
        and offering.state in (OfferingState.OPEN, OfferingState.SUSPENDED)
    )
    if due:
        offering_close(offering_id=offering_id)
    return due


@transaction.atomic
def offering_settle(*, offering_id: int) -> Offering:
    """Settle a closing offering once every withdrawal window has ended; else do nothing."""
    offering = _locked(offering_id)
    if offering.state != OfferingState.CLOSING:
        return offering
    now = clock.now()
    subscriptions = Subscription.objects.filter(offering=offering)
    last_window = subscriptions.filter(state__in=WITHDRAWABLE_STATES).aggregate(
        last=Max("withdrawal_deadline")
    )["last"]
    if last_window is not None and now <= last_window:
        return offering
    terms = offering.rulebook.terms
    funded_cents = (
        subscriptions.filter(state=SubscriptionState.FUNDED).aggregate(total=Sum("amount_cents"))[
            "total"
        ]
        or 0
    )
    usage = group_cap_usage(
        issuer_group_ids(offering.issuer_id),
        as_of=clock.today(),
        terms=terms,
        excluding_offering_id=offering.pk,
    )
    violations = check_closing(
        accepted_cents=funded_cents,
        minimum_cents=offering.minimum_amount_cents,
        raised_in_window_cents=usage.raised_cents,
        terms=terms,
    )
    if violations:
        _settle_failed(offering, violations)
    else:
        _settle_closed(offering, funded_cents)
    if ledger.balances(offering.pk)[AccountKind.OWED_TO_PURCHASERS] != 0:
        raise LedgerImbalance(f"offering {offering.pk} still owes purchasers after settlement")
    return offering


def _settle_closed(offering: Offering, funded_cents: int) -> None:
    now = clock.now()
    ledger.post_per_subscription(
        kind="acceptance",
        offering_id=offering.pk,
        state=SubscriptionState.FUNDED,
        debit=AccountKind.OWED_TO_PURCHASERS,
        credit=AccountKind.PAYABLE_TO_ISSUER,
    )
    holding = SecurityHolding._meta
    _insert_from_subscriptions(
        holding.db_table,
        "offering_id, subscription_id, holder_id, security_class, quantity, "
        "certificate_number, issued_on, legend",
        "offering_id, id, investor_id, %s, quantity, %s || CAST(id AS TEXT), %s, %s",
        [
            offering.security_type,
            f"{offering.pk}-",
            connection.ops.adapt_datefield_value(clock.today()),
            RESALE_LEGEND,
            offering.pk,
            SubscriptionState.FUNDED,
        ],
    )
    subscriptions = Subscription.objects.filter(offering=offering)
    # Bulk state changes bypass the per-row transitions on purpose: settlement is set-based.
    accepted = subscriptions.filter(state=SubscriptionState.FUNDED).update(
        state=SubscriptionState.ACCEPTED
    )
    expired = subscriptions.filter(state=SubscriptionState.PENDING_PAYMENT).update(
        state=SubscriptionState.EXPIRED
    )
    payout = None
    if funded_cents:
        payout = Disbursement.objects.create(
            kind=DisbursementKind.PAYOUT,
            offering=offering,
            payee=offering.issuer.owner,
            amount_cents=funded_cents,
            reason="closing",
            instructed_at=now,
            due_by=refund_due_by(now, offering),
        )
    render_closing_documents.delay_on_commit(offering.pk)
    offering.settle()
    offering.raised_cents = funded_cents
    offering.closed_at = now
    offering.save()
    audit_append(
        actor="system",
        action="offering.closed",
        subject=offering.subject,
        data={
            "accepted": accepted,
            "accepted_cents": funded_cents,
            "expired": expired,
            "payout": payout.pk if payout else None,
        },
    )


def refund_live_subscriptions(offering: Offering, *, reason: str) -> tuple[int, int]:
    """Refund every funded subscription and expire every unpaid one (failure, cancellation).

    Return how many were refunded and expired. The caller holds the offering's lock.
    """
    now = clock.now()
    ledger.post_per_subscription(
        kind="refund_instructed",
        offering_id=offering.pk,
        state=SubscriptionState.FUNDED,
        debit=AccountKind.OWED_TO_PURCHASERS,
        credit=AccountKind.REFUNDS_PAYABLE,
        memo=reason,
    )
    disbursement = Disbursement._meta
    _insert_from_subscriptions(
        disbursement.db_table,
        "kind, offering_id, subscription_id, payee_id, amount_cents, reason, instructed_at, "
        "due_by, bank_reference",
        "%s, offering_id, id, investor_id, amount_cents, %s, %s, %s, ''",
        [
            DisbursementKind.REFUND,
            reason,
            connection.ops.adapt_datetimefield_value(now),
            connection.ops.adapt_datetimefield_value(refund_due_by(now, offering)),
            offering.pk,
            SubscriptionState.FUNDED,
        ],
    )
    render_refund_notices.delay_on_commit(offering.pk)
    subscriptions = Subscription.objects.filter(offering=offering)
    refunded = subscriptions.filter(state=SubscriptionState.FUNDED).update(
        state=SubscriptionState.REFUNDED
    )
    expired = subscriptions.filter(state=SubscriptionState.PENDING_PAYMENT).update(
        state=SubscriptionState.EXPIRED
    )
    return refunded, expired


def _settle_failed(offering: Offering, violations: list[Violation]) -> None:
    refunded, expired = refund_live_subscriptions(offering, reason="offering_failed")
    render_closing_documents.delay_on_commit(offering.pk)
    offering.fail()
    offering.raised_cents = 0
    offering.closed_at = clock.now()
    offering.save()
    audit_append(
        actor="system",
        action="offering.failed",
        subject=offering.subject,
        data={
            "rules": [violation.code for violation in violations],
            "refunded": refunded,
            "expired": expired,
        },
    )


def run_due_deadlines() -> dict[str, int]:
    """Close the offerings whose period has ended and settle those whose windows have;
    return how many of each. Safe to run any number of times.

    One offering's failure does not hold the others back: the sweep goes on,
    then raises the first error so that it is logged and retried.
    """
    now = clock.now()
    errors: list[Exception] = []

    def attempt(step: Callable[[], bool]) -> int:
        try:
            return int(step())
        except Exception as error:
            errors.append(error)
            return 0

    due = Offering.objects.filter(
        state__in=(OfferingState.OPEN, OfferingState.SUSPENDED), closes_at__lte=now
    ).values_list("pk", flat=True)
    closed = sum(attempt(lambda pk=pk: close_if_due(offering_id=pk)) for pk in list(due))
    closing = Offering.objects.filter(state=OfferingState.CLOSING).values_list("pk", flat=True)
    settled = sum(
        attempt(lambda pk=pk: offering_settle(offering_id=pk).state != OfferingState.CLOSING)
        for pk in list(closing)
    )
    if errors:
        raise errors[0]
    return {"closed": closed, "settled": settled}
