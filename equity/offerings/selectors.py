"""Reads of issuers, issuer groups and offerings, shaped for the pure rules."""

from __future__ import annotations

import unicodedata
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

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
    OfferingState,
    Principal,
)

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
