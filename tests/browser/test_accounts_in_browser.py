"""Accounts in a real browser: the portal's status (R19), sign-up, and an officer's TOTP sign-in."""

from __future__ import annotations

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from equity.accounts.models import PortalStatusAcknowledgement, Role, User
from tests.browser.conftest import acknowledge_portal_status, sign_in, totp_code


def test_newcomer_acknowledges_the_portal_status_then_opens_an_investor_account(new_page, screens):
    page = new_page()
    page.goto("/")
    screens.take(page, "statut-du-portail")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    acknowledge_portal_status(page)
    expect(page.get_by_role("heading", name="Placements ouverts")).to_be_visible()
    screens.take(page, "placements")

    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("investir dans des placements").check()
    page.get_by_label("Nom complet").fill("Mireille Côté")
    page.get_by_label("Adresse courriel").fill("mireille@example.ca")
    page.get_by_label("Mot de passe").fill("une-phrase-de-passe-longue")
    page.get_by_label("Province ou territoire").select_option("QC")
    page.get_by_label("Date de naissance").fill("1988-02-14")
    screens.take(page, "inscription")
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    user = User.objects.get(email="mireille@example.ca")
    assert user.role == Role.INVESTOR
    # Acknowledged before the account existed: recorded on the account at once.
    assert PortalStatusAcknowledgement.objects.filter(user=user).count() == 1


def test_signup_errors_are_tied_to_their_fields_and_nothing_is_created(new_page, screens):
    page = new_page()
    page.goto("/comptes/signup/")
    page.get_by_label("investir dans des placements").check()
    page.get_by_label("Nom complet").fill("Sans Date")
    page.get_by_label("Adresse courriel").fill("sans-date@example.ca")
    page.get_by_label("Mot de passe").fill("une-phrase-de-passe-longue")
    page.get_by_role("button", name="Créer mon compte").click()

    birth_date = page.get_by_label("Date de naissance")
    expect(birth_date).to_have_attribute("aria-invalid", "true")
    described_by = birth_date.get_attribute("aria-describedby") or ""
    assert "id_birth_date_errors" in described_by
    expect(page.locator("#id_birth_date_errors")).to_contain_text("date de naissance")
    screens.take(page, "inscription-erreur")
    assert not User.objects.filter(email="sans-date@example.ca").exists()


def test_keyboard_users_can_skip_to_the_content(new_page):
    page = new_page()
    page.goto("/statut-du-portail/")

    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"


def test_officer_signs_in_with_a_totp_code_and_reaches_the_review_queue(new_page, screens, officer):
    secret = generate_totp_secret()
    TOTP.activate(officer, secret)
    page = new_page()

    sign_in(page, officer.email)
    screens.take(page, "second-facteur")
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Connexion").click()

    expect(page).to_have_url(re.compile(r"/conformite/$"))
    screens.take(page, "file-d-examen")


def test_english_switch_keeps_the_page(new_page):
    page = new_page()
    page.goto("/statut-du-portail/")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Before you look at the offerings")).to_be_visible()
    assert page.url.endswith("/statut-du-portail/")


def test_api_documentation_loads_from_our_own_files_under_its_policy(
    new_page, screens, live_server
):
    page = new_page(locale="en-CA")
    outside = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )

    page.goto("/api/docs/")

    expect(page.get_by_text("Equity crowdfunding compliance API").first).to_be_visible()
    screens.take(page, "api-docs")
    assert outside == []
