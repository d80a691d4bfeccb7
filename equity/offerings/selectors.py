"""Reads of issuers, issuer groups and offerings, shaped for the pure rules."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from equity.compliance.rules import (
    DECLARATION_KINDS,
    BondTerms,
    CapUsage,
    IssuerFacts,
    OfferingTerms,
    PrincipalFacts,
    cap_window,
    headroom_cents,
)
from equity.compliance.selectors import rulebook_in_force
from equity.compliance.terms import RulebookTerms
from equity.offerings.models import (
    ACTIVE_STATES,
    Issuer,
    Offering,
    OfferingAmendment,
    OfferingState,
    Principal,
)

if TYPE_CHECKING:
    from equity.documents.content import ClosingFacts
    from equity.documents.models import Document
    from equity.escrow.selectors import EscrowSummary

GROUP_BINDING = Q(is_founder=True) | Q(is_control_person=True)
"""Principals whose presence in two issuers puts them in one group (R06)."""


def identity_key(full_name: str) -> str:
    """Return a person's name folded for matching: no accents, case or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", full_name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def issuer_group_ids(issuer_id: int) -> frozenset[int]:
    """Return the ids of the issuer group of ``issuer_id``, itself included (R06).

    The group is the connected component over two kinds of link, followed
    transitively: affiliation (either direction) and a shared founder or
    control person. Each round of the search costs three queries.
    """
    affiliation = Issuer.affiliates.through.objects
    group = {issuer_id}
    frontier = {issuer_id}
    while frontier:
        linked = set()
        for from_id, to_id in affiliation.filter(
            Q(from_issuer_id__in=frontier) | Q(to_issuer_id__in=frontier)
        ).values_list("from_issuer_id", "to_issuer_id"):
            linked.update((from_id, to_id))
        keys = Principal.objects.filter(GROUP_BINDING, issuer_id__in=frontier).values_list(
            "identity_key", flat=True
        )
        linked.update(
            Principal.objects.filter(GROUP_BINDING, identity_key__in=list(keys)).values_list(
                "issuer_id", flat=True
            )
        )
        frontier = linked - group
        group |= frontier
    return frozenset(group)


def group_id_of(issuer_id: int) -> int:
    """Return a stable name for the group: its lowest issuer id."""
    return min(issuer_group_ids(issuer_id))


def issuer_facts(issuers: QuerySet[Issuer] | list[Issuer]) -> list[IssuerFacts]:
    """Return the eligibility facts of each issuer."""
    return [
        IssuerFacts(
            issuer_id=issuer.pk,
            legal_name=issuer.legal_name,
            head_office_country=issuer.country,
            is_reporting_issuer=issuer.is_reporting_issuer,
            is_investment_fund=issuer.is_investment_fund,
            is_blind_pool=issuer.is_blind_pool,
            business_description=issuer.business_description,
        )
        for issuer in issuers
    ]


def principal_facts(issuer_ids: frozenset[int]) -> list[PrincipalFacts]:
    """Return the declarations of every principal of the given issuers (R05)."""
    principals = (
        Principal.objects.filter(issuer_id__in=issuer_ids)
        .annotate(override_count=Count("overrides"))
        .order_by("issuer_id", "pk")
    )
    facts = []
    for principal in principals:
        positive = tuple(
            (kind, _parse_date(principal.declaration_dates.get(kind)))
            for kind in DECLARATION_KINDS
            if principal.declarations.get(kind)
        )
        facts.append(
            PrincipalFacts(
                principal_id=principal.pk,
                issuer_id=principal.issuer_id,
                full_name=principal.full_name,
                positive_declarations=positive,
                overridden=principal.override_count > 0,
            )
        )
    return facts


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def offering_terms(offering: Offering) -> OfferingTerms:
    """Return the terms R10–R12 judge."""
    bond = None
    if offering.annual_rate_bps is not None or offering.term_months or offering.interest_frequency:
        bond = BondTerms(
            annual_rate_bps=offering.annual_rate_bps or 0,
            term_months=offering.term_months or 0,
            interest_frequency=offering.interest_frequency,
        )
    return OfferingTerms(
        security_type=offering.security_type,
        price_per_security_cents=offering.price_per_security_cents,
        minimum_amount_cents=offering.minimum_amount_cents,
        maximum_amount_cents=offering.maximum_amount_cents,
        distribution_days=offering.distribution_days,
        bond_terms=bond,
    )


def group_cap_usage(
    group_ids: frozenset[int],
    *,
    as_of: date,
    terms: RulebookTerms,
    excluding_offering_id: int | None = None,
) -> CapUsage:
    """Return what the group raised in the R08 window and what its active offerings reserve.

    Raised: closed distributions of the group whose closing date falls in the
    window. Reserved: the maxima of the group's approved, open or suspended
    offerings, which may still raise up to that much.
    """
    window_start, window_end = cap_window(as_of, terms)
    offerings = Offering.objects.filter(issuer_id__in=group_ids)
    if excluding_offering_id is not None:
        offerings = offerings.exclude(pk=excluding_offering_id)
    totals = offerings.aggregate(
        raised=Sum(
            "raised_cents",
            filter=Q(
                state=OfferingState.CLOSED,
                closed_at__date__gte=window_start,
                closed_at__date__lte=window_end,
            ),
        ),
        reserved=Sum("maximum_amount_cents", filter=Q(state__in=ACTIVE_STATES)),
        this_year=Count(
            "pk",
            filter=Q(
                state__in=(*ACTIVE_STATES, OfferingState.CLOSED),
                approved_at__year=as_of.year,
            ),
        ),
    )
    return CapUsage(
        window_start=window_start,
        window_end=window_end,
        raised_cents=totals["raised"] or 0,
        reserved_cents=totals["reserved"] or 0,
        distributions_in_calendar_year=totals["this_year"],
    )


def active_offerings_elsewhere(group_ids: frozenset[int], *, excluding_offering_id: int) -> int:
    """Return how many other offerings of the group are approved, open or suspended (R07)."""
    return (
        Offering.objects.filter(issuer_id__in=group_ids, state__in=ACTIVE_STATES)
        .exclude(pk=excluding_offering_id)
        .count()
    )


def offerings_visible_to(user: object) -> QuerySet[Offering]:
    """Return the offerings ``user`` may read: public ones, their own, or all for officers."""
    offerings = Offering.objects.select_related("issuer", "rulebook")
    if getattr(user, "is_authenticated", False) and user.is_compliance_officer:
        return offerings
    public = Q(opened_at__isnull=False)
    if getattr(user, "is_authenticated", False):
        return offerings.filter(public | Q(issuer__owner=user))
    return offerings.filter(public)


def issuer_cap(
    issuer: Issuer, *, as_of: date, rulebook_code: str = "ni45-110"
) -> dict[str, object]:
    """Return the issuer group's cap, usage and headroom under the rulebook in force (R08)."""
    terms = rulebook_in_force(code=rulebook_code, as_of=as_of).terms
    usage = group_cap_usage(issuer_group_ids(issuer.pk), as_of=as_of, terms=terms)
    return {
        "rulebook": terms.code,
        "rulebook_version": terms.version,
        "limit_cents": terms.issuer_cap_cents,
        "window_start": usage.window_start,
        "window_end": usage.window_end,
        "raised_cents": usage.raised_cents,
        "reserved_cents": usage.reserved_cents,
        "headroom_cents": headroom_cents(usage, terms),
    }


# --- the issuer's desk (web pages) ---------------------------------------------------


def issuer_owned_by(owner: object, issuer_id: int) -> Issuer | None:
    """Return the issuer if ``owner`` owns it; None for anyone else's, so ids reveal nothing."""
    return Issuer.objects.filter(pk=issuer_id, owner=owner).first()


def issuer_has_offering_in_progress(issuer_id: int) -> bool:
    """Return whether an offering of the issuer is under review or active: its profile is fixed."""
    return Offering.objects.filter(
        issuer_id=issuer_id, state__in=(OfferingState.UNDER_REVIEW, *ACTIVE_STATES)
    ).exists()


def offering_owned_by(owner: object, offering_id: int) -> Offering | None:
    """Return the offering if ``owner`` owns its issuer; None for anyone else's."""
    return (
        Offering.objects.select_related("issuer", "rulebook")
        .filter(pk=offering_id, issuer__owner=owner)
        .first()
    )


@dataclass(frozen=True, slots=True)
class GroupDesk:
    """One issuer group as its representative sees it: their issuers and the group's cap (R08)."""

    group_id: int
    issuers: list[Issuer]
    cap: dict[str, object]

    @property
    def used_percent(self) -> int:
        return cap_used_percent(self.cap)


def cap_used_percent(cap: dict[str, object]) -> int:
    """Return the share of an :func:`issuer_cap` raised or reserved, in whole percent (0–100)."""
    limit = int(cap["limit_cents"])
    used = int(cap["raised_cents"]) + int(cap["reserved_cents"])
    return min(100, used * 100 // limit) if limit else 100


def issuer_desk(owner: object, *, as_of: date) -> list[GroupDesk]:
    """Return the owner's issuers with their offerings, grouped by issuer group (R06, R08)."""
    issuers = (
        Issuer.objects.filter(owner=owner)
        .prefetch_related(Prefetch("offerings", queryset=Offering.objects.order_by("-created_at")))
        .order_by("legal_name", "pk")
    )
    groups: dict[int, list[Issuer]] = {}
    for issuer in issuers:
        groups.setdefault(group_id_of(issuer.pk), []).append(issuer)
    return [
        GroupDesk(group_id=group_id, issuers=members, cap=issuer_cap(members[0], as_of=as_of))
        for group_id, members in sorted(groups.items())
    ]


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule of the checklist before submitting: met, not met (with why), or checked later."""

    rule: str
    title: str
    status: str
    reasons: list[str]


CHECKLIST = (
    ("R01", _("The head office is in Canada.")),
    ("R02", _("No issuer of the group is a reporting issuer.")),
    ("R03", _("The issuer is not an investment fund.")),
    ("R04", _("The issuer has a business of its own (not a blind pool).")),
    ("R05", _("No principal of the group is disqualified.")),
    ("R06", _("Caps and limits apply to the whole issuer group.")),
    ("R07", _("The group has no other distribution approved or open.")),
    ("R08", _("The maximum fits the group's remaining capacity under the cap.")),
    ("R09", _("Each purchaser stays within the per-purchaser limit.")),
    ("R10", _("The securities are of an eligible type.")),
    ("R11", _("The minimum and maximum are stated and consistent.")),
    ("R12", _("The distribution period is within the limit.")),
)
"""R01–R12 as the checklist before submitting names them."""

CHECKED_LATER = {"R06", "R09"}
"""Rules that do not judge a draft by themselves: R06 shapes the group, R09 each subscription."""


def offering_checklist(offering: Offering, *, as_of: date) -> list[RuleCheck]:
    """Return R01–R12 for the offering as they stand on ``as_of``, each with its reasons.

    A draft is judged under the version of its rulebook in force; an offering
    past the draft under the version it was submitted under.
    """
    # The rules' composition lives with the services that enforce it; imported
    # here, not at the top, because the services import this module.
    from equity.offerings.services.offerings import offering_violations

    rulebook = offering.rulebook or rulebook_in_force(code=offering.rulebook_code, as_of=as_of)
    reasons: dict[str | None, list[str]] = {}
    for violation in offering_violations(offering, rulebook=rulebook, as_of=as_of):
        reasons.setdefault(violation.rule, []).append(str(violation.detail))
    return [
        RuleCheck(
            rule=rule,
            title=str(title),
            status="later" if rule in CHECKED_LATER else ("fail" if rule in reasons else "pass"),
            reasons=reasons.get(rule, []),
        )
        for rule, title in CHECKLIST
    ]


@dataclass(frozen=True, slots=True)
class OfferingProgress:
    """How an offering is doing: subscriptions, money raised and held, documents."""

    subscriptions: int
    purchasers: int
    raised_cents: int
    funded_cents: int
    escrow: EscrowSummary
    documents: list[Document]
    amendments: list[OfferingAmendment]


def offering_progress(offering: Offering) -> OfferingProgress:
    """Return the offering's subscriptions, amounts and documents as its issuer sees them."""
    from equity.documents.selectors import offering_documents
    from equity.escrow.selectors import escrow_summary
    from equity.investors.models import LIVE_STATES, Subscription, SubscriptionState

    live = Subscription.objects.filter(offering=offering, state__in=LIVE_STATES).aggregate(
        subscriptions=Count("pk"),
        purchasers=Count("investor", distinct=True),
        funded=Sum(
            "amount_cents",
            filter=Q(state__in=(SubscriptionState.FUNDED, SubscriptionState.ACCEPTED)),
        ),
    )
    return OfferingProgress(
        subscriptions=live["subscriptions"],
        purchasers=live["purchasers"],
        raised_cents=offering.raised_cents,
        funded_cents=live["funded"] or 0,
        escrow=escrow_summary(offering.pk),
        documents=list(offering_documents(offering.issuer.owner, offering)),
        amendments=list(offering.amendments.order_by("number")),
    )


@dataclass(frozen=True, slots=True)
class RegisterLine:
    """One holding of the securities register with what it cost (R18)."""

    certificate_number: str
    holder_name: str
    quantity: int
    amount_cents: int
    issued_on: date
    legend: str


@dataclass(frozen=True, slots=True)
class ClosingSummary:
    """A closed distribution: totals, money released and refunded, register, filings (R17, R18)."""

    accepted_subscriptions: int
    accepted_cents: int
    released_cents: int
    payout_pending_cents: int
    refunded_cents: int
    refunds_pending_cents: int
    register: list[RegisterLine]
    facts: ClosingFacts
    filing_packages: list[Document]


def closing_summary(offering: Offering) -> ClosingSummary:
    """Return the closing's totals, the securities register and the filings due (R17, R18).

    Refused (Conflict, R17) unless the offering is closed.
    """
    from equity.documents.facts import closing_facts
    from equity.documents.models import DocumentKind
    from equity.escrow.selectors import escrow_summary, securities_register
    from equity.investors.models import Subscription, SubscriptionState

    facts = closing_facts(offering)
    accepted = Subscription.objects.filter(
        offering=offering, state=SubscriptionState.ACCEPTED
    ).aggregate(count=Count("pk"), total=Sum("amount_cents"))
    escrow = escrow_summary(offering.pk)
    return ClosingSummary(
        accepted_subscriptions=accepted["count"],
        accepted_cents=accepted["total"] or 0,
        released_cents=escrow.released_cents,
        payout_pending_cents=escrow.payout_pending_cents,
        refunded_cents=escrow.refunded_cents,
        refunds_pending_cents=escrow.refunds_pending_cents,
        register=[
            RegisterLine(
                certificate_number=holding.certificate_number,
                holder_name=holding.holder.full_name,
                quantity=holding.quantity,
                amount_cents=holding.subscription.amount_cents,
                issued_on=holding.issued_on,
                legend=holding.legend,
            )
            for holding in securities_register(offering.pk).select_related("subscription")
        ],
        facts=facts,
        filing_packages=list(
            offering.documents.filter(kind=DocumentKind.FILING_PACKAGE).order_by(
                "reference", "language"
            )
        ),
    )
