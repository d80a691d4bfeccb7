"""Background jobs of the trust ledger: thin, idempotent, by id."""

from __future__ import annotations

from celery import shared_task

from equity.escrow.settlement import offering_settle
from equity.investors.notifications import send_closing_results


@shared_task(acks_late=True)
def settle_offering(offering_id: int) -> str:
    """Settle a closing offering whose windows have ended; a second run does nothing."""
    state = offering_settle(offering_id=offering_id).state
    send_closing_results(offering_id=offering_id)
    return state
