"""Reads of rulebooks and the audit log."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from equity.compliance.models import AuditEvent, Rulebook
from equity.compliance.rules import Violation
from equity.exceptions import ComplianceViolation


def rulebook_in_force(*, code: str, as_of: date) -> Rulebook:
    """Return the newest version of ``code`` in force on ``as_of``.

    A correction is a higher version with a later (or equal) effective date,
    so the highest version already in effect and not superseded governs.
    """
    version = (
        Rulebook.objects.filter(code=code, effective_from__lte=as_of)
        .filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=as_of))
        .order_by("-version")
        .first()
    )
    if version is None:
        raise ComplianceViolation([Violation(None, "rulebook_not_in_force", {"rulebook": code})])
    return version


def rulebook_in_use(rulebook: Rulebook) -> bool:
    """Return whether any offering was judged under this version."""
    return rulebook.offerings.exists()


def audit_events(*, subject: str | None = None) -> QuerySet[AuditEvent]:
    """Return the audit events, oldest first, optionally of one subject (``offering:12``)."""
    events = AuditEvent.objects.order_by("seq")
    if subject:
        events = events.filter(subject=subject)
    return events


def audit_trail(*, subject: str | None = None) -> QuerySet[AuditEvent]:
    """Return the audit events, newest first, optionally of one subject (``offering:12``)."""
    return audit_events(subject=subject).order_by("-seq")
