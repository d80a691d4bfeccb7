"""Read the database into the plain facts each document lays out (``content.py``)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from equity.compliance.rules import purchaser_limit_cents
from equity.documents.content import (
    AmendmentFacts,
    ClosingFacts,
    DocumentRef,
    IssuerFacts,
    OfferingFacts,
    PrincipalFacts,
    Purchase,
    RefundFacts,
    StatementFacts,
    SubscriptionFacts,
    change_lines,
    filing_deadline,
    province_totals,
)
from equity.documents.models import Document, DocumentKind
from equity.exceptions import Conflict
from equity.investors.models import RiskAcknowledgement, Subscription, SubscriptionState
from equity.investors.selectors import rendered_risk_form
from equity.offerings.models import Issuer, Offering, OfferingAmendment, OfferingState


def issuer_facts(issuer: Issuer) -> IssuerFacts:
    """Return the issuer as the documents name it."""
    return IssuerFacts(
        legal_name=issuer.legal_name,
        legal_form=issuer.legal_form,
        street=issuer.street,
        city=issuer.city,
        province=issuer.province,
        postal_code=issuer.postal_code,
        country=issuer.country,
        business_description=issuer.business_description,
    )


def amendment_facts(amendment: OfferingAmendment) -> AmendmentFacts:
    """Return one amendment as the documents state it."""
    return AmendmentFacts(
        number=amendment.number,
        amended_at=amendment.amended_at,
        summary=amendment.summary,
        changes=change_lines(amendment.changes),
    )


def offering_facts(
    offering: Offering,
    *,
    version: int,
    opened_at: datetime,
    closes_at: datetime,
    certified_by: str,
    certified_at: datetime,
) -> OfferingFacts:
    """Return what version ``version`` of the offering document states (R16).

    Version 1 is the document opened with; version *n* carries the first
    *n − 1* amendments.
    """
    terms = offering.rulebook.terms
    issuer = offering.issuer
    amendments = offering.amendments.filter(number__lt=version).order_by("number")
    return OfferingFacts(
        offering_id=offering.pk,
        title=offering.title,
        summary=offering.summary,
        issuer=issuer_facts(issuer),
        principals=tuple(
            PrincipalFacts(
                full_name=principal.full_name,
                roles=tuple(principal.roles),
                residence_country=principal.residence_country,
            )
            for principal in issuer.principals.order_by("pk")
        ),
        security_type=offering.security_type,
        currency=offering.currency,
        price_per_security_cents=offering.price_per_security_cents,
        minimum_amount_cents=offering.minimum_amount_cents,
        maximum_amount_cents=offering.maximum_amount_cents,
        annual_rate_bps=offering.annual_rate_bps,
        term_months=offering.term_months,
        interest_frequency=offering.interest_frequency,
        use_of_funds=offering.use_of_funds,
        risk_factors=offering.risk_factors,
        opened_at=opened_at,
        closes_at=closes_at,
        distribution_days=offering.distribution_days,
        max_distribution_days=terms.max_distribution_days,
        withdrawal_hours=terms.withdrawal_hours,
        purchaser_limit_cents=purchaser_limit_cents(
            terms,
            portal_is_registered_dealer=settings.EQUITY_PORTAL_REGISTERED_DEALER,
            suitability_recorded=False,
        ),
        purchaser_limit_with_advice_cents=(
            terms.purchaser_limit_with_advice_cents
            if settings.EQUITY_PORTAL_REGISTERED_DEALER
            else None
        ),
        rulebook_code=terms.code,
        rulebook_version=terms.version,
        rulebook_title_fr=offering.rulebook.title_fr,
        rulebook_title_en=offering.rulebook.title_en,
        portal_registered_dealer=settings.EQUITY_PORTAL_REGISTERED_DEALER,
        amendments=tuple(amendment_facts(amendment) for amendment in amendments),
        certified_by=certified_by,
        certified_at=certified_at,
    )


def subscription_facts(subscription: Subscription) -> SubscriptionFacts:
    """Return the subscription with its risk acknowledgement exactly as signed (R15).

    The statements are shown again from the form version, language and figures
    of the signature; their hash must equal the one recorded when the purchaser
    signed, or the acknowledgement is not reproduced at all.
    """
    acknowledgement = RiskAcknowledgement.objects.select_related("form").get(
        subscription=subscription
    )
    offering = subscription.offering
    investor = subscription.investor
    shown = rendered_risk_form(
        offering=offering, investor=investor, language=acknowledgement.language
    )
    if shown.form.pk != acknowledgement.form_id or shown.text_sha256 != acknowledgement.text_sha256:
        raise Conflict(code="risk_acknowledgement_not_reproducible", rule="R15")
    signed_codes = set(acknowledgement.statements)
    return SubscriptionFacts(
        subscription_id=subscription.pk,
        offering_id=offering.pk,
        offering_title=offering.title,
        issuer_name=offering.issuer.legal_name,
        security_type=offering.security_type,
        currency=subscription.currency,
        quantity=subscription.quantity,
        price_per_security_cents=offering.price_per_security_cents,
        amount_cents=subscription.amount_cents,
        subscribed_at=subscription.created_at,
        withdrawal_deadline=subscription.withdrawal_deadline,
        withdrawal_hours=offering.rulebook.terms.withdrawal_hours,
        purchaser_name=investor.full_name,
        purchaser_email=investor.email,
        purchaser_province=investor.province,
        form_version=acknowledgement.form.version,
        statements=tuple(
            StatementFacts(code=statement["code"], text=statement["text"])
            for statement in shown.statements
            if statement["code"] in signed_codes
        ),
        typed_name=acknowledgement.full_name,
        signed_at=acknowledgement.signed_at,
        ip_address=acknowledgement.ip_address or "",
        user_agent=acknowledgement.user_agent,
        text_sha256=acknowledgement.text_sha256,
    )


def offering_document_refs(offering: Offering) -> tuple[DocumentRef, ...]:
    """Return every version of the offering document, in both languages, oldest first."""
    return tuple(
        DocumentRef(
            document_id=document.pk,
            version=document.version,
            language=document.language,
            sha256=document.sha256,
        )
        for document in Document.objects.filter(
            offering=offering, kind=DocumentKind.OFFERING_DOCUMENT
        ).order_by("version", "language")
    )


def closing_facts(offering: Offering) -> ClosingFacts:
    """Return the closed distribution's totals by jurisdiction and its filing deadline (R17).

    Counts the subscriptions accepted at closing; refused unless the offering is closed.
    """
    if offering.state != OfferingState.CLOSED or offering.closed_at is None:
        raise Conflict(code="offering_not_closed", rule="R17")
    terms = offering.rulebook.terms
    closed_on = timezone.localtime(offering.closed_at).date()
    purchases = [
        Purchase(
            investor_id=investor_id,
            province=province or "—",
            quantity=quantity,
            amount_cents=amount_cents,
        )
        for investor_id, province, quantity, amount_cents in Subscription.objects.filter(
            offering=offering, state=SubscriptionState.ACCEPTED
        ).values_list("investor_id", "investor__province", "quantity", "amount_cents")
    ]
    return ClosingFacts(
        offering_id=offering.pk,
        offering_title=offering.title,
        issuer_name=offering.issuer.legal_name,
        head_office_province=offering.issuer.province,
        security_type=offering.security_type,
        currency=offering.currency,
        closed_at=offering.closed_at,
        closed_on=closed_on,
        filing_deadline=filing_deadline(closed_on, terms.filing_deadline_days),
        filing_deadline_days=terms.filing_deadline_days,
        totals=province_totals(purchases, head_office_province=offering.issuer.province),
        offering_documents=offering_document_refs(offering),
        amendments=tuple(
            amendment_facts(amendment) for amendment in offering.amendments.order_by("number")
        ),
    )


def refund_facts(
    subscription: Subscription,
    *,
    amount_cents: int,
    reason: str,
    reference: str,
    refunded_at: datetime,
) -> RefundFacts:
    """Return the refund of ``amount_cents`` to the subscription's purchaser (R13)."""
    offering = subscription.offering
    return RefundFacts(
        subscription_id=subscription.pk,
        offering_id=offering.pk,
        offering_title=offering.title,
        issuer_name=offering.issuer.legal_name,
        purchaser_name=subscription.investor.full_name,
        currency=subscription.currency,
        subscribed_cents=subscription.amount_cents,
        refunded_cents=amount_cents,
        reason=reason,
        reference=reference,
        refunded_at=refunded_at,
    )
