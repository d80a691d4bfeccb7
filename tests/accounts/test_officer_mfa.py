"""Signing in on the web pages: TOTP for compliance officers, rate limits, sign-up, R19."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from equity.accounts.models import PortalStatusAcknowledgement, Role, User
from equity.accounts.portal import portal_statement
from equity.compliance.models import AuditEvent
from equity.investors.models import InvestorProfile
from tests.support.web import signed_in

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts attempts in the cache; each test starts with none.
    cache.clear()


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/comptes/login/", {"login": email, "password": password})


@pytest.fixture
def officer_with_totp(officer) -> tuple[User, str]:
    secret = generate_totp_secret()
    TOTP.activate(officer, secret)
    return officer, secret


def test_officer_without_an_authenticator_is_sent_to_set_one_up(officer):
    client = Client()
    _sign_in(client, officer.email)

    response = client.get("/conformite/")

    assert response.status_code == 302
    assert response["Location"] == "/comptes/2fa/totp/activate/"


def test_officer_signs_in_with_password_then_totp_code(officer_with_totp):
    officer, secret = officer_with_totp
    client = Client()

    after_password = _sign_in(client, officer.email)
    assert after_password["Location"] == "/comptes/2fa/authenticate/"
    assert client.get("/conformite/")["Location"].startswith("/comptes/login/")

    after_code = client.post("/comptes/2fa/authenticate/", {"code": _code(secret)})

    assert after_code.status_code == 302
    assert client.get("/conformite/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_officer_with_a_wrong_code_stays_signed_out(officer_with_totp):
    officer, secret = officer_with_totp
    client = Client()
    _sign_in(client, officer.email)
    wrong = f"{(int(_code(secret)) + 1) % 1_000_000:06d}"

    response = client.post("/comptes/2fa/authenticate/", {"code": wrong})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/conformite/")["Location"].startswith("/comptes/login/")


def test_officer_session_opened_without_the_second_factor_is_refused(officer_with_totp):
    officer, _secret = officer_with_totp
    client = signed_in(officer, second_factor=False)

    for page in ("/conformite/", "/admin/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == "/comptes/logout/"


def test_investor_and_issuer_need_no_second_factor(investor, issuer_user):
    for user in (investor, issuer_user):
        client = Client()
        response = _sign_in(client, user.email)
        assert response["Location"] == "/"
        assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_logins_are_rate_limited_per_account(investor):
    client = Client()
    for _ in range(5):
        assert _sign_in(client, investor.email, "not-the-password").status_code == 200

    refused = _sign_in(client, investor.email)

    assert refused.status_code == 429 or "_auth_user_id" not in client.session
    assert "_auth_user_id" not in client.session


def test_sandbox_totp_code_command_prints_a_code_the_sign_in_accepts(officer_with_totp, capsys):
    officer, secret = officer_with_totp

    call_command("totp_code", officer.email)

    assert capsys.readouterr().out.strip() == _code(secret)


@override_settings(EQUITY_SANDBOX=False)
def test_totp_code_command_refuses_outside_the_sandbox(officer_with_totp):
    officer, _secret = officer_with_totp
    with pytest.raises(CommandError, match="bac à sable"):
        call_command("totp_code", officer.email)


SIGNUP = {
    "role": Role.INVESTOR,
    "full_name": "Mireille Côté",
    "email": "mireille@example.ca",
    "password": "une-phrase-de-passe-longue",
    "province": "QC",
    "birth_date": "1988-02-14",
    "language": "fr",
}


def test_signup_opens_an_investor_account_signs_in_and_is_audited(db):
    client = Client()

    response = client.post("/comptes/signup/", SIGNUP)

    assert response.status_code == 302
    user = User.objects.get(email="mireille@example.ca")
    assert (user.role, user.province, user.country) == (Role.INVESTOR, "QC", "CA")
    assert InvestorProfile.objects.get(user=user).birth_date.isoformat() == "1988-02-14"
    assert AuditEvent.objects.filter(
        action="account.registered", subject=f"user:{user.pk}"
    ).exists()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_refuses_an_investor_without_birth_date_and_creates_nothing(db):
    users_before = User.objects.count()

    response = Client().post("/comptes/signup/", {**SIGNUP, "birth_date": ""})

    assert response.status_code == 400
    assert "birth_date_errors" in response.content.decode()
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.exists()


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/h/ip"})
def test_signups_are_rate_limited_per_address(db):
    client = Client()
    for number in range(2):
        data = {**SIGNUP, "email": f"person{number}@example.ca"}
        assert client.post("/comptes/signup/", data).status_code == 302
        client.logout()

    refused = client.post("/comptes/signup/", {**SIGNUP, "email": "third@example.ca"})

    assert refused.status_code == 429
    assert not User.objects.filter(email="third@example.ca").exists()


def test_r19_offerings_wait_for_the_portal_status_to_be_acknowledged(investor):
    client = signed_in(investor)

    assert client.get("/offres/")["Location"] == "/statut-du-portail/?next=/offres/"
    refused = client.post("/statut-du-portail/", {"next": "/offres/"})
    assert refused.status_code == 200
    assert not PortalStatusAcknowledgement.objects.exists()

    accepted = client.post("/statut-du-portail/", {"acknowledge": "yes", "next": "/offres/"})

    assert accepted["Location"] == "/offres/"
    assert client.get("/offres/").status_code == 200
    record = PortalStatusAcknowledgement.objects.get(user=investor)
    assert record.text == portal_statement("fr").text
    assert "registered" not in record.text  # French text, as shown
    assert AuditEvent.objects.filter(action="portal.status_acknowledged").count() == 1


def test_r19_acknowledgement_before_sign_in_is_recorded_on_the_account(investor):
    client = Client()
    client.post("/statut-du-portail/", {"acknowledge": "yes", "next": "/offres/"})
    assert client.get("/offres/").status_code == 200

    _sign_in(client, investor.email)
    assert client.get("/offres/").status_code == 200

    assert PortalStatusAcknowledgement.objects.filter(user=investor).count() == 1


@override_settings(EQUITY_PORTAL_REGISTERED_DEALER=True)
def test_r19_statement_follows_the_portals_registration_and_a_new_text_asks_again(investor):
    client = signed_in(investor)
    with override_settings(EQUITY_PORTAL_REGISTERED_DEALER=False):
        client.post("/statut-du-portail/", {"acknowledge": "yes"})

    # The portal became a registered dealer: the statement changed, so it is shown again.
    assert client.get("/offres/").status_code == 302
    assert "courtier inscrit" in client.get("/statut-du-portail/").content.decode()


def test_pages_follow_the_accounts_language_until_the_switch_is_used(investor):
    investor.language = "en"
    investor.save()
    client = signed_in(investor)

    assert '<html lang="en">' in client.get("/statut-du-portail/").content.decode()

    client.post("/i18n/setlang/", {"language": "fr", "next": "/statut-du-portail/"})
    assert '<html lang="fr">' in client.get("/statut-du-portail/").content.decode()
