"""The rules of RULES.md as pure functions.

Each function takes plain values (cents, dates, frozen dataclasses and the
offering's :class:`RulebookTerms`) and returns a list of :class:`Violation`;
none touches the database or reads the clock: the caller passes ``as_of``.
Figures come from the rulebook, never from literals here, so a corrected
rulebook version changes the outcome without a code change.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from equity.compliance.messages import render_violation
from equity.compliance.terms import SECURITY_TYPES, RulebookTerms
from equity.geography import age_on

DECLARATION_KINDS = ("cease_trade_order", "securities_sanction", "fraud_conviction", "bankruptcy")
INTEREST_FREQUENCIES = ("monthly", "quarterly", "semi_annual", "annual", "at_maturity")


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule that refuses an action: its ID in RULES.md, a stable code and the figures."""

    rule: str | None
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        """Return the plain-language reason in the active language (P04, P05)."""
        return render_violation(self.code, self.params)

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "code": self.code, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class IssuerFacts:
    """What the eligibility rules need to know about one issuer."""

    issuer_id: int
    legal_name: str
    head_office_country: str
    is_reporting_issuer: bool
    is_investment_fund: bool
    is_blind_pool: bool
    business_description: str


@dataclass(frozen=True, slots=True)
class PrincipalFacts:
    """A principal's positive declarations, each with its date when known."""

    principal_id: int
    issuer_id: int
    full_name: str
    positive_declarations: tuple[tuple[str, date | None], ...]
    overridden: bool


@dataclass(frozen=True, slots=True)
class BondTerms:
    """The terms of a debt security (community bond)."""

    annual_rate_bps: int
    term_months: int
    interest_frequency: str


@dataclass(frozen=True, slots=True)
class OfferingTerms:
    """The economic terms of an offering that R10–R12 judge."""

    security_type: str
    price_per_security_cents: int
    minimum_amount_cents: int
    maximum_amount_cents: int
    distribution_days: int
    bond_terms: BondTerms | None


@dataclass(frozen=True, slots=True)
class CapUsage:
    """What an issuer group has used of its cap, as of a date (R08)."""

    window_start: date
    window_end: date
    raised_cents: int
    reserved_cents: int
    distributions_in_calendar_year: int


# --- dates -----------------------------------------------------------------


def shift_months(day: date, months: int) -> date:
    """Return ``day`` moved by whole calendar months, clamped to the month's last day."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def cap_window(window_end: date, terms: RulebookTerms) -> tuple[date, date]:
    """Return the first and last day (both included) of the R08 window ending on ``window_end``."""
    return shift_months(window_end, -terms.cap_window_months) + timedelta(days=1), window_end


# --- R01 to R05: the issuer and its group ----------------------------------


def check_head_office_in_canada(issuer: IssuerFacts) -> list[Violation]:
    """R01: the issuer's head office is in Canada."""
    if issuer.head_office_country.upper() != "CA":
        return [
            Violation(
                "R01",
                "head_office_outside_canada",
                {"issuer": issuer.legal_name, "country": issuer.head_office_country},
            )
        ]
    return []


def check_group_not_reporting(group: Sequence[IssuerFacts]) -> list[Violation]:
    """R02: neither the issuer nor any issuer of its group is a reporting issuer."""
    return [
        Violation("R02", "reporting_issuer", {"issuer": member.legal_name})
        for member in group
        if member.is_reporting_issuer
    ]


def check_not_investment_fund(issuer: IssuerFacts) -> list[Violation]:
    """R03: the issuer is not an investment fund."""
    if issuer.is_investment_fund:
        return [Violation("R03", "investment_fund", {"issuer": issuer.legal_name})]
    return []


def check_not_blind_pool(issuer: IssuerFacts) -> list[Violation]:
    """R04: the issuer has a business of its own, described, beyond finding one to acquire."""
    if issuer.is_blind_pool or not issuer.business_description.strip():
        return [Violation("R04", "blind_pool", {"issuer": issuer.legal_name})]
    return []


def check_principals_not_disqualified(
    principals: Sequence[PrincipalFacts], *, as_of: date, terms: RulebookTerms
) -> list[Violation]:
    """R05: no principal of the group has a positive declaration within the look-back.

    A declaration without a date is treated as recent: the burden is on the
    issuer to show it is old. A compliance officer's reasoned override lifts it.
    """
    horizon = shift_months(as_of, -12 * terms.disqualification_lookback_years)
    violations = []
    for principal in principals:
        if principal.overridden:
            continue
        recent = [
            kind
            for kind, when in principal.positive_declarations
            if when is None or when >= horizon
        ]
        if recent:
            violations.append(
                Violation(
                    "R05",
                    "principal_disqualified",
                    {
                        "principal": principal.full_name,
                        "declarations": tuple(recent),
                        "years": terms.disqualification_lookback_years,
                    },
                )
            )
    return violations


def check_issuer_eligibility(
    issuer: IssuerFacts,
    *,
    group: Sequence[IssuerFacts],
    principals: Sequence[PrincipalFacts],
    as_of: date,
    terms: RulebookTerms,
) -> list[Violation]:
    """R01–R05 for ``issuer``, with ``group`` its issuer group (itself included)."""
    return [
        *check_head_office_in_canada(issuer),
        *check_group_not_reporting(group),
        *check_not_investment_fund(issuer),
        *check_not_blind_pool(issuer),
        *check_principals_not_disqualified(principals, as_of=as_of, terms=terms),
    ]


# --- R10 to R12: the offering's terms ---------------------------------------


def check_security_type(offering: OfferingTerms, terms: RulebookTerms) -> list[Violation]:
    """R10: only eligible securities; debt carries its rate, term and interest frequency."""
    if offering.security_type not in SECURITY_TYPES or (
        offering.security_type not in terms.eligible_security_types
    ):
        return [
            Violation(
                "R10",
                "security_type_not_eligible",
                {"security_type": offering.security_type, "rulebook": terms.label},
            )
        ]
    bond = offering.bond_terms
    if offering.security_type == "debt":
        if bond is None:
            return [Violation("R10", "bond_terms_required")]
        if (
            bond.annual_rate_bps < 0
            or bond.term_months <= 0
            or bond.interest_frequency not in INTEREST_FREQUENCIES
        ):
            return [Violation("R10", "bond_terms_invalid")]
    elif bond is not None:
        return [
            Violation("R10", "bond_terms_not_applicable", {"security_type": offering.security_type})
        ]
    return []


def check_offering_amounts(offering: OfferingTerms) -> list[Violation]:
    """R11: a positive minimum no greater than the maximum, both whole numbers of securities."""
    price = offering.price_per_security_cents
    minimum = offering.minimum_amount_cents
    maximum = offering.maximum_amount_cents
    if price <= 0 or minimum <= 0 or maximum <= 0:
        return [Violation("R11", "amount_not_positive")]
    violations = []
    if minimum > maximum:
        violations.append(
            Violation(
                "R11", "minimum_above_maximum", {"minimum_cents": minimum, "maximum_cents": maximum}
            )
        )
    for name, amount in (("minimum", minimum), ("maximum", maximum)):
        if amount % price:
            violations.append(
                Violation(
                    "R11",
                    "amount_not_multiple_of_price",
                    {"amount": name, "amount_cents": amount, "price_cents": price},
                )
            )
    return violations


def check_distribution_period(offering: OfferingTerms, terms: RulebookTerms) -> list[Violation]:
    """R12: the distribution period ends within the rulebook's number of days."""
    if not 1 <= offering.distribution_days <= terms.max_distribution_days:
        return [
            Violation(
                "R12",
                "distribution_period_too_long",
                {"days": offering.distribution_days, "max_days": terms.max_distribution_days},
            )
        ]
    return []


def check_offering_terms(offering: OfferingTerms, terms: RulebookTerms) -> list[Violation]:
    """R10–R12 for one offering under ``terms``."""
    return [
        *check_security_type(offering, terms),
        *check_offering_amounts(offering),
        *check_distribution_period(offering, terms),
    ]


# --- R07 and R08: the issuer group's distributions -------------------------


def check_one_active_distribution(active_elsewhere: int, terms: RulebookTerms) -> list[Violation]:
    """R07: the group has at most the rulebook's number of distributions active at once.

    ``active_elsewhere`` counts the group's other approved, open or suspended offerings.
    """
    if active_elsewhere >= terms.max_open_distributions_per_group:
        return [
            Violation(
                "R07",
                "group_distribution_active",
                {"limit": terms.max_open_distributions_per_group},
            )
        ]
    return []


def headroom_cents(usage: CapUsage, terms: RulebookTerms) -> int:
    """Return how much more the group may raise in the window (never below zero)."""
    if terms.cap_basis == "per_distribution":
        return terms.issuer_cap_cents
    return max(0, terms.issuer_cap_cents - usage.raised_cents - usage.reserved_cents)


def check_group_cap(
    maximum_amount_cents: int, usage: CapUsage, terms: RulebookTerms
) -> list[Violation]:
    """R08: the offering's maximum fits the group's headroom under the rulebook's cap.

    Under a rolling window (NI 45-110) the maximum must fit the cap less what the
    group raised in the window and what its other active offerings reserve.
    Under the 2015 orders the cap is per distribution, with a yearly count.
    """
    violations = []
    headroom = headroom_cents(usage, terms)
    if maximum_amount_cents > headroom:
        violations.append(
            Violation(
                "R08",
                "issuer_group_cap_exceeded",
                {
                    "maximum_cents": maximum_amount_cents,
                    "headroom_cents": headroom,
                    "limit_cents": terms.issuer_cap_cents,
                },
            )
        )
    yearly = terms.max_distributions_per_calendar_year
    if yearly is not None and usage.distributions_in_calendar_year >= yearly:
        violations.append(Violation("R08", "distributions_per_year_exceeded", {"limit": yearly}))
    return violations


# --- R09, R11, R15: a purchaser's subscription -------------------------------


def purchaser_limit_cents(
    terms: RulebookTerms, *, portal_is_registered_dealer: bool, suitability_recorded: bool
) -> int:
    """R09: the purchaser's limit in one distribution.

    The higher limit applies only where the portal is a registered dealer and
    has recorded a suitability determination for this purchaser and offering.
    """
    higher = terms.purchaser_limit_with_advice_cents
    if higher is not None and portal_is_registered_dealer and suitability_recorded:
        return higher
    return terms.purchaser_limit_cents


def check_offering_open(
    *, state: str, as_of: datetime, closes_at: datetime | None
) -> list[Violation]:
    """Subscriptions only while the offering is open and before its distribution ends."""
    if state != "open" or closes_at is None or as_of >= closes_at:
        return [Violation(None, "offering_not_open", {"state": state})]
    return []


def check_age_of_majority(
    *, birth_date: date, age_of_majority: int, as_of: date
) -> list[Violation]:
    """A purchaser has reached the age of majority of their province."""
    if age_on(birth_date, as_of) < age_of_majority:
        return [Violation(None, "purchaser_minor", {"age": age_of_majority})]
    return []


def check_purchase_amount(amount_cents: int, price_cents: int) -> list[Violation]:
    """A subscription buys a whole number of securities, at least one."""
    if amount_cents < price_cents or amount_cents % price_cents:
        return [
            Violation(
                None,
                "amount_not_multiple_of_price",
                {"amount": "amount", "amount_cents": amount_cents, "price_cents": price_cents},
            )
        ]
    return []


def check_purchaser_limit(
    *, already_cents: int, amount_cents: int, limit_cents: int
) -> list[Violation]:
    """R09: pending, funded and accepted subscriptions of the purchaser in this
    distribution, with this one, stay within the limit."""
    if already_cents + amount_cents > limit_cents:
        return [
            Violation(
                "R09",
                "purchaser_limit_exceeded",
                {
                    "limit_cents": limit_cents,
                    "remaining_cents": max(0, limit_cents - already_cents),
                },
            )
        ]
    return []


def check_offering_maximum(
    *, raised_cents: int, amount_cents: int, maximum_cents: int
) -> list[Violation]:
    """R11: no subscription takes the offering's total past its maximum."""
    if raised_cents + amount_cents > maximum_cents:
        return [
            Violation(
                "R11",
                "offering_maximum_reached",
                {
                    "remaining_cents": max(0, maximum_cents - raised_cents),
                },
            )
        ]
    return []


def check_risk_acknowledgement(
    *,
    form_version: str,
    statements: Sequence[str],
    full_name: str,
    current_version: str,
    required_statements: Sequence[str],
    account_name: str,
) -> list[Violation]:
    """R15: the purchaser signed the current form, every statement, with their own name."""
    signed = (
        form_version == current_version
        and set(statements) == set(required_statements)
        and len(statements) == len(required_statements)
        and " ".join(full_name.casefold().split()) == " ".join(account_name.casefold().split())
    )
    if not signed:
        return [Violation("R15", "risk_acknowledgement_required", {"version": current_version})]
    return []


def check_withdrawal_window(*, deadline: datetime, as_of: datetime) -> list[Violation]:
    """R14: a purchaser withdraws by notice within the window (its last instant included)."""
    if as_of > deadline:
        return [Violation("R14", "withdrawal_period_expired", {})]
    return []


# --- R08, R11 at closing ----------------------------------------------------


def check_closing(
    *, accepted_cents: int, minimum_cents: int, raised_in_window_cents: int, terms: RulebookTerms
) -> list[Violation]:
    """R11 and R08 at closing: the minimum is reached with funded subscriptions, and the
    group's proceeds in the window ending on the closing date stay within the cap."""
    violations = []
    if accepted_cents < minimum_cents:
        violations.append(
            Violation(
                "R11",
                "minimum_not_reached",
                {
                    "accepted_cents": accepted_cents,
                    "minimum_cents": minimum_cents,
                },
            )
        )
    within = (
        accepted_cents <= terms.issuer_cap_cents
        if terms.cap_basis == "per_distribution"
        else raised_in_window_cents + accepted_cents <= terms.issuer_cap_cents
    )
    if not within:
        violations.append(
            Violation(
                "R08",
                "issuer_group_cap_exceeded_at_closing",
                {
                    "accepted_cents": accepted_cents,
                    "raised_cents": raised_in_window_cents,
                    "limit_cents": terms.issuer_cap_cents,
                },
            )
        )
    return violations
