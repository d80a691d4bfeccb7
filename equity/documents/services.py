"""Issue signed documents: render, sign, store by SHA-256, record and audit.

Every document goes the same way (:func:`_issue`): the template is rendered
in one language to PDF/A-3b, signed by the portal (PAdES B-T), stored under
its SHA-256 and recorded; the record is audited in the same transaction
(``document.issued``), unless the caller's own event lists it (opening an
offering). Issuing is idempotent: a document that exists for a kind, subject,
reference, version and language is returned as it is, never replaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from equity import clock
from equity.compliance.audit import audit_append
from equity.documents.content import Header
from equity.documents.facts import (
    amendment_facts,
    closing_facts,
    offering_facts,
    refund_facts,
    subscription_facts,
)
from equity.documents.models import Document, DocumentKind, new_document_id
from equity.documents.rendering import EmbeddedFile, render_pdf
from equity.documents.signing import Certification, sign_pdf, signing_material
from equity.documents.storage import read_pdf, store_pdf
from equity.investors.models import Subscription
from equity.offerings.models import Offering, OfferingAmendment

LANGUAGES = ("fr", "en")


def audit_data(document: Document) -> dict[str, object]:
    """Return what the audit chain keeps of a document."""
    data: dict[str, object] = {
        "document": document.pk,
        "kind": document.kind,
        "version": document.version,
        "language": document.language,
        "sha256": document.sha256,
    }
    if document.reference:
        data["reference"] = document.reference
    return data


def _signature_reason(kind: str, version: int, language: str) -> str:
    with translation.override(language):
        return _("Issued by %(portal)s: %(kind)s, version %(version)s") % {
            "portal": settings.EQUITY_PORTAL_NAME,
            "kind": DocumentKind(kind).label,
            "version": version,
        }


def _issue(
    *,
    kind: str,
    offering: Offering,
    subject: str,
    language: str,
    context: Mapping[str, object],
    version: int = 1,
    reference: str = "",
    subscription: Subscription | None = None,
    certification: Certification | None = None,
    attachments: Sequence[EmbeddedFile] = (),
    due_on: date | None = None,
    actor: str = "system",
    audit: bool = True,
) -> Document:
    """Render, sign, store and record one document; return the existing one if issued before."""
    identity = {
        "kind": kind,
        "subject": subject,
        "reference": reference,
        "version": version,
        "language": language,
    }
    existing = Document.objects.filter(**identity).first()
    if existing is not None:
        return existing
    document_id = new_document_id()
    now = clock.now()
    header = Header(
        document_id=document_id,
        version=version,
        issued_at=now,
        portal_name=settings.EQUITY_PORTAL_NAME,
    )
    pdf = render_pdf(
        kind, {**context, "header": header}, language=language, attachments=attachments
    )
    signed = sign_pdf(
        pdf, reason=_signature_reason(kind, version, language), certification=certification
    )
    sha256, name = store_pdf(signed)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                id=document_id,
                offering=offering,
                subscription=subscription,
                sha256=sha256,
                file_name=name,
                size=len(signed),
                signer=signing_material().signer_name,
                signed_at=now,
                due_on=due_on,
                **identity,
            )
    except IntegrityError:
        # A second run of the same job got here first; its document stands.
        return Document.objects.get(**identity)
    if audit:
        audit_append(
            actor=actor,
            action="document.issued",
            subject=subject,
            data=audit_data(document),
        )
    return document


def _certification(*, individual: str, offering: Offering, language: str) -> Certification:
    with translation.override(language):
        reason = _(
            "Certificate of the issuer (Form 45-110F1): this offering document does not contain "
            "a misrepresentation. Certified by %(individual)s, authorized individual of "
            "%(issuer)s."
        ) % {"individual": individual, "issuer": offering.issuer.legal_name}
    return Certification(individual=individual, reason=reason)


def offering_document_issue(
    *,
    offering: Offering,
    version: int,
    certified_by: object,
    certified_at: datetime,
    opened_at: datetime,
    closes_at: datetime,
    actor: str = "system",
    audit: bool = True,
) -> list[Document]:
    """Issue version ``version`` of the offering document in French and English (R16, P05).

    The issuer's authorized individual ``certified_by`` certifies it; the
    portal signs it. Runs in the caller's transaction; with ``audit=False``
    the caller's own audit event lists the documents (see :func:`audit_data`).
    """
    facts = offering_facts(
        offering,
        version=version,
        opened_at=opened_at,
        closes_at=closes_at,
        certified_by=certified_by.full_name,
        certified_at=certified_at,
    )
    return [
        _issue(
            kind=DocumentKind.OFFERING_DOCUMENT,
            offering=offering,
            subject=offering.subject,
            language=language,
            version=version,
            context={"offering": facts},
            certification=_certification(
                individual=certified_by.full_name, offering=offering, language=language
            ),
            actor=actor,
            audit=audit,
        )
        for language in LANGUAGES
    ]


@transaction.atomic
def amendment_documents_issue(*, amendment_id: int) -> list[Document]:
    """Issue the amended offering document (version = amendment + 1) and the notice (R16)."""
    amendment = OfferingAmendment.objects.select_related(
        "offering__issuer", "offering__rulebook", "amended_by"
    ).get(pk=amendment_id)
    offering = amendment.offering
    version = amendment.number + 1
    documents = offering_document_issue(
        offering=offering,
        version=version,
        certified_by=amendment.amended_by,
        certified_at=amendment.amended_at,
        opened_at=offering.opened_at,
        closes_at=offering.closes_at,
    )
    facts = offering_facts(
        offering,
        version=version,
        opened_at=offering.opened_at,
        closes_at=offering.closes_at,
        certified_by=amendment.amended_by.full_name,
        certified_at=amendment.amended_at,
    )
    deadline = amendment.amended_at + timedelta(hours=facts.withdrawal_hours)
    documents += [
        _issue(
            kind=DocumentKind.AMENDMENT_NOTICE,
            offering=offering,
            subject=offering.subject,
            language=language,
            version=amendment.number,
            context={
                "offering": facts,
                "amendment": amendment_facts(amendment),
                "new_version": version,
                "withdrawal_deadline": deadline,
            },
        )
        for language in LANGUAGES
    ]
    return documents


@transaction.atomic
def subscription_documents_issue(*, subscription_id: int) -> list[Document]:
    """Issue the purchaser's signed risk acknowledgement (R15) and confirmation (R18).

    The acknowledgement is in the language it was signed in; the confirmation
    in the purchaser's language.
    """
    subscription = Subscription.objects.select_related(
        "offering__issuer", "offering__rulebook", "investor", "risk_acknowledgement"
    ).get(pk=subscription_id)
    facts = subscription_facts(subscription)
    common = {
        "offering": subscription.offering,
        "subject": subscription.subject,
        "subscription": subscription,
        "context": {"subscription": facts},
    }
    return [
        _issue(
            kind=DocumentKind.RISK_ACKNOWLEDGEMENT,
            language=subscription.risk_acknowledgement.language,
            **common,
        ),
        _issue(
            kind=DocumentKind.SUBSCRIPTION_CONFIRMATION,
            language=_language_of(subscription.investor),
            **common,
        ),
    ]


def _language_of(user: object) -> str:
    return "en" if getattr(user, "language", "fr") == "en" else "fr"


@transaction.atomic
def closing_notice_issue(*, offering_id: int) -> list[Document]:
    """Issue the notice of closing of a closed offering, in French and English (R21)."""
    offering = Offering.objects.select_related("issuer", "rulebook").get(pk=offering_id)
    facts = closing_facts(offering)
    return [
        _issue(
            kind=DocumentKind.CLOSING_NOTICE,
            offering=offering,
            subject=offering.subject,
            language=language,
            context={"closing": facts},
        )
        for language in LANGUAGES
    ]


@transaction.atomic
def filing_packages_issue(*, offering_id: int) -> list[Document]:
    """Issue one filing package per jurisdiction of a closed distribution, in both languages (R17).

    A jurisdiction is the issuer's head office and every accepted purchaser's
    province. Each package states the totals by jurisdiction and the filing
    deadline (closing + the rulebook's ``filing_deadline_days``) and carries
    every signed version of the offering document as an attached file.
    """
    offering = Offering.objects.select_related("issuer", "rulebook").get(pk=offering_id)
    facts = closing_facts(offering)
    attachments = [
        EmbeddedFile(
            name=f"offering-{offering.pk}-v{filed.version}-{filed.language}.pdf",
            content=read_pdf(filed.file_name, sha256=filed.sha256),
            description=f"Form 45-110F1 v{filed.version} ({filed.language}) {filed.sha256}",
        )
        for filed in Document.objects.filter(
            offering=offering, kind=DocumentKind.OFFERING_DOCUMENT
        ).order_by("version", "language")
    ]
    return [
        _issue(
            kind=DocumentKind.FILING_PACKAGE,
            offering=offering,
            subject=offering.subject,
            reference=jurisdiction,
            language=language,
            context={"closing": facts, "jurisdiction": jurisdiction},
            attachments=attachments,
            due_on=facts.filing_deadline,
        )
        for jurisdiction in facts.jurisdictions
        for language in LANGUAGES
    ]


@transaction.atomic
def refund_notice_issue(*, disbursement_id: int) -> Document | None:
    """Issue the notice of one refund to its purchaser, in their language (R13).

    ``disbursement_id`` names the escrow's refund instruction; one notice per
    instruction, however many times the job runs. A refund of money that
    matched no subscription has no purchaser to write to: no notice.
    """
    from equity.escrow.models import Disbursement, DisbursementKind

    refund = Disbursement.objects.select_related(
        "subscription__offering__issuer", "subscription__investor"
    ).get(pk=disbursement_id, kind=DisbursementKind.REFUND)
    subscription = refund.subscription
    if subscription is None:
        return None
    facts = refund_facts(
        subscription,
        amount_cents=refund.amount_cents,
        reason=refund.reason,
        reference=f"disbursement:{refund.pk}",
        refunded_at=refund.instructed_at,
    )
    return _issue(
        kind=DocumentKind.REFUND_NOTICE,
        offering=subscription.offering,
        subject=subscription.subject,
        subscription=subscription,
        reference=facts.reference,
        language=_language_of(subscription.investor),
        context={"refund": facts},
    )


def refund_notices_issue(*, offering_id: int) -> list[Document]:
    """Issue the notice of every refund instructed for the offering's purchasers (R13).

    For the refunds a failed or cancelled offering instructs all at once.
    """
    from equity.escrow.models import Disbursement, DisbursementKind

    refunds = Disbursement.objects.filter(
        offering_id=offering_id, kind=DisbursementKind.REFUND, subscription__isnull=False
    ).order_by("pk")
    notices = [
        refund_notice_issue(disbursement_id=pk) for pk in refunds.values_list("pk", flat=True)
    ]
    return [notice for notice in notices if notice is not None]
