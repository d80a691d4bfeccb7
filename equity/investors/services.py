"""Subscriptions: create (R09, R11, R15), withdraw (R14), and suitability records (R09).

Every write locks the offering row first, so two purchasers racing for the
last securities, or one purchaser racing with themself, are decided one after
the other against the same totals (``select_for_update`` on PostgreSQL; an
IMMEDIATE transaction on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from equity import clock
from equity.accounts.models import Role, User
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.rules import (
    Violation,
    check_age_of_majority,
    check_offering_maximum,
    check_offering_open,
    check_purchase_amount,
    check_purchaser_limit,
    check_risk_acknowledgement,
    check_withdrawal_window,
)
from equity.documents.tasks import render_subscription_documents
from equity.exceptions import (
    ComplianceViolation,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from equity.geography import AGE_OF_MAJORITY
from equity.investors.models import (
    InvestorProfile,
    RiskAcknowledgement,
    Subscription,
    SubscriptionState,
    SuitabilityDetermination,
)
from equity.investors.selectors import (
    purchaser_committed_cents,
    purchaser_limit,
    rendered_risk_form,
)
from equity.investors.tasks import notify_subscription_received
from equity.offerings.models import Offering


@dataclass(frozen=True, slots=True)
class SignedAcknowledgement:
    """What the purchaser sent with the subscription, and where from (R15)."""

    form_version: str
    statements: list[str]
    full_name: str
    language: str
    ip_address: str | None
    user_agent: str


def _locked_open_offering(offering_id: int) -> Offering:
    offering = Offering.objects.select_for_update().filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    return offering


@transaction.atomic
def subscription_create(
    *,
    offering_id: int,
    investor: object,
    amount_cents: int,
    acknowledgement: SignedAcknowledgement,
) -> Subscription:
    """Record a purchaser's subscription, its signed risk acknowledgement and the audit event.

    Refused, with nothing written, when the offering is not open (or past its
    end), the purchaser is a minor, the amount is not a whole number of
    securities, the acknowledgement is missing or stale (R15), the purchaser's
    limit would be passed (R09) or the offering's maximum would be (R11).
    """
    if not investor.is_investor:
        raise PermissionDenied()
    # What does not depend on other purchasers is read before the lock, so the
    # locked section (R09 and R11 against live totals) stays short.
    offering = Offering.objects.select_related("rulebook").filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    now = clock.now()
    refusal = check_offering_open(state=offering.state, as_of=now, closes_at=offering.closes_at)
    if refusal:
        raise ComplianceViolation(refusal)
    profile = InvestorProfile.objects.filter(user=investor).first()
    if profile is None:
        raise ComplianceViolation([Violation(None, "purchaser_profile_required")])
    terms = offering.rulebook.terms
    limit_cents = purchaser_limit(offering=offering, investor=investor, terms=terms)
    form = rendered_risk_form(
        offering=offering,
        investor=investor,
        language=acknowledgement.language,
        limit_cents=limit_cents,
    )
    violations = [
        *check_age_of_majority(
            birth_date=profile.birth_date,
            age_of_majority=AGE_OF_MAJORITY.get(investor.province, 19),
            as_of=clock.today(),
        ),
        *check_purchase_amount(amount_cents, offering.price_per_security_cents),
        *check_risk_acknowledgement(
            form_version=acknowledgement.form_version,
            statements=acknowledgement.statements,
            full_name=acknowledgement.full_name,
            current_version=form.form.version,
            required_statements=form.codes,
            account_name=investor.full_name,
        ),
    ]
    if violations:
        raise ComplianceViolation(violations)
    offering = _locked_open_offering(offering_id)
    refusal = check_offering_open(state=offering.state, as_of=now, closes_at=offering.closes_at)
    if refusal:
        raise ComplianceViolation(refusal)
    violations = [
        *check_purchaser_limit(
            already_cents=purchaser_committed_cents(
                offering_id=offering.pk, investor_id=investor.pk
            ),
            amount_cents=amount_cents,
            limit_cents=limit_cents,
        ),
        *check_offering_maximum(
            raised_cents=offering.raised_cents,
            amount_cents=amount_cents,
            maximum_cents=offering.maximum_amount_cents,
        ),
    ]
    if violations:
        raise ComplianceViolation(violations)
    subscription = Subscription.objects.create(
        offering=offering,
        investor=investor,
        amount_cents=amount_cents,
        quantity=amount_cents // offering.price_per_security_cents,
        currency=offering.currency,
        created_at=now,
        withdrawal_deadline=now + timedelta(hours=terms.withdrawal_hours),
    )
    RiskAcknowledgement.objects.create(
        subscription=subscription,
        form=form.form,
        language=form.language,
        statements=acknowledgement.statements,
        text_sha256=form.text_sha256,
        full_name=acknowledgement.full_name.strip(),
        signed_at=now,
        ip_address=acknowledgement.ip_address,
        user_agent=acknowledgement.user_agent[:1000],
    )
    Offering.objects.filter(pk=offering.pk).update(raised_cents=F("raised_cents") + amount_cents)
    audit_append(
        actor=actor_of(investor),
        action="subscription.created",
        subject=subscription.subject,
        data={
            "offering": offering.pk,
            "amount_cents": amount_cents,
            "quantity": subscription.quantity,
            "withdrawal_deadline": subscription.withdrawal_deadline.isoformat(),
            "risk_form": form.form.version,
            "risk_text_sha256": form.text_sha256,
        },
    )
    notify_subscription_received.delay_on_commit(subscription.pk)
    render_subscription_documents.delay_on_commit(subscription.pk)
    return subscription


@transaction.atomic
def subscription_withdraw(*, investor: object, subscription_id: int) -> Subscription:
    """Withdraw a subscription within its window (R14); its amount frees up at once."""
    offering_id = (
        Subscription.objects.filter(pk=subscription_id)
        .values_list("offering_id", flat=True)
        .first()
    )
    if offering_id is None:
        raise NotFound()
    # Lock the offering before the subscription, in the same order as subscription_create.
    Offering.objects.select_for_update().values_list("pk", flat=True).get(pk=offering_id)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if subscription.investor_id != investor.pk:
        raise PermissionDenied()
    if not can_proceed(subscription.withdraw):
        raise InvalidTransition(
            state=subscription.state,
            state_label=str(SubscriptionState(subscription.state).label),
        )
    now = clock.now()
    expired = check_withdrawal_window(deadline=subscription.withdrawal_deadline, as_of=now)
    if expired:
        raise Conflict(expired[0].detail, code=expired[0].code, rule=expired[0].rule)
    previous = subscription.state
    subscription.withdraw()
    subscription.withdrawn_at = now
    subscription.save()
    if previous == SubscriptionState.FUNDED:
        from equity.escrow.services import refund_withdrawn_subscription

        refund_withdrawn_subscription(
            offering=Offering.objects.select_related("rulebook").get(pk=offering_id),
            subscription=subscription,
        )
    Offering.objects.filter(pk=offering_id).update(
        raised_cents=F("raised_cents") - subscription.amount_cents
    )
    audit_append(
        actor=actor_of(investor),
        action="subscription.withdrawn",
        subject=subscription.subject,
        data={
            "offering": offering_id,
            "from": previous,
            "to": subscription.state,
            "amount_cents": subscription.amount_cents,
        },
    )
    return subscription


@transaction.atomic
def suitability_record(
    *,
    officer: object,
    investor_id: int,
    offering_id: int,
    determined_by: str,
    determined_at: datetime,
    basis: str,
) -> SuitabilityDetermination:
    """Record a registered dealer's suitability determination (R09's higher limit)."""
    if not officer.is_compliance_officer:
        raise PermissionDenied()
    if not basis.strip() or not determined_by.strip():
        raise InvalidInput(
            {"basis": [_("The registered representative and the basis are required.")]}, rule="R09"
        )
    if not User.objects.filter(pk=investor_id, role=Role.INVESTOR).exists():
        raise InvalidInput({"investor": [_("Unknown investor.")]}, rule="R09")
    if not Offering.objects.filter(pk=offering_id).exists():
        raise InvalidInput({"offering": [_("Unknown offering.")]}, rule="R09")
    determination, created = SuitabilityDetermination.objects.get_or_create(
        investor_id=investor_id,
        offering_id=offering_id,
        defaults={
            "determined_by": determined_by.strip(),
            "determined_at": determined_at,
            "basis": basis.strip(),
            "recorded_by": officer,
            "recorded_at": clock.now(),
        },
    )
    if not created:
        raise Conflict(code="suitability_exists")
    audit_append(
        actor=actor_of(officer),
        action="suitability.recorded",
        subject=f"offering:{offering_id}",
        data={
            "investor": investor_id,
            "determined_by": determination.determined_by,
            "determined_at": determined_at.isoformat(),
        },
    )
    return determination
