"""Reads of signed documents: who may see which, and the record a file matches."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from equity.documents.models import PUBLIC_KINDS, PURCHASER_KINDS, Document, DocumentKind
from equity.exceptions import NotFound, PermissionDenied
from equity.offerings.models import Offering
from equity.offerings.selectors import offerings_visible_to


def _readable(user: object, offering: Offering) -> Q:
    """Return which of an offering's documents ``user`` may read, the offering being visible.

    Everyone: the offering document, amendment and closing notices. The
    issuer's owner: also the filing packages. A purchaser: also the documents
    of their own subscriptions. A compliance officer: everything.
    """
    if not getattr(user, "is_authenticated", False):
        return Q(kind__in=PUBLIC_KINDS)
    if user.is_compliance_officer:
        return Q()
    readable = Q(kind__in=PUBLIC_KINDS) | Q(kind__in=PURCHASER_KINDS, subscription__investor=user)
    if offering.issuer.owner_id == user.pk:
        readable |= Q(kind=DocumentKind.FILING_PACKAGE)
    return readable


def visible_offering(user: object, offering_id: int) -> Offering:
    """Return the offering if ``user`` may see it; 404 if unknown, 403 if not yet public."""
    offering = offerings_visible_to(user).filter(pk=offering_id).first()
    if offering is None:
        if Offering.objects.filter(pk=offering_id).exists():
            raise PermissionDenied()
        raise NotFound()
    return offering


def offering_documents(user: object, offering: Offering) -> QuerySet[Document]:
    """Return the documents of a visible offering that ``user`` may read, in issue order."""
    return offering.documents.filter(_readable(user, offering)).order_by(
        "signed_at", "kind", "reference", "version", "language"
    )


def document_for(user: object, document_id: object) -> Document:
    """Return the document ``user`` may read; 404 for anything else, so ids reveal nothing."""
    document = (
        Document.objects.select_related("offering__issuer", "subscription")
        .filter(pk=document_id)
        .first()
    )
    if (
        document is None
        or not offerings_visible_to(user).filter(pk=document.offering_id).exists()
        or not Document.objects.filter(_readable(user, document.offering), pk=document.pk).exists()
    ):
        raise NotFound()
    return document


def document_listing(document: Document) -> dict[str, Any]:
    """Return the contract's listing of one document (id, kind, version, language, sha256, url)."""
    return {
        "id": document.pk,
        "kind": document.kind,
        "version": document.version,
        "language": document.language,
        "sha256": document.sha256,
        "url": reverse("document-download", kwargs={"document_id": document.pk}),
    }


def public_documents(offering: Offering) -> list[dict[str, Any]]:
    """Return the listing of the documents anyone may read once the offering is public."""
    if not offering.is_public:
        return []
    documents = offering.documents.filter(kind__in=PUBLIC_KINDS).order_by(
        "signed_at", "kind", "version", "language"
    )
    return [document_listing(document) for document in documents]


def document_matching(sha256: str) -> Document | None:
    """Return the record of the file whose SHA-256 is ``sha256``, if the module issued it."""
    return Document.objects.filter(sha256=sha256).first()


def filing_packages_due(*, as_of: date) -> QuerySet[Document]:
    """Return the filing packages whose deadline is on or after ``as_of``, soonest first (R17)."""
    return Document.objects.filter(kind=DocumentKind.FILING_PACKAGE, due_on__gte=as_of).order_by(
        "due_on", "offering", "reference", "language"
    )
