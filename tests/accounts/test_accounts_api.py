"""Accounts, tokens, compliance officers and the language of errors (CONTRACT.md, Accounts)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from equity.accounts.models import Role, User
from equity.compliance.models import AuditEvent, Rulebook
from equity.investors.models import InvestorProfile
from equity.offerings.models import OfferingState
from tests.conftest import PASSWORD
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/accounts/register"
TOKEN = "/api/v1/auth/token"


def _registration(**changes: Any) -> dict[str, Any]:
    return {
        "email": "gabriel.cote@example.ca",
        "password": "Ruche-miel-2026!",
        "role": "investor",
        "full_name": "Gabriel Côté",
        "province": "QC",
        "country": "CA",
        "birth_date": "1988-04-17",
        "language": "fr",
        **changes,
    }


@pytest.fixture
def unchanged(db):
    """Assert, after the test body, that no account and no audit event was written."""
    before = (User.objects.count(), AuditEvent.objects.count())
    yield
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def _assert_invalid(response, *fields: str) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["code"], body["rule"]) == ("invalid", None)
    assert list(body["errors"]) == list(fields)


# --- registration ----------------------------------------------------------------


def test_registers_an_investor(api):
    response = api().post(REGISTER, _registration(), format="json")

    assert response.status_code == 201, response.json()
    user = User.objects.get(email="gabriel.cote@example.ca")
    assert response.json() == {"id": user.pk, "email": user.email, "role": "investor"}
    assert user.check_password("Ruche-miel-2026!")
    assert (user.full_name, user.province, user.country, user.language) == (
        "Gabriel Côté",
        "QC",
        "CA",
        "fr",
    )
    assert InvestorProfile.objects.get(user=user).birth_date.isoformat() == "1988-04-17"
    event = AuditEvent.objects.get()
    assert (event.action, event.subject) == ("account.registered", f"user:{user.pk}")


def test_registers_an_issuer_without_a_birth_date(api):
    body = _registration(role="issuer", email="rucher@example.ca", language="en")
    del body["birth_date"]

    response = api().post(REGISTER, body, format="json")

    assert response.status_code == 201, response.json()
    user = User.objects.get(email="rucher@example.ca")
    assert response.json() == {"id": user.pk, "email": "rucher@example.ca", "role": "issuer"}
    assert user.is_issuer
    assert not InvestorProfile.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", ["compliance_officer", "admin", ""])
def test_refuses_a_role_other_than_investor_or_issuer(api, unchanged, role):
    response = api().post(REGISTER, _registration(role=role), format="json")

    _assert_invalid(response, "role")


def test_refuses_an_e_mail_already_registered(api, investor, unchanged):
    response = api().post(REGISTER, _registration(email=investor.email), format="json")

    assert response.status_code == 409, response.json()
    assert (response.json()["code"], response.json()["rule"]) == ("email_taken", None)


def test_refuses_an_e_mail_already_registered_in_another_case(api, investor, unchanged):
    response = api().post(REGISTER, _registration(email="LEA@example.ca"), format="json")

    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "email_taken"


def test_refuses_an_unknown_province(api, unchanged):
    response = api().post(REGISTER, _registration(province="ZZ"), format="json")

    _assert_invalid(response, "province")


def test_refuses_an_unknown_country(api, unchanged):
    response = api().post(REGISTER, _registration(country="XX"), format="json")

    _assert_invalid(response, "country")


@pytest.mark.parametrize("birth_date", [None, "absent"])
def test_refuses_an_investor_without_a_birth_date(api, unchanged, birth_date):
    body = _registration(birth_date=birth_date)
    if birth_date == "absent":
        del body["birth_date"]

    response = api().post(REGISTER, body, format="json")

    _assert_invalid(response, "birth_date")


@pytest.mark.parametrize("password", ["password", "12345678901", "court"])
def test_refuses_a_weak_password(api, unchanged, password):
    response = api().post(REGISTER, _registration(password=password), format="json")

    _assert_invalid(response, "password")


# --- tokens -----------------------------------------------------------------------


def test_issues_a_token_that_authenticates(api, issuer_user):
    response = api().post(TOKEN, {"email": issuer_user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/issuers/999999").status_code == 404


def test_the_same_account_gets_the_same_token(api, issuer_user):
    credentials = {"email": issuer_user.email, "password": PASSWORD}

    first = api().post(TOKEN, credentials, format="json").json()["token"]
    second = api().post(TOKEN, credentials, format="json").json()["token"]

    assert first == second


@pytest.mark.parametrize("typed", ["gabriel.cote@example.ca", "GABRIEL.COTE@EXAMPLE.CA"])
def test_token_matches_the_e_mail_regardless_of_case(api, typed):
    registered = api().post(REGISTER, _registration(email="Gabriel.Cote@example.ca"), format="json")
    assert registered.status_code == 201, registered.json()

    response = api().post(
        TOKEN, {"email": typed, "password": _registration()["password"]}, format="json"
    )

    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "camille@velo-cargo.example", "password": "wrong-horse-battery"},
        {"email": "personne@example.ca", "password": PASSWORD},
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_refuses_wrong_credentials(api, issuer_user, credentials):
    response = api().post(TOKEN, credentials, format="json")

    assert response.status_code == 401, response.json()
    assert (response.json()["code"], response.json()["rule"]) == ("invalid_credentials", None)
    assert response.json()["detail"]


# --- compliance officers ---------------------------------------------------------


def test_create_compliance_officer_makes_an_officer_who_can_approve(api, issuer):
    call_command(
        "create_compliance_officer", email="verificatrice@portail.example", password=PASSWORD
    )
    officer = User.objects.get(email="verificatrice@portail.example")
    assert officer.role == Role.COMPLIANCE_OFFICER
    offering = OfferingFactory(
        issuer=issuer,
        state=OfferingState.UNDER_REVIEW,
        rulebook=Rulebook.objects.get(code="ni45-110", version=1),
    )
    token = (
        api()
        .post(TOKEN, {"email": officer.email, "password": PASSWORD}, format="json")
        .json()["token"]
    )
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token}")

    response = client.post(f"/api/v1/offerings/{offering.pk}/approve", {}, format="json")

    assert response.status_code == 200, response.json()
    offering.refresh_from_db()
    assert offering.state == OfferingState.APPROVED
    assert offering.approved_by == officer


def test_create_compliance_officer_refuses_an_e_mail_already_registered(investor):
    with pytest.raises(CommandError):
        call_command("create_compliance_officer", email=investor.email, password=PASSWORD)

    investor.refresh_from_db()
    assert investor.role == Role.INVESTOR
    assert User.objects.filter(role=Role.COMPLIANCE_OFFICER).count() == 0


# --- P05: the language of an error ------------------------------------------------


@pytest.fixture
def approved_offering(issuer):
    return OfferingFactory(
        issuer=issuer,
        state=OfferingState.APPROVED,
        rulebook=Rulebook.objects.get(code="ni45-110", version=1),
    )


def _submit_again(client: APIClient, offering_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/offerings/{offering_id}/submit", {}, format="json")
    assert response.status_code == 409, response.json()
    return response.json()


def test_p05_error_detail_in_english_when_asked(api, issuer_user, approved_offering):
    body = _submit_again(api(issuer_user, language="en"), approved_offering.pk)

    assert "not possible" in body["detail"]
    assert "approved" in body["detail"]


def _without_accept_language(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_p05_error_detail_defaults_to_french(issuer_user, approved_offering):
    body = _submit_again(_without_accept_language(issuer_user), approved_offering.pk)

    assert "n’est pas possible" in body["detail"] or "est impossible" in body["detail"]
    assert "approuvé" in body["detail"]
