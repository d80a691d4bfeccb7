"""Reads for purchasers: the risk acknowledgement to sign, limits and subscriptions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Case, Count, Field, QuerySet, Value, When

from equity import clock
from equity.compliance.models import Rulebook
from equity.compliance.rules import purchaser_limit_cents
from equity.compliance.terms import RulebookTerms
from equity.documents.models import PURCHASER_KINDS, Document
from equity.exceptions import NotFound
from equity.investors.models import (
    LIVE_STATES,
    WITHDRAWABLE_STATES,
    InvestorProfile,
    RiskAcknowledgementForm,
    Subscription,
    SuitabilityDetermination,
)
from equity.money import Money
from equity.offerings.models import LegalForm, Offering, OfferingState
from equity.statements import (
    converted,
    converters_of,
    prepared_cursor,
    quoted_column,
    quoted_table,
)


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
    terms = offering.rulebook.terms
    if limit_cents is None:
        limit_cents = purchaser_limit(offering=offering, investor=investor, terms=terms)
    return render_risk_form(
        form=current_risk_form(), terms=terms, language=language, limit_cents=limit_cents
    )


def render_risk_form(
    *, form: RiskAcknowledgementForm, terms: RulebookTerms, language: str, limit_cents: int
) -> RenderedForm:
    """Return ``form``'s statements with the purchaser's limit and the rulebook's figures."""
    language = "en" if language.startswith("en") else "fr"
    figures = {
        "portal": settings.EQUITY_PORTAL_NAME,
        "limit": Money(limit_cents).format(language),
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
    """Return what the purchaser has live (pending, funded, accepted) in the offering (R09).

    Written out: a subscription sums this with the offering locked, and the ORM's
    aggregate costs several times the statement it sends.
    """
    with connection.cursor() as cursor:
        cursor.execute(_committed_sql(), [offering_id, investor_id, *LIVE_STATES])
        # PostgreSQL sums a bigint column as numeric: the driver returns a Decimal.
        return int(cursor.fetchone()[0])


@cache
def _committed_sql() -> str:
    table, column = quoted_table(Subscription), quoted_column(Subscription)
    states = ", ".join(["%s"] * len(LIVE_STATES))
    return (
        f"SELECT COALESCE(SUM({column('amount_cents')}), 0) FROM {table} "  # noqa: S608 - from _meta
        f"WHERE {column('offering')} = %s AND {column('investor')} = %s "
        f"AND {column('state')} IN ({states})"
    )


# --- what a subscription is decided on ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubscriptionFacts:
    """What a subscription is decided on that no other purchaser changes (R09, R15, R11's
    offering), read before the offering is locked."""

    offering_state: str
    closes_at: datetime | None
    price_per_security_cents: int
    currency: str
    terms: RulebookTerms | None
    birth_date: date | None
    """None when the purchaser has no profile."""
    suitability_recorded: bool
    risk_form: RiskAcknowledgementForm | None
    """The form in effect, None when there is none."""


def subscription_facts(
    *, offering_id: int, investor_id: int, as_of: datetime
) -> SubscriptionFacts | None:
    """Return the offering's terms, the purchaser's profile and suitability (R09) and the
    risk form in effect at ``as_of`` (R15); None when the offering does not exist.

    Every purchaser of a hot offering reads these before queueing for its lock, on
    machines whose CPU the queue shares: one statement instead of four querysets
    (whose compilation cost ten times the statements they sent), its columns
    converted by the model fields as the ORM converts them.
    """
    sql = _facts_statement()[0]
    parameters = [
        investor_id,
        investor_id,
        connection.ops.adapt_datetimefield_value(as_of),
        offering_id,
    ]
    with prepared_cursor() as cursor:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    if row is None:
        return None
    values = converted(_facts_converters(), row)
    offering, rest = values[:4], values[4:]
    rulebook_values, rest = rest[: len(_RULEBOOK_FIELDS)], rest[len(_RULEBOOK_FIELDS) :]
    (birth_date, suitability), form_values = rest[:2], rest[2:]
    rulebook = (
        Rulebook.from_db(connection.alias, _attnames(_RULEBOOK_FIELDS), rulebook_values)
        if rulebook_values[0] is not None
        else None
    )
    form = (
        RiskAcknowledgementForm.from_db(connection.alias, _attnames(_FORM_FIELDS), form_values)
        if form_values[0] is not None
        else None
    )
    return SubscriptionFacts(
        offering_state=offering[0],
        closes_at=offering[1],
        price_per_security_cents=offering[2],
        currency=offering[3],
        terms=rulebook.terms if rulebook is not None else None,
        birth_date=birth_date,
        suitability_recorded=bool(suitability),
        risk_form=form,
    )


_OFFERING_FIELDS = ("state", "closes_at", "price_per_security_cents", "currency")
_RULEBOOK_FIELDS = tuple(Rulebook._meta.concrete_fields)
_FORM_FIELDS = tuple(RiskAcknowledgementForm._meta.concrete_fields)


@cache
def _facts_statement() -> tuple[str, list[Field | None]]:
    """Return the statement of :func:`subscription_facts` and the field of each column."""
    offering, o = quoted_table(Offering), quoted_column(Offering)
    rulebook, r = quoted_table(Rulebook), quoted_column(Rulebook)
    profile, p = quoted_table(InvestorProfile), quoted_column(InvestorProfile)
    suitability, s = (
        quoted_table(SuitabilityDetermination),
        quoted_column(SuitabilityDetermination),
    )
    form, f = quoted_table(RiskAcknowledgementForm), quoted_column(RiskAcknowledgementForm)
    columns = [
        *(f"{offering}.{o(name)}" for name in _OFFERING_FIELDS),
        *(f"{rulebook}.{r(field.name)}" for field in _RULEBOOK_FIELDS),
        f"{profile}.{p('birth_date')}",
        f"EXISTS (SELECT 1 FROM {suitability} WHERE {suitability}.{s('investor')} = %s "  # noqa: S608
        f"AND {suitability}.{s('offering')} = {offering}.{o('id')})",
        *(f"{form}.{f(field.name)}" for field in _FORM_FIELDS),
    ]
    form_columns = ", ".join(f(field.name) for field in _FORM_FIELDS)
    sql = (
        f"SELECT {', '.join(columns)} FROM {offering} "  # noqa: S608 - names from _meta
        f"LEFT JOIN {rulebook} ON {rulebook}.{r('id')} = {offering}.{o('rulebook')} "
        f"LEFT JOIN {profile} ON {profile}.{p('user')} = %s "
        f"LEFT JOIN (SELECT {form_columns} FROM {form} WHERE {f('effective_from')} <= %s "
        f"ORDER BY {f('effective_from')} DESC LIMIT 1) {form} ON TRUE "
        f"WHERE {offering}.{o('id')} = %s"
    )
    fields = [
        *(Offering._meta.get_field(name) for name in _OFFERING_FIELDS),
        *_RULEBOOK_FIELDS,
        InvestorProfile._meta.get_field("birth_date"),
        None,
        *_FORM_FIELDS,
    ]
    return sql, fields


def _attnames(fields: Sequence[Field]) -> list[str]:
    return [field.attname for field in fields]


@cache
def _facts_converters() -> list[tuple[object, list]]:
    return converters_of(_facts_statement()[1])


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
