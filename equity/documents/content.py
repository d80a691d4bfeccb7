"""What each document says, as plain values: the facts a template lays out.

Everything here is pure: frozen dataclasses in, values out, no ORM and no
clock. ``facts.py`` reads the database into these dataclasses; the templates
turn them into words in one language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

REGULATORS = {
    "AB": ("Alberta Securities Commission", "Alberta Securities Commission"),
    "BC": ("British Columbia Securities Commission", "British Columbia Securities Commission"),
    "MB": ("Commission des valeurs mobilières du Manitoba", "Manitoba Securities Commission"),
    "NB": (
        "Commission des services financiers et des services aux consommateurs",
        "Financial and Consumer Services Commission",
    ),
    "NL": (
        "Bureau du surintendant des valeurs mobilières",
        "Office of the Superintendent of Securities",
    ),
    "NS": ("Nova Scotia Securities Commission", "Nova Scotia Securities Commission"),
    "NT": (
        "Bureau du surintendant des valeurs mobilières",
        "Office of the Superintendent of Securities",
    ),
    "NU": (
        "Bureau du surintendant des valeurs mobilières",
        "Office of the Superintendent of Securities",
    ),
    "ON": ("Commission des valeurs mobilières de l'Ontario", "Ontario Securities Commission"),
    "PE": (
        "Bureau du surintendant des valeurs mobilières",
        "Office of the Superintendent of Securities",
    ),
    "QC": ("Autorité des marchés financiers", "Autorité des marchés financiers"),
    "SK": (
        "Financial and Consumer Affairs Authority of Saskatchewan",
        "Financial and Consumer Affairs Authority of Saskatchewan",
    ),
    "YT": (
        "Bureau du surintendant des valeurs mobilières",
        "Office of the Superintendent of Securities",
    ),
}
"""The securities regulator of each province and territory, in French and English."""


def regulator(province: str, language: str) -> str:
    """Return the name of the regulator a filing goes to in ``province``."""
    names = REGULATORS.get(province)
    if names is None:
        return province
    return names[0] if language == "fr" else names[1]


@dataclass(frozen=True, slots=True)
class Header:
    """What every page repeats: the document's id, its version, and when it was issued."""

    document_id: int
    version: int
    issued_at: datetime
    portal_name: str


@dataclass(frozen=True, slots=True)
class PrincipalFacts:
    """A founder, director, officer or control person named in the offering document."""

    full_name: str
    roles: tuple[str, ...]
    residence_country: str


@dataclass(frozen=True, slots=True)
class AmendmentFacts:
    """One amendment of the offering document (R16)."""

    number: int
    amended_at: datetime
    summary: str
    changes: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class IssuerFacts:
    """The issuer as the documents name it."""

    legal_name: str
    legal_form: str
    street: str
    city: str
    province: str
    postal_code: str
    country: str
    business_description: str


@dataclass(frozen=True, slots=True)
class OfferingFacts:
    """Everything Form 45-110F1 states about one offering, at one version (R16)."""

    offering_id: int
    title: str
    summary: str
    issuer: IssuerFacts
    principals: tuple[PrincipalFacts, ...]
    security_type: str
    currency: str
    price_per_security_cents: int
    minimum_amount_cents: int
    maximum_amount_cents: int
    annual_rate_bps: int | None
    term_months: int | None
    interest_frequency: str
    use_of_funds: str
    risk_factors: str
    opened_at: datetime
    closes_at: datetime
    distribution_days: int
    max_distribution_days: int
    withdrawal_hours: int
    purchaser_limit_cents: int
    purchaser_limit_with_advice_cents: int | None
    rulebook_code: str
    rulebook_version: int
    rulebook_title_fr: str
    rulebook_title_en: str
    portal_registered_dealer: bool
    amendments: tuple[AmendmentFacts, ...]
    certified_by: str
    certified_at: datetime

    @property
    def is_debt(self) -> bool:
        return self.security_type == "debt"

    @property
    def interest_schedule(self) -> tuple[InterestPayment, ...]:
        """Return the bond's payments per security; empty unless the securities are debt."""
        if not self.is_debt or not self.term_months or self.annual_rate_bps is None:
            return ()
        return interest_schedule(
            price_cents=self.price_per_security_cents,
            annual_rate_bps=self.annual_rate_bps,
            term_months=self.term_months,
            frequency=self.interest_frequency,
        )

    @property
    def minimum_securities(self) -> int:
        return self.minimum_amount_cents // self.price_per_security_cents

    @property
    def maximum_securities(self) -> int:
        return self.maximum_amount_cents // self.price_per_security_cents


@dataclass(frozen=True, slots=True)
class StatementFacts:
    """One risk statement exactly as shown to the purchaser (R15)."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class SubscriptionFacts:
    """One purchaser's subscription, its risk acknowledgement and its confirmation."""

    subscription_id: int
    offering_id: int
    offering_title: str
    issuer_name: str
    security_type: str
    currency: str
    quantity: int
    price_per_security_cents: int
    amount_cents: int
    subscribed_at: datetime
    withdrawal_deadline: datetime
    withdrawal_hours: int
    purchaser_name: str
    purchaser_email: str
    purchaser_province: str
    form_version: str
    statements: tuple[StatementFacts, ...]
    typed_name: str
    signed_at: datetime
    ip_address: str
    user_agent: str
    text_sha256: str


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document named in another: an offering document version in a filing package."""

    document_id: int
    version: int
    language: str
    sha256: str


@dataclass(frozen=True, slots=True)
class ProvinceTotal:
    """What the distribution raised from the purchasers of one jurisdiction (R17)."""

    province: str
    purchasers: int
    securities: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Purchase:
    """One accepted subscription, reduced to what the filing totals need."""

    investor_id: int
    province: str
    quantity: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class ClosingFacts:
    """A closed distribution: totals, deadline and the documents filed (R17, R21)."""

    offering_id: int
    offering_title: str
    issuer_name: str
    head_office_province: str
    security_type: str
    currency: str
    closed_at: datetime
    closed_on: date
    filing_deadline: date
    filing_deadline_days: int
    totals: tuple[ProvinceTotal, ...]
    offering_documents: tuple[DocumentRef, ...]
    amendments: tuple[AmendmentFacts, ...]

    @property
    def raised_cents(self) -> int:
        return sum(total.amount_cents for total in self.totals)

    @property
    def purchasers(self) -> int:
        return sum(total.purchasers for total in self.totals)

    @property
    def securities(self) -> int:
        return sum(total.securities for total in self.totals)

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        return tuple(total.province for total in self.totals)


@dataclass(frozen=True, slots=True)
class RefundFacts:
    """A refund to one purchaser, without deduction (R13)."""

    subscription_id: int
    offering_id: int
    offering_title: str
    issuer_name: str
    purchaser_name: str
    currency: str
    subscribed_cents: int
    refunded_cents: int
    reason: str
    reference: str
    refunded_at: datetime


@dataclass(frozen=True, slots=True)
class InterestPayment:
    """One payment of a bond, per security: when (months after closing) and how much."""

    number: int
    month: int
    interest_cents: int
    principal_cents: int


PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "semi_annual": 6, "annual": 12}


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def interest_schedule(
    *, price_cents: int, annual_rate_bps: int, term_months: int, frequency: str
) -> tuple[InterestPayment, ...]:
    """Return the payments of one bond of ``price_cents``, interest rounded to the cent.

    Interest accrues simply at ``annual_rate_bps`` per year and is paid every
    period of ``frequency`` (or once, at maturity); a last short period ends at
    the term, when the principal is repaid.
    """
    if frequency == "at_maturity":
        months = [term_months]
    else:
        step = PERIOD_MONTHS[frequency]
        months = list(range(step, term_months + 1, step))
        if not months or months[-1] != term_months:
            months.append(term_months)
    payments = []
    previous = 0
    for number, month in enumerate(months, start=1):
        accrued = price_cents * annual_rate_bps * (month - previous)
        payments.append(
            InterestPayment(
                number=number,
                month=month,
                interest_cents=_round_half_up(accrued, 10_000 * 12),
                principal_cents=price_cents if month == term_months else 0,
            )
        )
        previous = month
    return tuple(payments)


def filing_deadline(closed_on: date, filing_deadline_days: int) -> date:
    """Return the last day to file the offering document after closing on ``closed_on`` (R17)."""
    return closed_on + timedelta(days=filing_deadline_days)


def province_totals(
    purchases: Iterable[Purchase], *, head_office_province: str
) -> tuple[ProvinceTotal, ...]:
    """Return the distribution's totals by jurisdiction, the head office's always included (R17).

    The distribution takes place where the issuer's head office is and where
    each purchaser is; the head office comes first, the others in code order.
    """
    purchasers: dict[str, set[int]] = {head_office_province: set()}
    securities: dict[str, int] = {head_office_province: 0}
    amounts: dict[str, int] = {head_office_province: 0}
    for purchase in purchases:
        purchasers.setdefault(purchase.province, set()).add(purchase.investor_id)
        securities[purchase.province] = securities.get(purchase.province, 0) + purchase.quantity
        amounts[purchase.province] = amounts.get(purchase.province, 0) + purchase.amount_cents
    order = [head_office_province, *sorted(set(purchasers) - {head_office_province})]
    return tuple(
        ProvinceTotal(
            province=province,
            purchasers=len(purchasers[province]),
            securities=securities[province],
            amount_cents=amounts[province],
        )
        for province in order
    )


def change_lines(changes: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """Return an amendment's changes as (what, now) pairs of text, in key order."""
    return tuple((str(key), _text(value)) for key, value in sorted(changes.items()))


def _text(value: object) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {_text(item)}" for key, item in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    return str(value)
