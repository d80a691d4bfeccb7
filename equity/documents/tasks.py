"""Background jobs that issue documents: thin, idempotent, by id.

Each job may run twice (``acks_late``); issuing a document that exists
returns it unchanged, so a repeat issues nothing new.
"""

from __future__ import annotations

from celery import shared_task

from equity.documents import services
from equity.offerings.models import Offering, OfferingState


@shared_task(acks_late=True)
def render_subscription_documents(subscription_id: int) -> list[int]:
    """Issue a new subscription's risk acknowledgement (R15) and confirmation (R18)."""
    documents = services.subscription_documents_issue(subscription_id=subscription_id)
    return [document.pk for document in documents]


@shared_task(acks_late=True)
def render_amendment_documents(amendment_id: int) -> list[int]:
    """Issue the amended offering document and the notice of amendment (R16)."""
    documents = services.amendment_documents_issue(amendment_id=amendment_id)
    return [document.pk for document in documents]


@shared_task(acks_late=True)
def render_closing_documents(offering_id: int) -> list[int]:
    """Issue the notice of closing (R21) and the filing package of each jurisdiction (R17).

    Only for an offering that closed: one that failed distributed nothing, so
    there is nothing to file; its purchasers get their notices of refund.
    """
    if not Offering.objects.filter(pk=offering_id, state=OfferingState.CLOSED).exists():
        return []
    documents = [
        *services.closing_notice_issue(offering_id=offering_id),
        *services.filing_packages_issue(offering_id=offering_id),
    ]
    return [document.pk for document in documents]


@shared_task(acks_late=True)
def render_refund_notice(disbursement_id: int) -> int | None:
    """Issue the notice of one refund to its purchaser (R13)."""
    document = services.refund_notice_issue(disbursement_id=disbursement_id)
    return document.pk if document else None


@shared_task(acks_late=True)
def render_refund_notices(offering_id: int) -> list[int]:
    """Issue the notice of every refund of a failed or cancelled offering (R13)."""
    return [document.pk for document in services.refund_notices_issue(offering_id=offering_id)]
