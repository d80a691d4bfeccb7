"""Issue signed documents: render, sign, store by SHA-256, record and audit.

Every document goes the same way, in two steps. :func:`_sign` renders the
template in one language to PDF/A-3b, signs it (PAdES B-T) and stores it
under its SHA-256, holding no lock: that is the slow part. :func:`_record`
then writes the records and their audit events (``document.issued``) in one
short transaction, unless the caller's own event lists them (opening an
offering). Issuing is idempotent: a document that exists for a kind, subject,
reference, version and language is returned as it is, never replaced.

Lock order: :func:`_record` locks the offering, then the subscription, before
it appends to the audit chain, as every other writer does. On PostgreSQL the
foreign keys are checked at commit; locking first keeps that check from
waiting on a row while this transaction holds the chain's head.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
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


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed PDF in storage, not yet recorded."""

    identity: Mapping[str, object]
    document_id: int
    offering: Offering
    subscription: Subscription | None
    sha256: str
    file_name: str
    size: int
    signed_at: datetime
    due_on: date | None


def _identity(kind: str, subject: str, reference: str, version: int, language: str) -> dict:
    return {
        "kind": kind,
        "subject": subject,
        "reference": reference,
        "version": version,
        "language": language,
    }


def _sign(
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
) -> Signed | Document:
    """Render, sign and store one document; return the record instead if it was issued."""
    identity = _identity(kind, subject, reference, version, language)
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
    return Signed(
        identity=identity,
        document_id=document_id,
        offering=offering,
        subscription=subscription,
        sha256=sha256,
        file_name=name,
        size=len(signed),
        signed_at=now,
        due_on=due_on,
    )


@transaction.atomic
def _record(
    items: Sequence[Signed | Document], *, actor: str = "system", audit: bool = True
) -> list[Document]:
    """Record the signed documents and audit each one; the ones issued meanwhile stand."""
    offering_ids = sorted({item.offering.pk for item in items})
    subscription_ids = sorted(
        {item.subscription.pk for item in items if item.subscription is not None}
    )
    # Offering, then subscription, then the audit chain: the order of every writer.
    list(Offering.objects.select_for_update(no_key=True).filter(pk__in=offering_ids).values("pk"))
    list(
        Subscription.objects.select_for_update(no_key=True)
        .filter(pk__in=subscription_ids)
        .values("pk")
    )
    documents = []
    for item in items:
        if isinstance(item, Document):
            documents.append(item)
            continue
        existing = Document.objects.filter(**item.identity).first()
        if existing is not None:  # a second run of the same job got here first
            documents.append(existing)
            continue
        document = Document.objects.create(
            id=item.document_id,
            offering=item.offering,
            subscription=item.subscription,
            sha256=item.sha256,
            file_name=item.file_name,
            size=item.size,
            signer=signing_material().signer_name,
            signed_at=item.signed_at,
            due_on=item.due_on,
            **item.identity,
        )
        if audit:
            audit_append(
                actor=actor,
                action="document.issued",
                subject=document.subject,
                data=audit_data(document),
            )
        documents.append(document)
    return documents


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
    portal signs it. Inside a caller's transaction it is part of it; with
    ``audit=False`` the caller's own audit event lists the documents (see
    :func:`audit_data`).
    """
    facts = offering_facts(
        offering,
        version=version,
        opened_at=opened_at,
        closes_at=closes_at,
        certified_by=certified_by.full_name,
        certified_at=certified_at,
    )
    signed = [
        _sign(
            kind=DocumentKind.OFFERING_DOCUMENT,
            offering=offering,
            subject=offering.subject,
            language=language,
            version=version,
            context={"offering": facts},
            certification=_certification(
                individual=certified_by.full_name, offering=offering, language=language
            ),
        )
        for language in LANGUAGES
    ]
    return _record(signed, actor=actor, audit=audit)


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
    notices = [
        _sign(
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
    return documents + _record(notices)


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
    return _record(
        [
            _sign(
                kind=DocumentKind.RISK_ACKNOWLEDGEMENT,
                language=subscription.risk_acknowledgement.language,
                **common,
            ),
            _sign(
                kind=DocumentKind.SUBSCRIPTION_CONFIRMATION,
                language=_language_of(subscription.investor),
                **common,
            ),
        ]
    )


def _language_of(user: object) -> str:
    return "en" if getattr(user, "language", "fr") == "en" else "fr"


def closing_notice_issue(*, offering_id: int) -> list[Document]:
    """Issue the notice of closing of a closed offering, in French and English (R21)."""
    offering = Offering.objects.select_related("issuer", "rulebook").get(pk=offering_id)
    facts = closing_facts(offering)
    return _record(
        [
            _sign(
                kind=DocumentKind.CLOSING_NOTICE,
                offering=offering,
                subject=offering.subject,
                language=language,
                context={"closing": facts},
            )
            for language in LANGUAGES
        ]
    )


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
    return _record(
        [
            _sign(
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
    )


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
    [notice] = _record(
        [
            _sign(
                kind=DocumentKind.REFUND_NOTICE,
                offering=subscription.offering,
                subject=subscription.subject,
                subscription=subscription,
                reference=facts.reference,
                language=_language_of(subscription.investor),
                context={"refund": facts},
            )
        ]
    )
    return notice


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
