"""Withdrawing a subscription within its window (R14)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django_fsm import can_proceed

from equity import clock
from equity.compliance.audit import (
    actor_of,
    audit_append,
)
from equity.compliance.rules import check_withdrawal_window
from equity.exceptions import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from equity.investors.models import (
    Subscription,
    SubscriptionState,
)
from equity.offerings.models import Offering


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
