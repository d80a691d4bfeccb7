"""A whole campaign in French, in a real browser, with a screenshot of every page.

An issuer writes and submits an offering; a compliance officer approves it after
signing in with a TOTP code; the issuer opens it; a newcomer acknowledges the
portal's status, opens an account and subscribes; another purchaser subscribes,
pays and withdraws; the distribution period ends on the sandbox clock; the
first purchaser finds the subscription accepted and its confirmation in their
dashboard. Only the payment processor's notifications are sent from the test,
as the processor would send them: signed, over HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.request
from datetime import date

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from playwright.sync_api import Page, expect

from equity.accounts.services import account_register
from equity.compliance.audit import verify_chain
from equity.documents.models import Document
from equity.escrow.selectors import escrow_summary, reconcile
from equity.investors.models import Subscription
from equity.offerings.models import Offering
from tests.browser.conftest import acknowledge_portal_status, sign_in, totp_code

PASSWORD = "une-phrase-de-passe-longue"


def pay(live_server_url: str, subscription: Subscription, event_id: str) -> None:
    """Send the payment processor's signed notification that the purchaser paid in full."""
    body = json.dumps(
        {
            "event_id": event_id,
            "subscription_id": subscription.pk,
            "amount_cents": subscription.amount_cents,
            "status": "succeeded",
        }
    ).encode()
    digest = hmac.new(settings.PAYMENT_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{live_server_url}/api/v1/payments/notifications",
        data=body,
        headers={"Content-Type": "application/json", "X-Signature": f"sha256={digest}"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200


def subscribe(page: Page, offering: Offering, amount: str, full_name: str) -> Subscription:
    """Subscribe from the offering's page: amount, every risk statement, the typed name."""
    page.goto(f"/offres/{offering.pk}/")
    page.locator("#subscribe-link").click()
    page.get_by_label("Montant à investir").fill(amount)
    statements = page.locator("#subscription-form input[type=checkbox]")
    assert statements.count() >= 5
    for index in range(statements.count()):
        statements.nth(index).check()
    page.get_by_label("Votre nom complet").fill(full_name)
    page.locator("#subscribe-button").click()
    expect(page).to_have_url(re.compile(r"/investir/souscriptions/\d+/paiement/$"))
    number = int(re.search(r"souscriptions/(\d+)/", page.url).group(1))
    expect(page.get_by_text(f"SUB-{number}")).to_be_visible()
    return Subscription.objects.get(pk=number)


def test_a_whole_campaign_in_french(new_page, screens, live_server, issuer, officer):
    secret = generate_totp_secret()
    TOTP.activate(officer, secret)
    account_register(
        email="sam@example.ca",
        password=PASSWORD,
        role="investor",
        full_name="Samuel Roy",
        province="QC",
        country="CA",
        birth_date=date(1985, 9, 30),
        language="fr",
    )

    # The issuer writes the offering and submits it.
    desk = new_page()
    sign_in(desk, issuer.owner.email)
    desk.goto(f"/emetteur/offres/nouvelle/?issuer={issuer.pk}")
    expect(desk.locator("html")).to_have_attribute("lang", "fr")
    desk.locator("#id_title").fill("Vélos-cargos pour Limoilou")
    desk.get_by_label("Résumé").fill("Une flotte de vélos-cargos partagés.")
    desk.locator("#id_security_type").select_option("common_share")
    desk.get_by_label("Prix par titre").fill("10")
    desk.get_by_label("Montant minimal").fill("1000")
    desk.get_by_label("Montant maximal").fill("50000")
    desk.get_by_label("Période de placement").fill("30")
    desk.get_by_label("Emploi des fonds").fill("Achat de douze vélos-cargos.")
    desk.get_by_label("Facteurs de risque").fill("Les vélos peuvent être volés.")
    screens.take(desk, "emetteur-redaction")
    desk.locator("#save-offering").click()
    offering = Offering.objects.get(title="Vélos-cargos pour Limoilou")
    expect(desk).to_have_url(re.compile(rf"/emetteur/offres/{offering.pk}/$"))
    desk.locator("#submit-offering").click()
    screens.take(desk, "emetteur-soumis")
    offering.refresh_from_db()
    assert offering.state == "under_review"

    # The officer signs in with a second factor and approves.
    console = new_page()
    sign_in(console, officer.email)
    console.get_by_label("Code").fill(totp_code(secret))
    console.get_by_role("button", name="Connexion").click()
    expect(console).to_have_url(re.compile(r"/conformite/$"))
    screens.take(console, "agent-file-d-examen")
    console.get_by_role("link", name="Vélos-cargos pour Limoilou").first.click()
    screens.take(console, "agent-liste-de-controle")
    console.locator("button[name=decision][value=approve]").click()
    offering.refresh_from_db()
    assert offering.state == "approved"

    # The issuer opens it: the offering document is rendered and signed.
    desk.goto(f"/emetteur/offres/{offering.pk}/")
    desk.locator("#open-offering").click()
    expect(desk.locator("#open-offering")).to_have_count(0)
    offering.refresh_from_db()
    assert offering.state == "open"
    screens.take(desk, "emetteur-ouvert")

    # A newcomer acknowledges the portal's status, opens an account and subscribes.
    newcomer = new_page()
    newcomer.goto("/")
    acknowledge_portal_status(newcomer)
    screens.take(newcomer, "souscripteur-placements")
    newcomer.get_by_role("link", name="Vélos-cargos pour Limoilou").first.click()
    screens.take(newcomer, "souscripteur-placement")
    newcomer.goto("/comptes/signup/")
    newcomer.get_by_label("investir dans des placements").check()
    newcomer.get_by_label("Nom complet").fill("Léa Tremblay")
    newcomer.get_by_label("Adresse courriel").fill("lea@exemple.ca")
    newcomer.get_by_label("Mot de passe").fill(PASSWORD)
    newcomer.get_by_label("Province ou territoire").select_option("QC")
    newcomer.get_by_label("Date de naissance").fill("1990-04-12")
    newcomer.get_by_role("button", name="Créer mon compte").click()
    newcomer.goto(f"/offres/{offering.pk}/")
    newcomer.locator("#subscribe-link").click()
    screens.take(newcomer, "souscripteur-souscription")
    lea = subscribe(newcomer, offering, "1 500", "Léa Tremblay")
    screens.take(newcomer, "souscripteur-paiement")
    pay(live_server.url, lea, "evt-lea")

    # Another purchaser subscribes, pays, then withdraws within 48 hours.
    other = new_page()
    sign_in(other, "sam@example.ca", PASSWORD)
    other.goto("/offres/")
    acknowledge_portal_status(other)
    sam = subscribe(other, offering, "500", "Samuel Roy")
    pay(live_server.url, sam, "evt-sam")
    other.goto("/investir/")
    screens.take(other, "second-souscripteur-tableau-de-bord")
    other.locator(f"#withdraw-{sam.pk}").click()
    sam.refresh_from_db()
    assert sam.state == "withdrawn"
    screens.take(other, "second-souscripteur-retrait")

    # The distribution period ends on the sandbox clock; everything due runs.
    console.goto("/conformite/horloge/")
    console.get_by_label("Avancer de").fill("31")
    console.locator("button[name=advance]").click()
    screens.take(console, "agent-horloge")
    offering.refresh_from_db()
    assert offering.state == "closed"

    # The first purchaser finds the subscription accepted and its confirmation.
    newcomer.goto("/investir/")
    screens.take(newcomer, "souscripteur-tableau-de-bord")
    lea.refresh_from_db()
    assert lea.state == "accepted"
    confirmation = Document.objects.get(
        kind="subscription_confirmation", subject=f"subscription:{lea.pk}", language="fr"
    )
    expect(newcomer.locator(f"#documents a[href$='/{confirmation.pk}']")).to_be_visible()

    # The issuer sees the register; every cent is accounted for.
    desk.goto(f"/emetteur/offres/{offering.pk}/registre/")
    expect(desk.get_by_text("Léa Tremblay").first).to_be_visible()
    screens.take(desk, "emetteur-registre")
    money = escrow_summary(offering.pk)
    # In trust: Léa's 1,500 $ payable to the issuer and Sam's 500 $ owed back, both
    # instructed and waiting for the bank's confirmation.
    assert (money.paid_in_cents, money.held_cents) == (200_000, 200_000)
    assert (money.payout_pending_cents, money.refunds_pending_cents) == (150_000, 50_000)
    assert money.balanced and reconcile() == []
    assert verify_chain().ok


def test_offering_page_fits_a_phone_screen(new_page, screens, live_server, issuer):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/statut-du-portail/")
    screens.take(page, "telephone-statut")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow <= 0
