"""Money as integer cents with a currency (P01): refusals, arithmetic, splits and formatting."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equity.money import MAX_CENTS, Money, require_cents

NOT_CENTS = [100.0, 0.5, True, False, "100", Decimal("100"), None]


# --- P01: only integer cents ------------------------------------------------


@pytest.mark.parametrize("cents", NOT_CENTS, ids=repr)
def test_p01_money_refuses_anything_but_int_cents(cents):
    with pytest.raises(TypeError, match="must be an int"):
        Money(cents)


@pytest.mark.parametrize("cents", [2**63, -(2**63), 10**30])
def test_p01_money_refuses_amounts_past_64_bits(cents):
    with pytest.raises(ValueError, match="64 bits"):
        Money(cents)


@pytest.mark.parametrize("cents", [2**63 - 1, -(2**63 - 1), 0, -1])
def test_p01_money_holds_any_signed_64_bit_amount(cents):
    assert Money(cents).cents == cents


@pytest.mark.parametrize("currency", ["cad", "CA", "CADX", "C4D", ""])
def test_p01_money_refuses_a_currency_that_is_not_iso_4217_shaped(currency):
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(100, currency)


def test_p01_money_defaults_to_canadian_dollars_and_is_immutable():
    amount = Money(150_000)

    assert amount.currency == "CAD"
    with pytest.raises(FrozenInstanceError):
        amount.cents = 1  # type: ignore[misc]


# --- arithmetic -------------------------------------------------------------


def test_p01_money_adds_subtracts_and_compares_within_a_currency():
    assert Money(150_000) + Money(2_550) == Money(152_550)
    assert Money(150_000) - Money(200_000) == Money(-50_000)
    assert -Money(2_550) == Money(-2_550)
    assert Money(1) < Money(2)
    assert Money(2) <= Money(2)
    assert not Money(3) <= Money(2)


@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
    ],
    ids=["add", "subtract", "less", "less-or-equal"],
)
def test_p01_money_refuses_to_combine_currencies(combine):
    with pytest.raises(ValueError, match="cannot combine CAD with USD"):
        combine(Money(100, "CAD"), Money(100, "USD"))


def test_p01_money_refuses_to_add_a_bare_number():
    with pytest.raises(TypeError, match="int"):
        Money(100) + 100  # type: ignore[operator]


def test_p01_money_refuses_a_sum_past_64_bits():
    with pytest.raises(ValueError, match="64 bits"):
        Money(MAX_CENTS) + Money(1)


def test_p01_money_equality_includes_the_currency():
    assert Money(100, "CAD") != Money(100, "USD")
    assert Money(100, "CAD") == Money(100)


# --- split by largest remainder -----------------------------------------------


@pytest.mark.parametrize(
    ("cents", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (1_000, [1, 2], [333, 667]),
        (250_000, [3, 0, 1], [187_500, 0, 62_500]),
        (1, [1, 1], [1, 0]),
        (0, [5, 7], [0, 0]),
    ],
)
def test_p01_split_gives_leftover_cents_to_the_largest_remainders(cents, weights, expected):
    parts = Money(cents, "USD").split(weights)

    assert parts == [Money(part, "USD") for part in expected]


@pytest.mark.parametrize("weights", [[], [0, 0], [-1, 2], [1.5, 1], [True, 1]], ids=repr)
def test_p01_split_refuses_weights_that_are_not_non_negative_ints(weights):
    with pytest.raises(ValueError, match="weights"):
        Money(100).split(weights)


@given(
    cents=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(
        any
    ),
)
def test_p01_split_parts_sum_to_the_whole_each_within_a_cent_of_its_share(cents, weights):
    total_weight = sum(weights)

    parts = Money(cents).split(weights)

    assert sum(part.cents for part in parts) == cents
    assert all(part.currency == "CAD" for part in parts)
    for part, weight in zip(parts, weights, strict=True):
        # |part - cents * weight / total_weight| < 1, kept in integers
        assert abs(part.cents * total_weight - cents * weight) < total_weight
        if weight == 0:
            assert part.cents == 0
    assert Money(cents).split(weights) == parts


# --- format -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "currency", "language", "expected"),
    [
        (150_000, "CAD", "fr", "1\u00a0500,00\u00a0$"),
        (150_000, "CAD", "fr-ca", "1\u00a0500,00\u00a0$"),
        (150_000, "CAD", "en", "$1,500.00"),
        (150_000_000, "CAD", "fr", "1\u00a0500\u00a0000,00\u00a0$"),
        (150_000_000, "CAD", "en", "$1,500,000.00"),
        (5, "CAD", "fr", "0,05\u00a0$"),
        (5, "CAD", "en", "$0.05"),
        (-150_099, "CAD", "fr", "-1\u00a0500,99\u00a0$"),
        (-150_099, "CAD", "en", "-$1,500.99"),
        (150_000, "USD", "fr", "1\u00a0500,00\u00a0USD"),
        (150_000, "USD", "en", "USD 1,500.00"),
    ],
)
def test_p05_format_writes_money_the_way_each_language_does(cents, currency, language, expected):
    assert Money(cents, currency).format(language) == expected


def test_p05_format_defaults_to_french():
    assert Money(150_000).format() == "1\u00a0500,00\u00a0$"


# --- require_cents ----------------------------------------------------------


@pytest.mark.parametrize("cents", [1, 250_000, MAX_CENTS])
def test_p01_require_cents_returns_a_positive_int(cents):
    assert require_cents(cents) == cents


@pytest.mark.parametrize("cents", [0, -1])
def test_p01_require_cents_refuses_zero_or_negative_by_default(cents):
    with pytest.raises(ValueError, match="positive"):
        require_cents(cents)


@pytest.mark.parametrize("cents", [0, -1, -MAX_CENTS])
def test_p01_require_cents_accepts_zero_or_negative_when_asked(cents):
    assert require_cents(cents, positive=False) == cents


@pytest.mark.parametrize("cents", NOT_CENTS, ids=repr)
@pytest.mark.parametrize("positive", [True, False])
def test_p01_require_cents_refuses_anything_but_int(cents, positive):
    with pytest.raises(TypeError, match="must be an int"):
        require_cents(cents, positive=positive)


@pytest.mark.parametrize("cents", [MAX_CENTS + 1, -MAX_CENTS - 1])
def test_p01_require_cents_refuses_amounts_past_64_bits(cents):
    with pytest.raises(ValueError, match="64 bits"):
        require_cents(cents, positive=False)
