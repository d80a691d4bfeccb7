"""Writes of the compliance app: rulebook versions and the sandbox clock."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from equity import clock
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.models import Rulebook, SandboxClock
from equity.compliance.selectors import rulebook_in_use
from equity.compliance.terms import parse_terms
from equity.exceptions import InvalidInput, NotFound, RulebookInUse


def _validated_parameters(
    *,
    code: str,
    version: int,
    effective_from: date,
    superseded_on: date | None,
    parameters: dict[str, Any],
) -> None:
    try:
        parse_terms(
            code=code,
            version=version,
            effective_from=effective_from,
            superseded_on=superseded_on,
            parameters=parameters,
        )
    except ValueError as error:
        raise InvalidInput({"parameters": [str(error)]}) from None


@transaction.atomic
def rulebook_add_version(
    *,
    code: str,
    effective_from: date,
    parameters: dict[str, Any],
    title_en: str,
    title_fr: str,
    notes: str = "",
    superseded_on: date | None = None,
    created_by: object = None,
) -> Rulebook:
    """Add the next version of rulebook ``code`` (a correction never edits an old version)."""
    latest = Rulebook.objects.select_for_update().filter(code=code).order_by("-version").first()
    version = latest.version + 1 if latest else 1
    _validated_parameters(
        code=code,
        version=version,
        effective_from=effective_from,
        superseded_on=superseded_on,
        parameters=parameters,
    )
    rulebook = Rulebook.objects.create(
        code=code,
        version=version,
        title_en=title_en,
        title_fr=title_fr,
        effective_from=effective_from,
        superseded_on=superseded_on,
        parameters=parameters,
        notes=notes,
        created_at=clock.now(),
        created_by=created_by,
    )
    audit_append(
        actor=actor_of(created_by),
        action="rulebook.version_added",
        subject=f"rulebook:{code}",
        data={
            "version": version,
            "effective_from": effective_from.isoformat(),
            "superseded_on": superseded_on.isoformat() if superseded_on else None,
            "parameters": parameters,
            "notes": notes,
        },
    )
    return rulebook


@transaction.atomic
def rulebook_update(*, rulebook_id: int, changes: dict[str, Any], updated_by: object) -> Rulebook:
    """Change a version no offering has used yet; a version in use is refused."""
    rulebook = Rulebook.objects.select_for_update().filter(pk=rulebook_id).first()
    if rulebook is None:
        raise NotFound()
    if rulebook_in_use(rulebook):
        raise RulebookInUse()
    editable = {"title_en", "title_fr", "effective_from", "superseded_on", "parameters", "notes"}
    unknown = set(changes) - editable
    if unknown:
        raise InvalidInput({field: [_("This field cannot change.")] for field in sorted(unknown)})
    for field, value in changes.items():
        setattr(rulebook, field, value)
    _validated_parameters(
        code=rulebook.code,
        version=rulebook.version,
        effective_from=rulebook.effective_from,
        superseded_on=rulebook.superseded_on,
        parameters=rulebook.parameters,
    )
    rulebook.save()
    audit_append(
        actor=actor_of(updated_by),
        action="rulebook.version_updated",
        subject=f"rulebook:{rulebook.code}",
        data={
            "version": rulebook.version,
            "changed": sorted(changes),
            "parameters": rulebook.parameters,
        },
    )
    return rulebook


@transaction.atomic
def sandbox_clock_advance(*, seconds: int, actor: object) -> None:
    """Move the sandbox clock forward by ``seconds`` (never back, never in production)."""
    if not settings.EQUITY_SANDBOX:
        raise NotFound()
    if type(seconds) is not int or seconds <= 0 or seconds > 10 * 366 * 86400:
        raise InvalidInput(
            {"advance_seconds": [_("A positive number of seconds, at most ten years.")]}
        )
    SandboxClock.objects.select_for_update().get_or_create(pk=1)
    SandboxClock.objects.filter(pk=1).update(offset_seconds=F("offset_seconds") + seconds)
    audit_append(
        actor=actor_of(actor),
        action="sandbox.clock_advanced",
        subject="clock",
        data={"seconds": seconds, "now": clock.now().isoformat()},
    )
