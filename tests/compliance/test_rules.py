"""The pure rules of RULES.md (R01–R12), judged under the shipped rulebook data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from equity.compliance.rules import (
    BondTerms,
    CapUsage,
    IssuerFacts,
    OfferingTerms,
    PrincipalFacts,
    Violation,
    cap_window,
    check_distribution_period,
    check_group_cap,
    check_group_not_reporting,
    check_head_office_in_canada,
    check_issuer_eligibility,
    check_not_blind_pool,
    check_not_investment_fund,
    check_offering_amounts,
    check_offering_terms,
    check_one_active_distribution,
    check_principals_not_disqualified,
    check_security_type,
    headroom_cents,
    shift_months,
)
from equity.compliance.shipped import shipped_rulebooks
from equity.compliance.terms import RulebookTerms, parse_terms
from equity.money import Money

SHIPPED = {entry["code"]: entry for entry in shipped_rulebooks()}


def rulebook_terms(code: str, **parameter_changes: Any) -> RulebookTerms:
    """Return the shipped terms of ``code``, with some parameters corrected."""
    entry = SHIPPED[code]
    return parse_terms(
        code=entry["code"],
        version=entry["version"],
        effective_from=date.fromisoformat(entry["effective_from"]),
        superseded_on=(
            date.fromisoformat(entry["superseded_on"]) if entry["superseded_on"] else None
        ),
        parameters={**entry["parameters"], **parameter_changes},
    )


NI_45_110 = rulebook_terms("ni45-110")
STARTUP_2015 = rulebook_terms("startup-2015")
AS_OF = date(2026, 3, 2)

ELIGIBLE_ISSUER = IssuerFacts(
    issuer_id=1,
    legal_name="Vélo-Cargo Québec inc.",
    head_office_country="CA",
    is_reporting_issuer=False,
    is_investment_fund=False,
    is_blind_pool=False,
    business_description="Fabrique de vélos cargo électriques pour la livraison urbaine.",
)

COMMON_SHARES = OfferingTerms(
    security_type="common_share",
    price_per_security_cents=1_000,
    minimum_amount_cents=2_000_000,
    maximum_amount_cents=10_000_000,
    distribution_days=60,
    bond_terms=None,
)

COMMUNITY_BOND = BondTerms(annual_rate_bps=450, term_months=60, interest_frequency="annual")


def issuer(**changes: Any) -> IssuerFacts:
    return replace(ELIGIBLE_ISSUER, **changes)


def offering(**changes: Any) -> OfferingTerms:
    return replace(COMMON_SHARES, **changes)


def principal(
    *declarations: tuple[str, date | None], overridden: bool = False, name: str = "Camille Gagnon"
) -> PrincipalFacts:
    return PrincipalFacts(
        principal_id=1,
        issuer_id=ELIGIBLE_ISSUER.issuer_id,
        full_name=name,
        positive_declarations=declarations,
        overridden=overridden,
    )


def usage(raised_cents: int = 0, reserved_cents: int = 0, this_year: int = 0) -> CapUsage:
    window_start, window_end = cap_window(AS_OF, NI_45_110)
    return CapUsage(
        window_start=window_start,
        window_end=window_end,
        raised_cents=raised_cents,
        reserved_cents=reserved_cents,
        distributions_in_calendar_year=this_year,
    )


def years_before(day: date, years: int) -> date:
    """Return the same calendar date ``years`` earlier (28 February for a leap day)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- the shipped data --------------------------------------------------------


def test_shipped_rulebooks_carry_the_figures_of_rules_md():
    assert NI_45_110.cap_basis == "rolling_window"
    assert NI_45_110.issuer_cap_cents == 150_000_000
    assert NI_45_110.cap_window_months == 12
    assert NI_45_110.max_distributions_per_calendar_year is None
    assert STARTUP_2015.cap_basis == "per_distribution"
    assert STARTUP_2015.issuer_cap_cents == 25_000_000
    assert STARTUP_2015.max_distributions_per_calendar_year == 2


# --- R01 to R04: the issuer and its group ------------------------------------


def test_r01_refuses_head_office_outside_canada():
    assert check_head_office_in_canada(issuer(head_office_country="US")) == [
        Violation(
            "R01",
            "head_office_outside_canada",
            {"issuer": "Vélo-Cargo Québec inc.", "country": "US"},
        )
    ]


@pytest.mark.parametrize("country", ["CA", "ca"])
def test_r01_accepts_head_office_in_canada(country):
    assert check_head_office_in_canada(issuer(head_office_country=country)) == []


@pytest.mark.parametrize("reporting_index", [0, 1, 2])
def test_r02_refuses_group_with_a_reporting_member_naming_it(reporting_index):
    group = [issuer(issuer_id=n, legal_name=f"Membre {n} inc.") for n in range(3)]
    group[reporting_index] = replace(group[reporting_index], is_reporting_issuer=True)

    assert check_group_not_reporting(group) == [
        Violation("R02", "reporting_issuer", {"issuer": f"Membre {reporting_index} inc."})
    ]


def test_r02_accepts_group_without_reporting_issuer():
    group = [issuer(issuer_id=n, legal_name=f"Membre {n} inc.") for n in range(3)]

    assert check_group_not_reporting(group) == []


def test_r03_refuses_investment_fund():
    assert check_not_investment_fund(issuer(is_investment_fund=True)) == [
        Violation("R03", "investment_fund", {"issuer": "Vélo-Cargo Québec inc."})
    ]


def test_r03_accepts_operating_business():
    assert check_not_investment_fund(ELIGIBLE_ISSUER) == []


@pytest.mark.parametrize(
    ("is_blind_pool", "description"),
    [
        (True, ELIGIBLE_ISSUER.business_description),
        (False, ""),
        (False, "  \n\t "),
    ],
    ids=["flagged", "empty", "blank"],
)
def test_r04_refuses_blind_pool_or_undescribed_business(is_blind_pool, description):
    facts = issuer(is_blind_pool=is_blind_pool, business_description=description)

    assert check_not_blind_pool(facts) == [
        Violation("R04", "blind_pool", {"issuer": "Vélo-Cargo Québec inc."})
    ]


def test_r04_accepts_described_business():
    assert check_not_blind_pool(ELIGIBLE_ISSUER) == []


# --- R05: disqualified principals ---------------------------------------------


def test_r05_undated_positive_declaration_blocks():
    violations = check_principals_not_disqualified(
        [principal(("bankruptcy", None))], as_of=AS_OF, terms=NI_45_110
    )

    assert violations == [
        Violation(
            "R05",
            "principal_disqualified",
            {
                "principal": "Camille Gagnon",
                "declarations": ("bankruptcy",),
                "years": NI_45_110.disqualification_lookback_years,
            },
        )
    ]


def test_r05_declaration_older_than_lookback_does_not_block():
    boundary = years_before(AS_OF, NI_45_110.disqualification_lookback_years)
    old = principal(("fraud_conviction", boundary - timedelta(days=1)))

    assert check_principals_not_disqualified([old], as_of=AS_OF, terms=NI_45_110) == []


def test_r05_declaration_exactly_at_lookback_boundary_blocks():
    boundary = years_before(AS_OF, NI_45_110.disqualification_lookback_years)

    violations = check_principals_not_disqualified(
        [principal(("fraud_conviction", boundary))], as_of=AS_OF, terms=NI_45_110
    )

    assert [(v.rule, v.params["declarations"]) for v in violations] == [
        ("R05", ("fraud_conviction",))
    ]


def test_r05_lists_only_the_declarations_within_lookback():
    boundary = years_before(AS_OF, NI_45_110.disqualification_lookback_years)
    mixed = principal(
        ("cease_trade_order", boundary - timedelta(days=1)),
        ("securities_sanction", AS_OF - timedelta(days=30)),
        ("bankruptcy", None),
    )

    violations = check_principals_not_disqualified([mixed], as_of=AS_OF, terms=NI_45_110)

    assert [v.params["declarations"] for v in violations] == [("securities_sanction", "bankruptcy")]


def test_r05_override_lifts_the_block():
    overridden = principal(("bankruptcy", None), ("fraud_conviction", AS_OF), overridden=True)

    assert check_principals_not_disqualified([overridden], as_of=AS_OF, terms=NI_45_110) == []


def test_r05_reports_each_disqualified_principal_and_only_those():
    principals = [
        principal(name="Camille Gagnon"),
        principal(("bankruptcy", None), name="Jules Roy"),
        principal(("bankruptcy", None), name="Inès Roy", overridden=True),
        principal(("cease_trade_order", AS_OF), name="Noé Côté"),
    ]

    violations = check_principals_not_disqualified(principals, as_of=AS_OF, terms=NI_45_110)

    assert [v.params["principal"] for v in violations] == ["Jules Roy", "Noé Côté"]


def test_r05_lookback_is_read_from_the_terms():
    shorter = rulebook_terms("ni45-110", disqualification_lookback_years=5)
    seven_years_ago = principal(("bankruptcy", years_before(AS_OF, 7)))

    under_shipped = check_principals_not_disqualified(
        [seven_years_ago], as_of=AS_OF, terms=NI_45_110
    )
    under_shorter = check_principals_not_disqualified([seven_years_ago], as_of=AS_OF, terms=shorter)

    assert [v.params["years"] for v in under_shipped] == [NI_45_110.disqualification_lookback_years]
    assert under_shorter == []


@given(
    as_of=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    days_before=st.integers(min_value=0, max_value=366 * 15),
)
def test_r05_blocks_iff_declared_on_or_after_the_lookback_boundary(as_of, days_before):
    declared_on = as_of - timedelta(days=days_before)
    boundary = years_before(as_of, NI_45_110.disqualification_lookback_years)

    violations = check_principals_not_disqualified(
        [principal(("bankruptcy", declared_on))], as_of=as_of, terms=NI_45_110
    )

    assert len(violations) == (1 if declared_on >= boundary else 0)


def test_r01_to_r05_are_checked_together_in_order():
    ineligible = issuer(
        head_office_country="FR",
        is_reporting_issuer=True,
        is_investment_fund=True,
        is_blind_pool=True,
    )

    violations = check_issuer_eligibility(
        ineligible,
        group=[ineligible],
        principals=[principal(("bankruptcy", None))],
        as_of=AS_OF,
        terms=NI_45_110,
    )

    assert [v.rule for v in violations] == ["R01", "R02", "R03", "R04", "R05"]


def test_r01_to_r05_accept_an_eligible_issuer():
    violations = check_issuer_eligibility(
        ELIGIBLE_ISSUER,
        group=[ELIGIBLE_ISSUER],
        principals=[principal()],
        as_of=AS_OF,
        terms=NI_45_110,
    )

    assert violations == []


# --- R07: one distribution at a time ------------------------------------------


def test_r07_accepts_when_no_other_distribution_is_active():
    assert check_one_active_distribution(0, NI_45_110) == []


@pytest.mark.parametrize("active_elsewhere", [1, 2])
def test_r07_refuses_while_another_distribution_is_active(active_elsewhere):
    assert check_one_active_distribution(active_elsewhere, NI_45_110) == [
        Violation(
            "R07",
            "group_distribution_active",
            {"limit": NI_45_110.max_open_distributions_per_group},
        )
    ]


def test_r07_limit_is_read_from_the_terms():
    two_at_a_time = rulebook_terms("ni45-110", max_open_distributions_per_group=2)

    assert check_one_active_distribution(1, two_at_a_time) == []
    assert [v.rule for v in check_one_active_distribution(2, two_at_a_time)] == ["R07"]


# --- R08: the issuer-group cap ------------------------------------------------


def test_r08_accepts_maximum_equal_to_headroom():
    used = usage(raised_cents=90_000_000, reserved_cents=10_000_000)
    headroom = NI_45_110.issuer_cap_cents - 90_000_000 - 10_000_000

    assert headroom_cents(used, NI_45_110) == headroom
    assert check_group_cap(headroom, used, NI_45_110) == []


def test_r08_refuses_maximum_past_group_headroom():
    used = usage(raised_cents=90_000_000, reserved_cents=10_000_000)
    headroom = NI_45_110.issuer_cap_cents - 90_000_000 - 10_000_000

    assert check_group_cap(headroom + 1, used, NI_45_110) == [
        Violation(
            "R08",
            "issuer_group_cap_exceeded",
            {
                "maximum_cents": headroom + 1,
                "headroom_cents": headroom,
                "limit_cents": NI_45_110.issuer_cap_cents,
            },
        )
    ]


def test_r08_headroom_is_never_negative():
    used = usage(raised_cents=NI_45_110.issuer_cap_cents, reserved_cents=5_000_000)

    assert headroom_cents(used, NI_45_110) == 0
    assert [v.params["headroom_cents"] for v in check_group_cap(1, used, NI_45_110)] == [0]


def test_r08_rolling_window_has_no_yearly_count():
    assert check_group_cap(1_000_000, usage(this_year=5), NI_45_110) == []


@given(
    raised=st.integers(min_value=0, max_value=3 * NI_45_110.issuer_cap_cents),
    reserved=st.integers(min_value=0, max_value=3 * NI_45_110.issuer_cap_cents),
    maximum=st.integers(min_value=1, max_value=3 * NI_45_110.issuer_cap_cents),
)
def test_r08_refuses_iff_maximum_exceeds_headroom(raised, reserved, maximum):
    used = usage(raised_cents=raised, reserved_cents=reserved)
    headroom = headroom_cents(used, NI_45_110)

    assert headroom == max(0, NI_45_110.issuer_cap_cents - raised - reserved)
    assert bool(check_group_cap(maximum, used, NI_45_110)) == (maximum > headroom)


def test_r08_per_distribution_accepts_cap_whatever_the_group_raised():
    used = usage(raised_cents=3 * STARTUP_2015.issuer_cap_cents, reserved_cents=1_000_000)

    assert headroom_cents(used, STARTUP_2015) == STARTUP_2015.issuer_cap_cents
    assert check_group_cap(STARTUP_2015.issuer_cap_cents, used, STARTUP_2015) == []


def test_r08_per_distribution_refuses_maximum_above_cap():
    maximum = STARTUP_2015.issuer_cap_cents + 1

    assert check_group_cap(maximum, usage(), STARTUP_2015) == [
        Violation(
            "R08",
            "issuer_group_cap_exceeded",
            {
                "maximum_cents": maximum,
                "headroom_cents": STARTUP_2015.issuer_cap_cents,
                "limit_cents": STARTUP_2015.issuer_cap_cents,
            },
        )
    ]


def test_r08_per_distribution_accepts_second_distribution_in_calendar_year():
    assert check_group_cap(1_000_000, usage(this_year=1), STARTUP_2015) == []


def test_r08_per_distribution_refuses_third_distribution_in_calendar_year():
    yearly = STARTUP_2015.max_distributions_per_calendar_year

    assert check_group_cap(1_000_000, usage(this_year=yearly), STARTUP_2015) == [
        Violation("R08", "distributions_per_year_exceeded", {"limit": yearly})
    ]


def test_r08_per_distribution_reports_cap_and_count_together():
    yearly = STARTUP_2015.max_distributions_per_calendar_year
    maximum = STARTUP_2015.issuer_cap_cents + 1

    violations = check_group_cap(maximum, usage(this_year=yearly), STARTUP_2015)

    assert [v.code for v in violations] == [
        "issuer_group_cap_exceeded",
        "distributions_per_year_exceeded",
    ]


# --- R08: the 12-month window and month arithmetic ----------------------------


@pytest.mark.parametrize(
    ("window_end", "window_start"),
    [
        (date(2026, 3, 2), date(2025, 3, 3)),
        (date(2026, 12, 31), date(2026, 1, 1)),
        (date(2028, 2, 29), date(2027, 3, 1)),
        (date(2028, 2, 28), date(2027, 3, 1)),
        (date(2029, 2, 28), date(2028, 2, 29)),
    ],
)
def test_r08_cap_window_is_twelve_months_ending_on_the_date_both_ends_included(
    window_end, window_start
):
    assert cap_window(window_end, NI_45_110) == (window_start, window_end)


def test_r08_cap_window_length_is_read_from_the_terms():
    six_months = rulebook_terms("ni45-110", cap_window_months=6)

    assert cap_window(date(2026, 3, 2), six_months) == (date(2025, 9, 3), date(2026, 3, 2))


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 12, 31)))
def test_r08_cap_window_spans_exactly_one_year(window_end):
    window_start, end = cap_window(window_end, NI_45_110)
    days = (end - window_start).days + 1
    holds_leap_day = any(
        (window_start + timedelta(days=n)).strftime("%m-%d") == "02-29" for n in range(days)
    )

    assert end == window_end
    assert days == (366 if holds_leap_day else 365)
    assert window_start > years_before(window_end, 1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 2), 0, date(2026, 3, 2)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), -48, date(2024, 2, 29)),
    ],
)
def test_shift_months_clamps_to_the_last_day_of_the_month(day, months, expected):
    assert shift_months(day, months) == expected


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    months=st.integers(min_value=-1200, max_value=1200),
)
def test_shift_months_moves_whole_months_and_clamps(day, months):
    shifted = shift_months(day, months)
    back = shift_months(shifted, -months)
    is_last_of_month = (shifted + timedelta(days=1)).day == 1

    assert (shifted.year * 12 + shifted.month) - (day.year * 12 + day.month) == months
    assert shifted.day == day.day or (shifted.day < day.day and is_last_of_month)
    assert (back.year, back.month) == (day.year, day.month)
    assert back.day <= day.day


# --- R10: eligible securities -------------------------------------------------


@pytest.mark.parametrize("security_type", NI_45_110.eligible_security_types)
def test_r10_accepts_every_shipped_security_type(security_type):
    bond = COMMUNITY_BOND if security_type == "debt" else None

    assert (
        check_security_type(offering(security_type=security_type, bond_terms=bond), NI_45_110) == []
    )


def test_r10_refuses_unknown_security_type():
    assert check_security_type(offering(security_type="warrant"), NI_45_110) == [
        Violation(
            "R10",
            "security_type_not_eligible",
            {"security_type": "warrant", "rulebook": NI_45_110.label},
        )
    ]


def test_r10_refuses_debt_without_bond_terms():
    assert check_security_type(offering(security_type="debt"), NI_45_110) == [
        Violation("R10", "bond_terms_required")
    ]


@pytest.mark.parametrize(
    "bond",
    [
        replace(COMMUNITY_BOND, annual_rate_bps=-1),
        replace(COMMUNITY_BOND, term_months=0),
        replace(COMMUNITY_BOND, interest_frequency="weekly"),
    ],
    ids=["negative-rate", "no-term", "unknown-frequency"],
)
def test_r10_refuses_invalid_bond_terms(bond):
    assert check_security_type(offering(security_type="debt", bond_terms=bond), NI_45_110) == [
        Violation("R10", "bond_terms_invalid")
    ]


def test_r10_accepts_zero_rate_bond():
    zero_coupon = replace(COMMUNITY_BOND, annual_rate_bps=0, interest_frequency="at_maturity")

    assert (
        check_security_type(offering(security_type="debt", bond_terms=zero_coupon), NI_45_110) == []
    )


def test_r10_refuses_bond_terms_on_shares():
    assert check_security_type(offering(bond_terms=COMMUNITY_BOND), NI_45_110) == [
        Violation("R10", "bond_terms_not_applicable", {"security_type": "common_share"})
    ]


def test_r10_eligible_list_is_read_from_the_terms():
    without_lp_units = rulebook_terms(
        "ni45-110",
        eligible_security_types=[
            kind for kind in NI_45_110.eligible_security_types if kind != "lp_unit"
        ],
    )

    assert check_security_type(offering(security_type="lp_unit"), without_lp_units) == [
        Violation(
            "R10",
            "security_type_not_eligible",
            {"security_type": "lp_unit", "rulebook": without_lp_units.label},
        )
    ]
    assert check_security_type(offering(), without_lp_units) == []


# --- R11: minimum and maximum -------------------------------------------------


def test_r11_refuses_minimum_above_maximum():
    assert check_offering_amounts(
        offering(minimum_amount_cents=10_001_000, maximum_amount_cents=10_000_000)
    ) == [
        Violation(
            "R11",
            "minimum_above_maximum",
            {"minimum_cents": 10_001_000, "maximum_cents": 10_000_000},
        )
    ]


def test_r11_accepts_minimum_equal_to_maximum():
    assert check_offering_amounts(offering(minimum_amount_cents=10_000_000)) == []


def test_r11_refuses_amounts_that_are_not_whole_securities():
    uneven = offering(minimum_amount_cents=2_000_500, maximum_amount_cents=10_000_001)

    assert check_offering_amounts(uneven) == [
        Violation(
            "R11",
            "amount_not_multiple_of_price",
            {"amount": "minimum", "amount_cents": 2_000_500, "price_cents": 1_000},
        ),
        Violation(
            "R11",
            "amount_not_multiple_of_price",
            {"amount": "maximum", "amount_cents": 10_000_001, "price_cents": 1_000},
        ),
    ]


@pytest.mark.parametrize(
    "field", ["price_per_security_cents", "minimum_amount_cents", "maximum_amount_cents"]
)
@pytest.mark.parametrize("amount", [0, -1_000])
def test_r11_refuses_non_positive_amounts(field, amount):
    assert check_offering_amounts(offering(**{field: amount})) == [
        Violation("R11", "amount_not_positive")
    ]


@given(
    price=st.integers(min_value=1, max_value=10**6),
    securities=st.tuples(
        st.integers(min_value=1, max_value=10**5), st.integers(min_value=1, max_value=10**5)
    ),
)
def test_r11_accepts_any_whole_numbers_of_securities_in_order(price, securities):
    fewer, more = sorted(securities)
    terms = offering(
        price_per_security_cents=price,
        minimum_amount_cents=fewer * price,
        maximum_amount_cents=more * price,
    )

    assert check_offering_amounts(terms) == []


@given(
    price=st.integers(min_value=1, max_value=10**6),
    minimum=st.integers(min_value=2, max_value=10**5),
    data=st.data(),
)
def test_r11_refuses_any_minimum_above_maximum(price, minimum, data):
    maximum = data.draw(st.integers(min_value=1, max_value=minimum - 1))
    terms = offering(
        price_per_security_cents=price,
        minimum_amount_cents=minimum * price,
        maximum_amount_cents=maximum * price,
    )

    assert [v.code for v in check_offering_amounts(terms)] == ["minimum_above_maximum"]


# --- R12: the distribution period ---------------------------------------------


@pytest.mark.parametrize("days", [1, NI_45_110.max_distribution_days])
def test_r12_accepts_period_within_the_maximum(days):
    assert check_distribution_period(offering(distribution_days=days), NI_45_110) == []


@pytest.mark.parametrize("days", [-1, 0, NI_45_110.max_distribution_days + 1])
def test_r12_refuses_period_outside_one_to_maximum_days(days):
    assert check_distribution_period(offering(distribution_days=days), NI_45_110) == [
        Violation(
            "R12",
            "distribution_period_too_long",
            {"days": days, "max_days": NI_45_110.max_distribution_days},
        )
    ]


def test_r10_to_r12_are_checked_together_in_order():
    bad = offering(security_type="warrant", minimum_amount_cents=0, distribution_days=0)

    assert [v.rule for v in check_offering_terms(bad, NI_45_110)] == ["R10", "R11", "R12"]


def test_r10_to_r12_accept_a_sound_offering():
    assert check_offering_terms(COMMON_SHARES, NI_45_110) == []


# --- P04, P05: every refusal explains itself in French and English -----------


ENGLISH_WORDS = {
    "bankruptcy": "a bankruptcy",
    "common_share": "common shares",
    "minimum": "the minimum",
    "maximum": "the maximum",
}


def english_fragments(violation: Violation) -> list[str]:
    """Return what the English reason must contain: names, figures, money and words for codes."""
    fragments = []
    for key, value in violation.params.items():
        if key.endswith("_cents"):
            fragments.append(Money(value).format("en"))
        elif isinstance(value, tuple):
            fragments.extend(ENGLISH_WORDS[item] for item in value)
        else:
            fragments.append(ENGLISH_WORDS.get(value, str(value)))
    return fragments


EVERY_REFUSAL = [
    *check_head_office_in_canada(issuer(head_office_country="US")),
    *check_group_not_reporting([issuer(is_reporting_issuer=True)]),
    *check_not_investment_fund(issuer(is_investment_fund=True)),
    *check_not_blind_pool(issuer(is_blind_pool=True)),
    *check_principals_not_disqualified(
        [principal(("bankruptcy", None))], as_of=AS_OF, terms=NI_45_110
    ),
    *check_one_active_distribution(1, NI_45_110),
    *check_group_cap(NI_45_110.issuer_cap_cents, usage(raised_cents=12_345_678), NI_45_110),
    *check_group_cap(1_000_000, usage(this_year=2), STARTUP_2015),
    *check_security_type(offering(security_type="warrant"), NI_45_110),
    *check_security_type(offering(security_type="debt"), NI_45_110),
    *check_security_type(
        offering(security_type="debt", bond_terms=replace(COMMUNITY_BOND, term_months=0)),
        NI_45_110,
    ),
    *check_security_type(offering(bond_terms=COMMUNITY_BOND), NI_45_110),
    *check_offering_amounts(offering(minimum_amount_cents=0)),
    *check_offering_amounts(
        offering(minimum_amount_cents=10_001_000, maximum_amount_cents=10_000_001)
    ),
    *check_distribution_period(offering(distribution_days=91), NI_45_110),
]


def test_p04_every_violation_code_is_exercised_by_the_rendering_tests():
    assert {v.code for v in EVERY_REFUSAL} == {
        "head_office_outside_canada",
        "reporting_issuer",
        "investment_fund",
        "blind_pool",
        "principal_disqualified",
        "group_distribution_active",
        "issuer_group_cap_exceeded",
        "distributions_per_year_exceeded",
        "security_type_not_eligible",
        "bond_terms_required",
        "bond_terms_invalid",
        "bond_terms_not_applicable",
        "amount_not_positive",
        "minimum_above_maximum",
        "amount_not_multiple_of_price",
        "distribution_period_too_long",
    }


@pytest.mark.parametrize("violation", EVERY_REFUSAL, ids=lambda v: f"{v.rule}-{v.code}")
def test_p04_violation_detail_renders_figures_in_english(violation):
    with override("en"):
        detail = violation.detail

    assert detail
    assert "%(" not in detail
    for fragment in english_fragments(violation):
        assert fragment in detail


@pytest.mark.parametrize("violation", EVERY_REFUSAL, ids=lambda v: f"{v.rule}-{v.code}")
def test_p05_violation_detail_renders_money_in_french(violation):
    with override("fr"):
        detail = violation.detail

    assert "%(" not in detail
    for key, value in violation.params.items():
        if key.endswith("_cents"):
            assert Money(value).format("fr") in detail


def test_r08_cap_refusal_reads_as_a_sentence_with_money():
    violation = Violation(
        "R08",
        "issuer_group_cap_exceeded",
        {"maximum_cents": 150_000_001, "headroom_cents": 0, "limit_cents": 150_000_000},
    )

    with override("en"):
        english = violation.detail
    with override("fr"):
        french = violation.detail

    assert english == (
        "The maximum of $1,500,000.01 does not fit the issuer group's remaining capacity of "
        "$0.00 under the cap of $1,500,000.00."
    )
    assert "1\u00a0500\u00a0000,01\u00a0$" in french
    assert "0,00\u00a0$" in french


def test_p04_violation_as_dict_carries_rule_code_and_detail():
    violation = check_not_investment_fund(issuer(is_investment_fund=True))[0]

    with override("en"):
        as_dict = violation.as_dict()

    assert as_dict == {
        "rule": "R03",
        "code": "investment_fund",
        "detail": "Vélo-Cargo Québec inc. is an investment fund, which the exemption excludes.",
    }
