"""Background jobs of purchasers: thin, idempotent, by id."""

from __future__ import annotations

from celery import shared_task

from equity.documents.tasks import render_subscription_documents
from equity.investors.notifications import send_amendment_notices, send_subscription_received


@shared_task(acks_late=True)
def notify_amendment(amendment_id: int) -> int:
    """Send the notice of an amendment to every subscriber not yet told (R16)."""
    return send_amendment_notices(amendment_id=amendment_id)


@shared_task(acks_late=True)
def notify_subscription_received(subscription_id: int) -> int:
    """Confirm a subscription to its purchaser (once)."""
    return send_subscription_received(subscription_id=subscription_id)


@shared_task(acks_late=True)
def start_subscription_jobs(subscription_id: int) -> None:
    """Start a new subscription's jobs: the purchaser's confirmation and their documents.

    The request that subscribed publishes this one message and a worker publishes the
    two jobs, each on its own, so that one failing never holds back the other (both are
    idempotent, so a repeat of this job repeats nothing). Publishing a message was the
    largest share of a subscription's CPU, on the cores a hot offering's queue shares.
    """
    notify_subscription_received.delay(subscription_id)
    render_subscription_documents.delay(subscription_id)
