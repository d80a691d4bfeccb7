"""Reads for purchasers: the risk acknowledgement to sign, limits and subscriptions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet, Sum

from equity import clock
from equity.compliance.rules import purchaser_limit_cents
from equity.compliance.terms import RulebookTerms
from equity.exceptions import NotFound
from equity.investors.models import (
    LIVE_STATES,
    RiskAcknowledgementForm,
    Subscription,
    SuitabilityDetermination,
)
from equity.money import Money
from equity.offerings.models import Offering


@dataclass(frozen=True, slots=True)
class RenderedForm:
    """The risk acknowledgement exactly as shown to one purchaser for one offering (R15)."""

    form: RiskAcknowledgementForm
    language: str
    statements: list[dict[str, str]]

    @property
    def codes(self) -> list[str]:
        return [statement["code"] for statement in self.statements]

    @property
    def text_sha256(self) -> str:
        shown = json.dumps(self.statements, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(shown.encode()).hexdigest()


def current_risk_form() -> RiskAcknowledgementForm:
    """Return the newest form version in effect."""
    form = (
        RiskAcknowledgementForm.objects.filter(effective_from__lte=clock.now())
        .order_by("-effective_from")
        .first()
    )
    if form is None:
        raise NotFound()
    return form


def _statement_text(statement: dict[str, str], language: str) -> str:
    """Return the statement's text in ``language``, in the variant for the portal's status (R19)."""
    registered = f"{language}_registered"
    if settings.EQUITY_PORTAL_REGISTERED_DEALER and registered in statement:
        return statement[registered]
    return statement[language]


def rendered_risk_form(
    *, offering: Offering, investor: object, language: str, limit_cents: int | None = None
) -> RenderedForm:
    """Return the current form's statements for this purchaser and offering, in ``language``."""
    language = "en" if language.startswith("en") else "fr"
    form = current_risk_form()
    terms = offering.rulebook.terms
    figures = {
        "portal": settings.EQUITY_PORTAL_NAME,
        "limit": Money(
            limit_cents
            if limit_cents is not None
            else purchaser_limit(offering=offering, investor=investor, terms=terms)
        ).format(language),
        "hours": terms.withdrawal_hours,
    }
    statements = [
        {"code": statement["code"], "text": _statement_text(statement, language).format(**figures)}
        for statement in form.statements
    ]
    return RenderedForm(form=form, language=language, statements=statements)


def purchaser_limit(*, offering: Offering, investor: object, terms: RulebookTerms) -> int:
    """Return the purchaser's R09 limit in this offering."""
    suitability = SuitabilityDetermination.objects.filter(
        investor=investor, offering=offering
    ).exists()
    return purchaser_limit_cents(
        terms,
        portal_is_registered_dealer=settings.EQUITY_PORTAL_REGISTERED_DEALER,
        suitability_recorded=suitability,
    )


def purchaser_committed_cents(*, offering_id: int, investor_id: int) -> int:
    """Return what the purchaser has live (pending, funded, accepted) in the offering (R09)."""
    total = Subscription.objects.filter(
        offering_id=offering_id, investor_id=investor_id, state__in=LIVE_STATES
    ).aggregate(total=Sum("amount_cents"))["total"]
    return total or 0


def subscriber_count(offering: Offering) -> int:
    """Return how many purchasers hold a live subscription in the offering."""
    return Subscription.objects.filter(offering=offering, state__in=LIVE_STATES).aggregate(
        purchasers=Count("investor", distinct=True)
    )["purchasers"]


def subscriptions_visible_to(user: object) -> QuerySet[Subscription]:
    """Return the subscriptions ``user`` may read: their own, or all for officers."""
    subscriptions = Subscription.objects.select_related("offering")
    if user.is_compliance_officer:
        return subscriptions
    return subscriptions.filter(investor=user)
