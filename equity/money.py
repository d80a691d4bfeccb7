"""Money as integer cents with a currency (P01); floats are refused on sight."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_CENTS = 2**63 - 1
"""The largest amount a BigIntegerField holds."""

DEFAULT_CURRENCY = "CAD"


def require_cents(value: object, *, positive: bool = True) -> int:
    """Return ``value`` if it is an exact integer amount of cents, else raise.

    Booleans, floats (even ``100.0``), decimals and strings are refused: an
    amount that is not already an ``int`` was computed or typed by someone who
    did not think in cents.
    """
    if type(value) is not int:
        raise TypeError(f"an amount in cents must be an int, not {type(value).__name__}")
    if value > MAX_CENTS or value < -MAX_CENTS:
        raise ValueError("the amount does not fit in 64 bits")
    if positive and value <= 0:
        raise ValueError("the amount must be positive")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of integer cents in one currency."""

    cents: int
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        require_cents(self.cents, positive=False)
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.cents - other.cents, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.cents < other.cents

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.cents <= other.cents

    def split(self, weights: Sequence[int]) -> list[Money]:
        """Split by integer weights, largest remainder first; the parts sum to the whole."""
        if not weights or any(type(w) is not int or w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("weights must be non-negative ints with a positive sum")
        total_weight = sum(weights)
        sign = -1 if self.cents < 0 else 1
        whole = abs(self.cents)
        floors = [whole * w // total_weight for w in weights]
        remainders = [whole * w % total_weight for w in weights]
        leftover = whole - sum(floors)
        for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
            floors[index] += 1
        parts = [Money(sign * cents, self.currency) for cents in floors]
        assert sum(p.cents for p in parts) == self.cents
        return parts

    def format(self, language: str = "fr") -> str:
        """Return the amount as ``language`` writes it: ``1 500,00 $`` or ``$1,500.00``."""
        sign = "-" if self.cents < 0 else ""
        units, cents = divmod(abs(self.cents), 100)
        if language.startswith("fr"):
            grouped = f"{units:,}".replace(",", "\u00a0")
            symbol = "$" if self.currency == "CAD" else self.currency
            return f"{sign}{grouped},{cents:02d}\u00a0{symbol}"
        symbol = "$" if self.currency == "CAD" else f"{self.currency} "
        return f"{sign}{symbol}{units:,}.{cents:02d}"

    def __str__(self) -> str:
        return f"{self.cents} {self.currency} cents"
