"""Background jobs of purchasers: thin, idempotent, by id."""

from __future__ import annotations

from celery import shared_task

from equity.investors.notifications import send_amendment_notices, send_subscription_received


@shared_task(acks_late=True)
def notify_amendment(amendment_id: int) -> int:
    """Send the notice of an amendment to every subscriber not yet told (R16)."""
    return send_amendment_notices(amendment_id=amendment_id)


@shared_task(acks_late=True)
def notify_subscription_received(subscription_id: int) -> int:
    """Confirm a subscription to its purchaser (once)."""
    return send_subscription_received(subscription_id=subscription_id)
