"""Rulebooks (versioned data), the hash-chained audit log and the sandbox clock."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from equity.compliance.terms import RulebookTerms, parse_terms


class Rulebook(models.Model):
    """One immutable version of an exemption's parameters (RULES.md, first section).

    An offering records the version it was submitted under; once any offering
    points at a version, the version can no longer change: a correction is a
    new version with its own effective date.
    """

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="rulebook_code_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(superseded_on__isnull=True) | Q(superseded_on__gt=F("effective_from")),
                name="rulebook_superseded_after_effective",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def terms(self) -> RulebookTerms:
        """Return the typed parameters the pure rules read."""
        return parse_terms(
            code=self.code,
            version=self.version,
            effective_from=self.effective_from,
            superseded_on=self.superseded_on,
            parameters=self.parameters,
        )


class AuditEvent(models.Model):
    """One link of the tamper-evident audit chain (P02).

    ``hash`` is SHA-256 over the previous hash and the canonical JSON of the
    event; changing any stored field, or removing an event, breaks the chain
    at that event. The table is append-only: a database trigger refuses
    UPDATE and DELETE.

    The event's data is stored as its canonical JSON text, the very bytes that
    enter the hash: verifying the chain concatenates stored text and hashes it,
    with no JSON decoded or encoded again. :attr:`data` parses it for reading.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("at"))
    actor = models.CharField(_("actor"), max_length=64)
    action = models.CharField(_("action"), max_length=64)
    subject = models.CharField(_("subject"), max_length=64, db_index=True)
    data_json = models.TextField(_("data (canonical JSON)"), default="{}")
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gt=0), name="audit_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject}"

    @property
    def data(self) -> dict[str, object]:
        """Return the event's data, parsed from its stored canonical JSON."""
        return json.loads(self.data_json)


class AuditHead(models.Model):
    """The chain's last sequence number, hash and time: one row, locked by every append.

    Locking this row serializes appends, so the chain stays linear however
    many transactions write events at once.
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField(null=True, blank=True, help_text="The last event's time.")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="audit_head_singleton")]

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class SandboxClock(models.Model):
    """How far the sandbox clock runs ahead of real time (CONTRACT.md, sandbox clock)."""

    offset_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="sandbox_clock_singleton"),
            models.CheckConstraint(
                condition=Q(offset_seconds__gte=0), name="sandbox_clock_never_back"
            ),
        ]

    def __str__(self) -> str:
        return f"sandbox clock +{self.offset_seconds}s"


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an ``Idempotency-Key`` (P03).

    A repeat with the same key and body gets this response again; the same key
    with another body is refused. Stored in the transaction of the write itself.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=200)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
