"""Reads for purchasers: the risk acknowledgement to sign, limits and subscriptions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import BooleanField, Case, Count, QuerySet, Sum, Value, When

from equity import clock
from equity.compliance.rules import purchaser_limit_cents
from equity.compliance.terms import RulebookTerms
from equity.documents.models import PURCHASER_KINDS, Document
from equity.exceptions import NotFound
from equity.investors.models import (
    LIVE_STATES,
    WITHDRAWABLE_STATES,
    RiskAcknowledgementForm,
    Subscription,
    SuitabilityDetermination,
)
from equity.money import Money
from equity.offerings.models import LegalForm, Offering, OfferingState


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


# --- pages for purchasers -------------------------------------------------------------------

SOCIAL_ECONOMY_FORMS = (LegalForm.COOPERATIVE, LegalForm.NON_PROFIT)
"""Legal forms of social-economy enterprises: co-operatives and non-profits."""

RECENTLY_CLOSED_DAYS = 60
"""How long a distribution that ended stays listed after its end."""


@dataclass(frozen=True, slots=True)
class PurchaserHeadroom:
    """How much more a purchaser may put in one distribution (R09)."""

    limit_cents: int
    committed_cents: int

    @property
    def remaining_cents(self) -> int:
        return max(0, self.limit_cents - self.committed_cents)


@dataclass(frozen=True, slots=True)
class SubscriptionTerms:
    """What a purchaser is shown before subscribing: their headroom and the form to sign."""

    offering: Offering
    headroom: PurchaserHeadroom
    risk_form: RenderedForm

    @property
    def offering_room_cents(self) -> int:
        """Return what the offering may still raise before its maximum (R11)."""
        return max(0, self.offering.maximum_amount_cents - self.offering.raised_cents)


def _listed_offerings(
    *, province: str = "", security_type: str = "", social_economy: bool = False
) -> QuerySet[Offering]:
    offerings = Offering.objects.filter(opened_at__isnull=False).select_related("issuer")
    if province:
        offerings = offerings.filter(issuer__province=province)
    if security_type:
        offerings = offerings.filter(security_type=security_type)
    if social_economy:
        offerings = offerings.filter(issuer__legal_form__in=SOCIAL_ECONOMY_FORMS)
    return offerings


def open_offerings(
    *, province: str = "", security_type: str = "", social_economy: bool = False
) -> QuerySet[Offering]:
    """Return the offerings taking subscriptions, closing soonest first, filtered as asked."""
    return (
        _listed_offerings(
            province=province, security_type=security_type, social_economy=social_economy
        )
        .filter(state=OfferingState.OPEN, closes_at__gt=clock.now())
        .order_by("closes_at", "pk")
    )


def recently_ended_offerings(
    *, province: str = "", security_type: str = "", social_economy: bool = False
) -> QuerySet[Offering]:
    """Return the distributions that ended in the last ``RECENTLY_CLOSED_DAYS``, newest first."""
    now = clock.now()
    return (
        _listed_offerings(
            province=province, security_type=security_type, social_economy=social_economy
        )
        .filter(
            state__in=(OfferingState.CLOSING, OfferingState.CLOSED, OfferingState.FAILED),
            closes_at__gte=now - timedelta(days=RECENTLY_CLOSED_DAYS),
        )
        .order_by("-closes_at", "-pk")
    )


def public_offering(offering_id: int) -> Offering | None:
    """Return the offering if it was ever made available to purchasers, with its issuer."""
    return (
        Offering.objects.filter(pk=offering_id, opened_at__isnull=False)
        .select_related("issuer", "rulebook")
        .prefetch_related("issuer__principals", "amendments")
        .first()
    )


def purchaser_headroom(*, offering: Offering, investor: object) -> PurchaserHeadroom:
    """Return the purchaser's R09 limit in the offering and what they already committed."""
    return PurchaserHeadroom(
        limit_cents=purchaser_limit(
            offering=offering, investor=investor, terms=offering.rulebook.terms
        ),
        committed_cents=purchaser_committed_cents(offering_id=offering.pk, investor_id=investor.pk),
    )


def subscription_terms(*, offering: Offering, investor: object, language: str) -> SubscriptionTerms:
    """Return the purchaser's headroom (R09) and the risk form to sign (R15), in ``language``."""
    headroom = purchaser_headroom(offering=offering, investor=investor)
    return SubscriptionTerms(
        offering=offering,
        headroom=headroom,
        risk_form=rendered_risk_form(
            offering=offering,
            investor=investor,
            language=language,
            limit_cents=headroom.limit_cents,
        ),
    )


def purchaser_subscriptions(*, investor: object, as_of: datetime) -> QuerySet[Subscription]:
    """Return the purchaser's subscriptions, newest first, each marked ``withdrawable`` (R14)."""
    return (
        Subscription.objects.filter(investor=investor)
        .select_related("offering__issuer")
        .annotate(
            withdrawable=Case(
                When(
                    state__in=WITHDRAWABLE_STATES,
                    withdrawal_deadline__gte=as_of,
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-created_at", "-pk")
    )


def purchaser_subscription(*, investor: object, subscription_id: int) -> Subscription | None:
    """Return the purchaser's own subscription ``subscription_id``, or None for anyone else's."""
    return (
        Subscription.objects.filter(pk=subscription_id, investor=investor)
        .select_related("offering__issuer", "offering__rulebook")
        .first()
    )


def purchaser_documents(investor: object) -> QuerySet[Document]:
    """Return the signed documents about the purchaser's own subscriptions, newest first."""
    return (
        Document.objects.filter(kind__in=PURCHASER_KINDS, subscription__investor=investor)
        .select_related("offering")
        .order_by("-signed_at", "kind", "language")
    )


def payment_reference(subscription: Subscription) -> str:
    """Return the reference a purchaser writes on their transfer: ``SUB-<id>``.

    The bank statement import (``equity.escrow.statements.SUBSCRIPTION_REFERENCE``)
    matches a deposit to its subscription by this reference.
    """
    return f"SUB-{subscription.pk}"
