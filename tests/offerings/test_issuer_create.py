"""POST /api/v1/issuers and GET /api/v1/issuers/{id} (CONTRACT.md, Issuers)."""

from __future__ import annotations

import pytest

from equity.compliance.models import AuditEvent
from equity.offerings.models import Issuer
from tests.factories import IssuerFactory
from tests.offerings.conftest import head_office_body, principal_body

ISSUERS = "/api/v1/issuers"


def _violations(body: dict) -> list[tuple[str, str]]:
    return [(v["rule"], v["code"]) for v in body["eligibility"]["violations"]]


# --- registration ------------------------------------------------------------


def test_registers_an_eligible_issuer_with_its_principals(api, issuer_user, issuer_body):
    response = api(issuer_user).post(ISSUERS, issuer_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    created = Issuer.objects.get()
    assert body["id"] == created.pk
    assert body["group_id"] == created.pk
    assert body["eligibility"] == {"eligible": True, "violations": []}
    assert created.owner == issuer_user
    assert created.legal_form == "cooperative"
    assert (created.province, created.country) == ("QC", "CA")
    principal = created.principals.get()
    assert principal.full_name == "Camille Gagnon"
    assert principal.identity_key == "camille gagnon"
    assert principal.roles == ["founder", "director"]
    assert body["principals"][0]["id"] == principal.pk
    assert body["principals"][0]["overridden"] is False
    event = AuditEvent.objects.get()
    assert (event.action, event.subject, event.actor) == (
        "issuer.registered",
        f"issuer:{created.pk}",
        f"user:{issuer_user.pk}",
    )


def test_r06_registers_an_affiliate_of_the_same_owner_into_its_group(
    api, issuer_user, issuer, issuer_body
):
    response = api(issuer_user).post(ISSUERS, issuer_body(affiliates=[issuer.pk]), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["affiliates"] == [issuer.pk]
    assert body["group_id"] == issuer.pk


# --- eligibility: registered, but not eligible (R01-R05) --------------------


def test_r01_head_office_outside_canada_is_registered_ineligible(api, issuer_user, issuer_body):
    body = issuer_body(head_office=head_office_body(province="NY", country="US"))

    response = api(issuer_user).post(ISSUERS, body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["eligibility"]["eligible"] is False
    assert _violations(response.json()) == [("R01", "head_office_outside_canada")]
    assert "Canada" in response.json()["eligibility"]["violations"][0]["detail"]


def test_r02_reporting_issuer_is_registered_ineligible(api, issuer_user, issuer_body):
    response = api(issuer_user).post(ISSUERS, issuer_body(is_reporting_issuer=True), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["eligibility"]["eligible"] is False
    assert _violations(response.json()) == [("R02", "reporting_issuer")]


def test_r03_investment_fund_is_registered_ineligible(api, issuer_user, issuer_body):
    response = api(issuer_user).post(ISSUERS, issuer_body(is_investment_fund=True), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["eligibility"]["eligible"] is False
    assert _violations(response.json()) == [("R03", "investment_fund")]


def test_r04_blind_pool_is_registered_ineligible(api, issuer_user, issuer_body):
    response = api(issuer_user).post(ISSUERS, issuer_body(is_blind_pool=True), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["eligibility"]["eligible"] is False
    assert _violations(response.json()) == [("R04", "blind_pool")]


def test_r04_empty_business_description_is_registered_ineligible(api, issuer_user, issuer_body):
    response = api(issuer_user).post(ISSUERS, issuer_body(business_description=""), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["eligibility"]["eligible"] is False
    assert _violations(response.json()) == [("R04", "blind_pool")]


def test_r05_principal_with_a_positive_declaration_is_registered_ineligible(
    api, issuer_user, issuer_body
):
    declared = principal_body(
        "Marc Fortin",
        declarations={
            "cease_trade_order": False,
            "securities_sanction": False,
            "fraud_conviction": True,
            "bankruptcy": False,
        },
    )

    response = api(issuer_user).post(
        ISSUERS, issuer_body(principals=[principal_body(), declared]), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["eligibility"]["eligible"] is False
    assert _violations(response.json()) == [("R05", "principal_disqualified")]
    detail = response.json()["eligibility"]["violations"][0]["detail"]
    assert "Marc Fortin" in detail
    assert "fraud conviction" in detail


# --- bad input: 400, and nothing changes ------------------------------------


def _assert_invalid(response, *, rule: str | None) -> dict:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert set(body) == {"code", "detail", "rule", "errors"}
    assert body["code"] == "invalid"
    assert body["rule"] == rule
    assert body["detail"] == "The request is invalid."
    return body["errors"]


def test_r01_refuses_a_province_that_does_not_exist(api, issuer_user, issuer_body, row_counts):
    before = row_counts()

    response = api(issuer_user).post(
        ISSUERS, issuer_body(head_office=head_office_body(province="ZZ")), format="json"
    )

    errors = _assert_invalid(response, rule="R01")
    assert list(errors) == ["head_office.province"]
    assert row_counts() == before


def test_r01_refuses_a_country_that_does_not_exist(api, issuer_user, issuer_body, row_counts):
    before = row_counts()

    response = api(issuer_user).post(
        ISSUERS, issuer_body(head_office=head_office_body(country="XX")), format="json"
    )

    errors = _assert_invalid(response, rule="R01")
    assert list(errors) == ["head_office.country"]
    assert row_counts() == before


def test_r05_refuses_declarations_sent_as_strings(api, issuer_user, issuer_body, row_counts):
    before = row_counts()
    stringly = principal_body(declarations=dict.fromkeys(principal_body()["declarations"], "false"))

    response = api(issuer_user).post(ISSUERS, issuer_body(principals=[stringly]), format="json")

    errors = _assert_invalid(response, rule="R05")
    assert set(errors["principals"]["0"]["declarations"]) == {
        "cease_trade_order",
        "securities_sanction",
        "fraud_conviction",
        "bankruptcy",
    }
    assert row_counts() == before


def test_r05_refuses_an_unknown_principal_role(api, issuer_user, issuer_body, row_counts):
    before = row_counts()
    treasurer = principal_body(roles=["founder", "treasurer"])

    response = api(issuer_user).post(ISSUERS, issuer_body(principals=[treasurer]), format="json")

    errors = _assert_invalid(response, rule="R05")
    assert errors["principals"]["0"] == {"roles": {"1": ['"treasurer" is not a valid choice.']}}
    assert row_counts() == before


def test_r05_refuses_an_issuer_without_principals(api, issuer_user, issuer_body, row_counts):
    before = row_counts()

    response = api(issuer_user).post(ISSUERS, issuer_body(principals=[]), format="json")

    errors = _assert_invalid(response, rule="R05")
    assert list(errors) == ["principals"]
    assert row_counts() == before


def test_r06_refuses_an_affiliate_that_does_not_exist(api, issuer_user, issuer_body, row_counts):
    before = row_counts()

    response = api(issuer_user).post(ISSUERS, issuer_body(affiliates=[999_999]), format="json")

    errors = _assert_invalid(response, rule="R06")
    assert list(errors) == ["affiliates"]
    assert row_counts() == before


def test_r06_refuses_an_affiliate_owned_by_someone_else(
    api, issuer_user, stranger_issuer, issuer_body, row_counts
):
    before = row_counts()

    response = api(issuer_user).post(
        ISSUERS, issuer_body(affiliates=[stranger_issuer.pk]), format="json"
    )

    errors = _assert_invalid(response, rule="R06")
    assert list(errors) == ["affiliates"]
    assert row_counts() == before


def test_r06_refuses_an_issuer_as_its_own_affiliate(api, issuer_user, issuer, row_counts):
    before = row_counts()

    response = api(issuer_user).post(
        f"{ISSUERS}/{issuer.pk}/affiliates", {"issuer_id": issuer.pk}, format="json"
    )

    errors = _assert_invalid(response, rule="R06")
    assert list(errors) == ["issuer_id"]
    assert not issuer.affiliates.exists()
    assert not issuer.affiliated_with.exists()
    assert row_counts() == before


def test_r06_links_an_affiliate_of_the_same_owner(api, issuer_user, issuer):
    sibling = IssuerFactory(owner=issuer_user, legal_name="Vélo-Cargo Montréal inc.")

    response = api(issuer_user).post(
        f"{ISSUERS}/{issuer.pk}/affiliates", {"issuer_id": sibling.pk}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["affiliates"] == [sibling.pk]
    assert response.json()["group_id"] == min(issuer.pk, sibling.pk)
    event = AuditEvent.objects.get()
    assert (event.action, event.subject) == ("issuer.affiliate_added", f"issuer:{issuer.pk}")


# --- who may register -------------------------------------------------------


def test_refuses_an_investor(api, investor, issuer_body, row_counts):
    before = row_counts()

    response = api(investor).post(ISSUERS, issuer_body(), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["rule"] is None
    assert row_counts() == before


def test_refuses_an_anonymous_caller(api, issuer_body, row_counts):
    before = row_counts()

    response = api().post(ISSUERS, issuer_body(), format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"
    assert row_counts() == before


# --- reading an issuer ------------------------------------------------------


@pytest.mark.parametrize("reader", ["issuer_user", "officer"])
def test_owner_and_officer_read_the_issuer(api, issuer, reader, request):
    response = api(request.getfixturevalue(reader)).get(f"{ISSUERS}/{issuer.pk}")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == issuer.pk
    assert body["group_id"] == issuer.pk
    assert body["eligibility"] == {"eligible": True, "violations": []}
    assert [p["full_name"] for p in body["principals"]] == ["Camille Gagnon"]


def test_a_stranger_cannot_read_the_issuer(api, issuer, other_issuer_user):
    response = api(other_issuer_user).get(f"{ISSUERS}/{issuer.pk}")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_an_unknown_issuer_is_not_found(api, issuer_user):
    response = api(issuer_user).get(f"{ISSUERS}/999999")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
