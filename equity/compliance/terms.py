"""A rulebook version's parameters as a typed, immutable value.

The database keeps each version's parameters as JSON so a compliance officer
can correct a figure without a code change; :class:`RulebookTerms` is what the
pure rules read. Parsing is strict: a missing key or a wrong type is refused
when the version is added, never discovered during a check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

CapBasis = Literal["rolling_window", "per_distribution"]

SECURITY_TYPES = ("common_share", "preferred_share", "convertible", "debt", "lp_unit")


@dataclass(frozen=True, slots=True)
class RulebookTerms:
    """The parameters of one rulebook version (see RULES.md, first section)."""

    code: str
    version: int
    effective_from: date
    superseded_on: date | None
    currency: str
    cap_basis: CapBasis
    issuer_cap_cents: int
    cap_window_months: int
    max_distributions_per_calendar_year: int | None
    max_open_distributions_per_group: int
    purchaser_limit_cents: int
    purchaser_limit_with_advice_cents: int | None
    max_distribution_days: int
    withdrawal_hours: int
    refund_instruction_business_days: int
    disqualification_lookback_years: int
    filing_deadline_days: int
    retention_years: int
    eligible_security_types: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"

    def in_force_on(self, day: date) -> bool:
        """Return whether this version governs new submissions on ``day``."""
        return self.effective_from <= day and (
            self.superseded_on is None or day < self.superseded_on
        )


_INT_KEYS = (
    "issuer_cap_cents",
    "cap_window_months",
    "max_open_distributions_per_group",
    "purchaser_limit_cents",
    "max_distribution_days",
    "withdrawal_hours",
    "refund_instruction_business_days",
    "disqualification_lookback_years",
    "filing_deadline_days",
    "retention_years",
)
_OPTIONAL_INT_KEYS = ("max_distributions_per_calendar_year", "purchaser_limit_with_advice_cents")
PARAMETER_KEYS = frozenset(
    (*_INT_KEYS, *_OPTIONAL_INT_KEYS, "currency", "cap_basis", "eligible_security_types")
)


def parse_terms(
    *,
    code: str,
    version: int,
    effective_from: date,
    superseded_on: date | None,
    parameters: Mapping[str, Any],
) -> RulebookTerms:
    """Return the typed terms of ``parameters``; raise ``ValueError`` naming what is wrong."""
    unknown = set(parameters) - PARAMETER_KEYS
    missing = PARAMETER_KEYS - set(parameters)
    if unknown or missing:
        raise ValueError(
            f"rulebook parameters: unknown {sorted(unknown)}, missing {sorted(missing)}"
        )
    for key in _INT_KEYS:
        value = parameters[key]
        if type(value) is not int or value <= 0:
            raise ValueError(f"rulebook parameter {key} must be a positive integer")
    for key in _OPTIONAL_INT_KEYS:
        value = parameters[key]
        if value is not None and (type(value) is not int or value <= 0):
            raise ValueError(f"rulebook parameter {key} must be a positive integer or null")
    if parameters["cap_basis"] not in ("rolling_window", "per_distribution"):
        raise ValueError("rulebook parameter cap_basis must be rolling_window or per_distribution")
    securities = parameters["eligible_security_types"]
    if (
        not isinstance(securities, list)
        or not securities
        or any(item not in SECURITY_TYPES for item in securities)
    ):
        raise ValueError(f"eligible_security_types must be a non-empty list from {SECURITY_TYPES}")
    if superseded_on is not None and superseded_on <= effective_from:
        raise ValueError("a rulebook is superseded after it takes effect")
    advice = parameters["purchaser_limit_with_advice_cents"]
    if advice is not None and advice < parameters["purchaser_limit_cents"]:
        raise ValueError("the limit with suitability advice cannot be below the basic limit")
    return RulebookTerms(
        code=code,
        version=version,
        effective_from=effective_from,
        superseded_on=superseded_on,
        currency=str(parameters["currency"]),
        cap_basis=parameters["cap_basis"],
        issuer_cap_cents=parameters["issuer_cap_cents"],
        cap_window_months=parameters["cap_window_months"],
        max_distributions_per_calendar_year=parameters["max_distributions_per_calendar_year"],
        max_open_distributions_per_group=parameters["max_open_distributions_per_group"],
        purchaser_limit_cents=parameters["purchaser_limit_cents"],
        purchaser_limit_with_advice_cents=advice,
        max_distribution_days=parameters["max_distribution_days"],
        withdrawal_hours=parameters["withdrawal_hours"],
        refund_instruction_business_days=parameters["refund_instruction_business_days"],
        disqualification_lookback_years=parameters["disqualification_lookback_years"],
        filing_deadline_days=parameters["filing_deadline_days"],
        retention_years=parameters["retention_years"],
        eligible_security_types=tuple(securities),
    )
