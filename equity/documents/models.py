"""Signed documents: the record of every PDF the module issued.

A :class:`Document` row describes one signed PDF: what it is (kind, subject,
version, language), which bytes (their SHA-256, which also names the file in
the ``documents`` storage), who signed it and when. Rows are immutable: an
amendment issues a new version and never touches the previous one, and the
database refuses an UPDATE (and, on PostgreSQL, a DELETE) of a row.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from equity.investors.models import Subscription
from equity.offerings.models import Offering


class DocumentKind(models.TextChoices):
    OFFERING_DOCUMENT = "offering_document", _("offering document (Form 45-110F1)")
    RISK_ACKNOWLEDGEMENT = "risk_acknowledgement", _("risk acknowledgement (Form 45-110F2)")
    SUBSCRIPTION_CONFIRMATION = "subscription_confirmation", _("subscription confirmation")
    AMENDMENT_NOTICE = "amendment_notice", _("notice of amendment")
    CLOSING_NOTICE = "closing_notice", _("notice of closing")
    REFUND_NOTICE = "refund_notice", _("notice of refund")
    FILING_PACKAGE = "filing_package", _("filing package")


PUBLIC_KINDS = (
    DocumentKind.OFFERING_DOCUMENT,
    DocumentKind.AMENDMENT_NOTICE,
    DocumentKind.CLOSING_NOTICE,
)
"""Kinds anyone who can see the offering may read; the others name a purchaser or a filing."""

PURCHASER_KINDS = (
    DocumentKind.RISK_ACKNOWLEDGEMENT,
    DocumentKind.SUBSCRIPTION_CONFIRMATION,
    DocumentKind.REFUND_NOTICE,
)
"""Kinds about one subscription, readable by its purchaser and compliance officers."""


def new_document_id() -> int:
    """Return a fresh document id: random, 16 digits, exact in JSON and JavaScript.

    The id is chosen before the document is rendered, because every page
    prints it; being random, it reveals neither how many documents exist nor
    which comes next.
    """
    return 10**15 + secrets.randbelow(2**53 - 10**15)


class Document(models.Model):
    """One signed PDF, stored under its SHA-256 (R16, R17, R18, R20).

    ``reference`` tells apart documents of one kind and subject that are not
    versions of each other: the jurisdiction of a filing package, the escrow's
    reference of a refund.
    """

    id = models.BigIntegerField(primary_key=True, default=new_document_id, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    subject = models.CharField(_("subject"), max_length=64, db_index=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="documents", verbose_name=_("offering")
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("subscription"),
    )
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=2)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    file_name = models.CharField(_("file name in storage"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    signer = models.CharField(_("signer"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    due_on = models.DateField(_("filing deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["offering", "kind", "reference", "version", "language"]
        indexes = [models.Index(fields=["offering", "kind"], name="document_offering_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "reference", "version", "language"],
                name="document_one_per_version_and_language",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="document_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(language__in=("fr", "en")), name="document_language_known"
            ),
            models.CheckConstraint(condition=Q(version__gt=0), name="document_version_positive"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} v{self.version} {self.language}"
