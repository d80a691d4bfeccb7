"""Suitability determinations by the registered dealer (the higher R09 limit)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from equity import clock
from equity.accounts.models import Role, User
from equity.compliance.audit import (
    actor_of,
    audit_append,
)
from equity.exceptions import (
    Conflict,
    InvalidInput,
    PermissionDenied,
)
from equity.investors.models import SuitabilityDetermination
from equity.offerings.models import Offering


@transaction.atomic
def suitability_record(
    *,
    officer: object,
    investor_id: int,
    offering_id: int,
    determined_by: str,
    determined_at: datetime,
    basis: str,
) -> SuitabilityDetermination:
    """Record a registered dealer's suitability determination (R09's higher limit)."""
    if not officer.is_compliance_officer:
        raise PermissionDenied()
    if not basis.strip() or not determined_by.strip():
        raise InvalidInput(
            {"basis": [_("The registered representative and the basis are required.")]}, rule="R09"
        )
    if not User.objects.filter(pk=investor_id, role=Role.INVESTOR).exists():
        raise InvalidInput({"investor": [_("Unknown investor.")]}, rule="R09")
    if not Offering.objects.filter(pk=offering_id).exists():
        raise InvalidInput({"offering": [_("Unknown offering.")]}, rule="R09")
    determination, created = SuitabilityDetermination.objects.get_or_create(
        investor_id=investor_id,
        offering_id=offering_id,
        defaults={
            "determined_by": determined_by.strip(),
            "determined_at": determined_at,
            "basis": basis.strip(),
            "recorded_by": officer,
            "recorded_at": clock.now(),
        },
    )
    if not created:
        raise Conflict(code="suitability_exists")
    audit_append(
        actor=actor_of(officer),
        action="suitability.recorded",
        subject=f"offering:{offering_id}",
        data={
            "investor": investor_id,
            "determined_by": determination.determined_by,
            "determined_at": determined_at.isoformat(),
        },
    )
    return determination
