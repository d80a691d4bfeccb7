"""POST /api/v1/offerings: a draft's terms are checked at once (R10-R12, P04)."""

from __future__ import annotations

import pytest

from equity.compliance.models import AuditEvent
from equity.offerings.models import Offering

OFFERINGS = "/api/v1/offerings"
AMOUNT_FIELDS = ("price_per_security_cents", "minimum_amount_cents", "maximum_amount_cents")


def _assert_refused(response, *, status: int, code: str, rule: str | None) -> dict:
    assert response.status_code == status, response.json()
    body = response.json()
    assert (body["code"], body["rule"]) == (code, rule)
    assert body["detail"]
    return body


@pytest.fixture
def unchanged(db):
    """Assert, after the test body, that no offering and no audit event was written."""
    before = (Offering.objects.count(), AuditEvent.objects.count())
    yield
    assert (Offering.objects.count(), AuditEvent.objects.count()) == before


# --- the draft --------------------------------------------------------------


def test_creates_a_draft_of_common_shares(api, issuer_user, issuer, offering_body):
    response = api(issuer_user).post(OFFERINGS, offering_body(issuer), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    offering = Offering.objects.get()
    assert body["id"] == offering.pk
    assert body["state"] == "draft"
    assert body["issuer"] == issuer.pk
    assert body["rulebook"] == "ni45-110"
    assert body["rulebook_version"] is None
    assert body["currency"] == "CAD"
    assert (body["minimum_amount_cents"], body["maximum_amount_cents"]) == (2_000_000, 10_000_000)
    assert body["raised_cents"] == 0
    assert body["bond_terms"] is None
    assert offering.created_by == issuer_user
    event = AuditEvent.objects.get()
    assert (event.action, event.subject) == ("offering.created", f"offering:{offering.pk}")


def test_r10_a_community_bond_returns_its_bond_terms(api, issuer_user, issuer, offering_body):
    terms = {"annual_rate_bps": 450, "term_months": 60, "interest_frequency": "annual"}
    body = offering_body(
        issuer, title="Obligations communautaires 2026", security_type="debt", bond_terms=terms
    )

    response = api(issuer_user).post(OFFERINGS, body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["security_type"] == "debt"
    assert response.json()["bond_terms"] == terms
    offering = Offering.objects.get()
    assert (offering.annual_rate_bps, offering.term_months, offering.interest_frequency) == (
        450,
        60,
        "annual",
    )


# --- R11: amounts are JSON integers of cents, positive, within 64 bits -------


@pytest.mark.parametrize("field", AMOUNT_FIELDS)
@pytest.mark.parametrize(
    "amount",
    [-1_000, 0, 10.5, 1000.0, "1000", 2**63],
    ids=["negative", "zero", "fractional", "float", "string", "beyond-64-bits"],
)
def test_r11_refuses_an_amount_that_is_not_positive_integer_cents(
    api, issuer_user, issuer, offering_body, unchanged, field, amount
):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, **{field: amount}), format="json"
    )

    body = _assert_refused(response, status=400, code="invalid", rule="R11")
    assert list(body["errors"]) == [field]


def test_r11_refuses_a_minimum_above_the_maximum(
    api, issuer_user, issuer, offering_body, unchanged
):
    body = offering_body(issuer, minimum_amount_cents=20_000_000, maximum_amount_cents=10_000_000)

    response = api(issuer_user).post(OFFERINGS, body, format="json")

    refused = _assert_refused(response, status=422, code="minimum_above_maximum", rule="R11")
    [violation] = refused["violations"]
    assert (violation["rule"], violation["code"]) == ("R11", "minimum_above_maximum")
    assert "$200,000.00" in violation["detail"]
    assert "$100,000.00" in violation["detail"]


def test_r11_refuses_amounts_that_are_not_whole_securities(
    api, issuer_user, issuer, offering_body, unchanged
):
    body = offering_body(issuer, price_per_security_cents=3_000)

    response = api(issuer_user).post(OFFERINGS, body, format="json")

    refused = _assert_refused(response, status=422, code="amount_not_multiple_of_price", rule="R11")
    assert [(v["rule"], v["code"]) for v in refused["violations"]] == [
        ("R11", "amount_not_multiple_of_price"),
        ("R11", "amount_not_multiple_of_price"),
    ]


# --- R12: the distribution period --------------------------------------------


def test_r12_refuses_a_distribution_period_past_the_rulebook_limit(
    api, issuer_user, issuer, offering_body, unchanged
):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, distribution_days=91), format="json"
    )

    refused = _assert_refused(response, status=422, code="distribution_period_too_long", rule="R12")
    assert "91" in refused["detail"]
    assert "90" in refused["detail"]


def test_r12_accepts_a_distribution_period_at_the_rulebook_limit(
    api, issuer_user, issuer, offering_body
):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, distribution_days=90), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["distribution_days"] == 90


@pytest.mark.parametrize("days", [0, "60", 60.0])
def test_r12_refuses_a_distribution_period_that_is_not_a_positive_integer(
    api, issuer_user, issuer, offering_body, unchanged, days
):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, distribution_days=days), format="json"
    )

    body = _assert_refused(response, status=400, code="invalid", rule="R12")
    assert list(body["errors"]) == ["distribution_days"]


# --- R10: eligible securities ---------------------------------------------------


def test_r10_refuses_an_unknown_security_type(api, issuer_user, issuer, offering_body, unchanged):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, security_type="warrant"), format="json"
    )

    body = _assert_refused(response, status=400, code="invalid", rule="R10")
    assert list(body["errors"]) == ["security_type"]


def test_r10_refuses_debt_without_bond_terms(api, issuer_user, issuer, offering_body, unchanged):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, security_type="debt"), format="json"
    )

    _assert_refused(response, status=422, code="bond_terms_required", rule="R10")


def test_r10_refuses_bond_terms_with_an_unknown_interest_frequency(
    api, issuer_user, issuer, offering_body, unchanged
):
    terms = {"annual_rate_bps": 450, "term_months": 60, "interest_frequency": "weekly"}

    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, security_type="debt", bond_terms=terms), format="json"
    )

    body = _assert_refused(response, status=400, code="invalid", rule="R10")
    assert list(body["errors"]["bond_terms"]) == ["interest_frequency"]


def test_r10_refuses_bond_terms_on_shares(api, issuer_user, issuer, offering_body, unchanged):
    terms = {"annual_rate_bps": 450, "term_months": 60, "interest_frequency": "annual"}

    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, bond_terms=terms), format="json"
    )

    _assert_refused(response, status=422, code="bond_terms_not_applicable", rule="R10")


# --- P04: who may draft, under which rulebook -----------------------------------


def test_p04_refuses_an_issuer_the_caller_does_not_own(
    api, other_issuer_user, issuer, offering_body, unchanged
):
    response = api(other_issuer_user).post(OFFERINGS, offering_body(issuer), format="json")

    _assert_refused(response, status=403, code="forbidden", rule=None)


def test_p04_refuses_a_rulebook_not_in_force_today(
    api, issuer_user, issuer, offering_body, unchanged
):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, rulebook="startup-2015"), format="json"
    )

    refused = _assert_refused(response, status=422, code="rulebook_not_in_force", rule=None)
    assert "startup-2015" in refused["detail"]


def test_p04_refuses_an_unknown_rulebook(api, issuer_user, issuer, offering_body, unchanged):
    response = api(issuer_user).post(
        OFFERINGS, offering_body(issuer, rulebook="ni45-999"), format="json"
    )

    _assert_refused(response, status=422, code="rulebook_not_in_force", rule=None)
