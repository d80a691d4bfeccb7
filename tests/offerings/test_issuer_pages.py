"""The issuer's pages: enterprises, the offering editor and its preview, actions, the register.

Driven through the Django test client as a signed-in representative; every
refusal asserts that nothing changed. Opening an offering signs real PDFs
(about a second): only the tests that need an open offering open one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from equity import clock
from equity.compliance.models import AuditEvent
from equity.documents.models import Document
from equity.escrow.services import payment_record
from equity.escrow.settlement import RESALE_LEGEND, offering_close
from equity.investors.services import subscription_create
from equity.offerings.models import Issuer, Offering, OfferingState, Principal
from equity.offerings.services import offering_approve, offering_submit
from tests.documents.pdftools import pdftotext
from tests.factories import NO_DECLARATIONS, IssuerFactory, OfferingFactory, PrincipalFactory
from tests.investors.scenes import open_offering, purchaser, signed_by
from tests.support.web import signed_in

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def principal_row(index: int, full_name: str, *declared: str, roles=("founder",)) -> dict:
    row: dict[str, Any] = {
        f"principals-{index}-full_name": full_name,
        f"principals-{index}-roles": list(roles),
        f"principals-{index}-residence_country": "CA",
    }
    for kind in declared:
        row[f"principals-{index}-{kind}"] = "on"
    return row


def issuer_form(**changes: Any) -> dict[str, Any]:
    return {
        "legal_name": "Coopérative de solidarité Le Rucher",
        "legal_form": "cooperative",
        "street": "123 rue Saint-Joseph",
        "city": "Québec",
        "province": "qc",
        "postal_code": "G1K 3A9",
        "country": "CA",
        "business_description": "Apiculture urbaine et vente de miel local.",
        **changes,
    }


def offering_form(issuer: Issuer, **changes: Any) -> dict[str, Any]:
    """Return the offering editor's fields: $10 a share, $20,000 to $100,000, in dollars."""
    return {
        "issuer": issuer.pk,
        "title": "Deuxième ligne de production",
        "summary": "Financer une deuxième ligne de production.",
        "security_type": "common_share",
        "price_per_security": "10.00",
        "minimum_amount": "20000",
        "maximum_amount": "100000.00",
        "distribution_days": "60",
        "language": "fr",
        "use_of_funds": "Équipement et fonds de roulement.",
        "risk_factors": "Vous pourriez perdre la totalité de votre investissement.",
        "annual_rate_percent": "",
        "term_months": "",
        "interest_frequency": "",
        "rulebook_code": "ni45-110",
        **changes,
    }


def counts() -> dict[str, int]:
    return {
        "issuers": Issuer.objects.count(),
        "principals": Principal.objects.count(),
        "offerings": Offering.objects.count(),
        "documents": Document.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def offering_row(offering: Offering) -> tuple:
    return Offering.objects.filter(pk=offering.pk).values_list(
        "state", "title", "maximum_amount_cents", "raised_cents", "cancelled_at"
    )[0]


def in_english(client):
    """Return ``client`` switched to English, as the language switch does (it wins over the
    account's language; the browser's Accept-Language is sent too)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the desk and the enterprises ------------------------------------------------------------


def test_r08_dashboard_shows_enterprises_offerings_and_the_group_cap(
    issuer_user, issuer, offering_in_state
):
    offering_in_state(OfferingState.APPROVED, title="Vélos de livraison")
    client = signed_in(issuer_user)

    response = client.get(reverse("issuers:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Vélo-Cargo Québec inc." in page
    assert "Vélos de livraison" in page

    english = in_english(client).get(reverse("issuers:dashboard")).content.decode()
    assert '<html lang="en">' in english
    assert "approved" in english
    assert "$1,500,000.00" in english  # the cap
    assert "$100,000.00" in english  # reserved by the approved offering
    assert "$1,400,000.00" in english  # headroom
    assert '<progress class="progress"' in english


def test_r05_issuer_registered_through_the_page_with_principals_shows_r05_for_a_declaration(
    issuer_user,
):
    client = signed_in(issuer_user)
    assert client.get(reverse("issuers:issuer-create")).status_code == 200
    before = counts()

    response = client.post(
        reverse("issuers:issuer-create"),
        {
            **issuer_form(),
            **management("principals", 3),
            **principal_row(0, "Camille Gagnon", roles=("founder", "director")),
            **principal_row(1, "Marc Bouchard", "bankruptcy", roles=("officer",)),
        },
    )

    issuer = Issuer.objects.get(owner=issuer_user)
    assert response.status_code == 302
    assert response["Location"] == reverse("issuers:issuer-detail", args=[issuer.pk])
    assert (issuer.legal_form, issuer.province, issuer.country) == ("cooperative", "QC", "CA")
    assert [
        (p.full_name, p.roles, p.declarations["bankruptcy"])
        for p in issuer.principals.order_by("pk")
    ] == [
        ("Camille Gagnon", ["founder", "director"], False),
        ("Marc Bouchard", ["officer"], True),
    ]
    assert counts()["principals"] == before["principals"] + 2
    assert AuditEvent.objects.filter(action="issuer.registered").count() == 1

    page = in_english(client).get(response["Location"]).content.decode()
    assert "Not eligible" in page
    assert "R05" in page
    assert "Marc Bouchard" in page


def test_r05_issuer_without_a_principal_is_refused_and_nothing_is_written(issuer_user):
    client = signed_in(issuer_user)
    before = counts()

    response = client.post(
        reverse("issuers:issuer-create"), {**issuer_form(), **management("principals", 3)}
    )

    assert response.status_code == 400
    assert counts() == before


def test_add_another_principal_shows_one_more_row_and_saves_nothing(issuer_user):
    client = signed_in(issuer_user)
    before = counts()

    response = client.post(
        reverse("issuers:issuer-create"),
        {
            **issuer_form(),
            **management("principals", 3),
            **principal_row(0, "Camille Gagnon"),
            "add_principal": "1",
        },
    )

    assert response.status_code == 200
    assert response.context["principals"].total_form_count() == 4
    assert 'name="principals-3-full_name"' in response.content.decode()
    assert counts() == before


def test_issuer_profile_is_corrected_and_a_principal_added_while_no_offering_is_in_progress(
    issuer_user, issuer
):
    client = signed_in(issuer_user)
    url = reverse("issuers:issuer-detail", args=[issuer.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            **issuer_form(legal_name="Vélo-Cargo Québec coop", country="ca"),
            **management("principals", 1),
            **principal_row(0, "Zoé Roy", roles=("director",)),
        },
    )

    assert response.status_code == 302
    issuer.refresh_from_db()
    assert issuer.legal_name == "Vélo-Cargo Québec coop"
    assert issuer.principals.count() == 2
    event = AuditEvent.objects.get(action="issuer.updated")
    assert event.data["principals_added"] == 1
    assert "legal_name" in event.data["fields"]


def test_issuer_profile_is_read_only_while_an_offering_is_under_review(
    issuer_user, issuer, offering_in_state
):
    offering_in_state(OfferingState.UNDER_REVIEW)
    client = signed_in(issuer_user)
    url = reverse("issuers:issuer-detail", args=[issuer.pk])
    assert 'id="issuer-form"' not in client.get(url).content.decode()
    before = counts()

    response = client.post(
        url, {**issuer_form(legal_name="Autre nom"), **management("principals", 1)}
    )

    assert response.status_code == 409
    assert counts() == before
    assert Issuer.objects.get(pk=issuer.pk).legal_name == "Vélo-Cargo Québec inc."


# --- the offering editor ---------------------------------------------------------------------


def test_offering_drafted_through_the_editor_in_dollars_is_stored_in_cents(issuer_user, issuer):
    client = signed_in(issuer_user)
    page = client.get(reverse("issuers:offering-create"), {"issuer": issuer.pk})
    assert page.status_code == 200
    assert "<iframe" in page.content.decode() and 'title="' in page.content.decode()

    response = client.post(reverse("issuers:offering-create"), offering_form(issuer))

    offering = Offering.objects.get(issuer=issuer)
    assert response.status_code == 302
    assert response["Location"] == reverse("issuers:offering-detail", args=[offering.pk])
    assert (
        offering.state,
        offering.price_per_security_cents,
        offering.minimum_amount_cents,
        offering.maximum_amount_cents,
        offering.annual_rate_bps,
    ) == (OfferingState.DRAFT, 1_000, 2_000_000, 10_000_000, None)
    assert AuditEvent.objects.filter(action="offering.created", subject=offering.subject).exists()


def test_r10_debt_offering_needs_its_bond_terms_and_stores_the_rate_in_basis_points(
    issuer_user, issuer
):
    client = signed_in(issuer_user)
    before = counts()
    refused = client.post(
        reverse("issuers:offering-create"), offering_form(issuer, security_type="debt")
    )
    assert refused.status_code == 400
    assert counts() == before

    client.post(
        reverse("issuers:offering-create"),
        offering_form(
            issuer,
            security_type="debt",
            annual_rate_percent="4.75",
            term_months="36",
            interest_frequency="annual",
        ),
    )
    offering = Offering.objects.get(issuer=issuer)
    assert (offering.annual_rate_bps, offering.term_months, offering.interest_frequency) == (
        475,
        36,
        "annual",
    )


def test_r11_offering_with_minimum_above_maximum_is_refused_with_its_rule(issuer_user, issuer):
    client = signed_in(issuer_user)
    before = counts()

    response = client.post(
        reverse("issuers:offering-create"),
        offering_form(issuer, minimum_amount="200000", maximum_amount="100000"),
    )

    assert response.status_code == 422
    assert any(text.startswith("R11") for text in messages_of(response))
    assert counts() == before


def test_draft_edit_is_saved_and_audited_with_the_fields_changed(issuer_user, issuer):
    offering = OfferingFactory(issuer=issuer)
    client = signed_in(issuer_user)
    page = client.get(reverse("issuers:offering-edit", args=[offering.pk]))
    assert page.status_code == 200
    assert (
        page.context["form"]["maximum_amount"].value()
        == page.context["form"].initial["maximum_amount"]
    )

    response = client.post(
        reverse("issuers:offering-edit", args=[offering.pk]),
        offering_form(issuer, title="Nouveau titre", maximum_amount="150000"),
    )

    assert response.status_code == 302
    offering.refresh_from_db()
    assert (offering.title, offering.maximum_amount_cents) == ("Nouveau titre", 15_000_000)
    event = AuditEvent.objects.get(action="offering.updated", subject=offering.subject)
    assert event.data == {"fields": ["maximum_amount_cents", "title"]}


def test_editing_an_offering_past_the_draft_is_refused_and_changes_nothing(
    issuer_user, offering_in_state
):
    offering = offering_in_state(OfferingState.UNDER_REVIEW)
    client = signed_in(issuer_user)
    before, row = counts(), offering_row(offering)

    page = client.get(reverse("issuers:offering-edit", args=[offering.pk]))
    response = client.post(
        reverse("issuers:offering-edit", args=[offering.pk]),
        offering_form(offering.issuer, title="Autre titre"),
    )

    assert page.status_code == 302
    assert response.status_code == 302
    assert response["Location"] == reverse("issuers:offering-detail", args=[offering.pk])
    assert (counts(), offering_row(offering)) == (before, row)


def test_preview_returns_an_unsigned_draft_pdf_and_stores_nothing(issuer_user, issuer):
    client = signed_in(issuer_user)
    before = counts()

    response = client.post(
        reverse("issuers:offering-preview"), offering_form(issuer, language="en")
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"/ByteRange" not in response.content  # no signature
    text = pdftotext(response.content)
    assert "Draft — preview" in text
    assert "Deuxième ligne de production" in text
    assert "Camille Gagnon" in text
    assert counts() == before


def test_preview_of_an_incomplete_form_is_not_a_pdf(issuer_user, issuer):
    client = signed_in(issuer_user)

    response = client.post(reverse("issuers:offering-preview"), offering_form(issuer, title=""))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- submitting ------------------------------------------------------------------------------


def test_r01_r03_r05_submit_shows_every_violated_rule_and_leaves_the_draft(issuer_user):
    company = IssuerFactory(owner=issuer_user, country="US", province="NY", is_investment_fund=True)
    PrincipalFactory(issuer=company, declarations={**NO_DECLARATIONS, "fraud_conviction": True})
    offering = OfferingFactory(issuer=company)
    client = signed_in(issuer_user)
    checklist = client.get(reverse("issuers:offering-detail", args=[offering.pk]))
    assert {check.rule for check in checklist.context["checklist"] if check.status == "fail"} == {
        "R01",
        "R03",
        "R05",
    }
    before, row = counts(), offering_row(offering)

    response = client.post(reverse("issuers:offering-submit", args=[offering.pk]), follow=True)

    shown = messages_of(response)
    assert [text[:3] for text in shown] == ["R01", "R03", "R05"]
    assert (counts(), offering_row(offering)) == (before, row)
    assert offering_row(offering)[0] == OfferingState.DRAFT


def test_submit_sends_an_eligible_draft_to_review(issuer_user, issuer):
    offering = OfferingFactory(issuer=issuer)
    client = signed_in(issuer_user)

    response = client.post(reverse("issuers:offering-submit", args=[offering.pk]), follow=True)

    assert response.status_code == 200
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.UNDER_REVIEW
    english = in_english(client).get(reverse("issuers:offering-detail", args=[offering.pk]))
    assert "under review" in english.content.decode()


def test_rejection_reason_is_shown_on_the_returned_draft(issuer_user, offering_in_state):
    offering = offering_in_state(OfferingState.DRAFT, rejection_reason="Précisez les risques.")

    page = signed_in(issuer_user).get(reverse("issuers:offering-detail", args=[offering.pk]))

    assert "Précisez les risques." in page.content.decode()


def test_cancelling_needs_a_reason_and_is_audited_with_it(issuer_user, issuer):
    offering = OfferingFactory(issuer=issuer)
    client = signed_in(issuer_user)
    url = reverse("issuers:offering-cancel", args=[offering.pk])
    before, row = counts(), offering_row(offering)

    assert client.post(url, {"reason": " "}).status_code == 400
    assert (counts(), offering_row(offering)) == (before, row)

    response = client.post(url, {"reason": "Le projet est abandonné."})

    assert response.status_code == 302
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.CANCELLED
    event = AuditEvent.objects.get(action="offering.cancelled", subject=offering.subject)
    assert event.data["reason"] == "Le projet est abandonné."


# --- who may see what ------------------------------------------------------------------------


def test_another_issuer_gets_404_on_every_page_and_action_and_nothing_changes(
    issuer, other_issuer_user, offering_in_state
):
    offering = offering_in_state(OfferingState.DRAFT)
    stranger = signed_in(other_issuer_user)
    before, row = counts(), offering_row(offering)

    pages = [
        reverse("issuers:issuer-detail", args=[issuer.pk]),
        reverse("issuers:offering-detail", args=[offering.pk]),
        reverse("issuers:offering-edit", args=[offering.pk]),
        reverse("issuers:offering-register", args=[offering.pk]),
    ]
    actions = [
        reverse(f"issuers:offering-{action}", args=[offering.pk])
        for action in ("edit", "submit", "open", "amend", "close", "cancel")
    ] + [reverse("issuers:issuer-detail", args=[issuer.pk])]
    for url in pages:
        assert stranger.get(url).status_code == 404, url
    for url in actions:
        assert stranger.post(url, {"reason": "x", "summary": "x"}).status_code == 404, url
    preview = stranger.post(reverse("issuers:offering-preview"), offering_form(issuer))
    assert preview.status_code == 400
    assert (counts(), offering_row(offering)) == (before, row)


def test_a_purchaser_is_refused_and_a_visitor_sent_to_sign_in(investor, issuer):
    offering = OfferingFactory(issuer=issuer)
    purchaser_client = signed_in(investor)
    urls = [
        reverse("issuers:dashboard"),
        reverse("issuers:issuer-detail", args=[issuer.pk]),
        reverse("issuers:offering-detail", args=[offering.pk]),
    ]
    for url in urls:
        assert purchaser_client.get(url).status_code == 403, url
    before = counts()
    submitted = purchaser_client.post(reverse("issuers:offering-submit", args=[offering.pk]))
    assert submitted.status_code == 403
    assert counts() == before

    visitor = signed_in(investor).__class__()
    response = visitor.get(reverse("issuers:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- opening, closing and the register -------------------------------------------------------


def test_r16_opening_an_approved_offering_signs_and_lists_its_documents(
    issuer_user, issuer, officer, frozen_now
):
    offering = OfferingFactory(issuer=issuer)
    offering_submit(actor=issuer_user, offering_id=offering.pk)
    offering_approve(officer=officer, offering_id=offering.pk)
    client = signed_in(issuer_user)

    response = client.post(reverse("issuers:offering-open", args=[offering.pk]), follow=True)

    offering.refresh_from_db()
    assert offering.state == OfferingState.OPEN
    assert offering.closes_at == frozen_now + timedelta(days=60)
    documents = Document.objects.filter(offering=offering)
    assert sorted(documents.values_list("kind", "language")) == [
        ("offering_document", "en"),
        ("offering_document", "fr"),
    ]
    page = response.content.decode()
    for document in documents:
        assert reverse("document-download", args=[document.pk]) in page
    assert 'id="amend-form"' in page
    assert 'id="close-form"' in page

    # Closing early needs the minimum funded (R11): refused, still open.
    before, row = counts(), offering_row(offering)
    refused = client.post(reverse("issuers:offering-close", args=[offering.pk]), follow=True)
    assert [text[:3] for text in messages_of(refused)] == ["R11"]
    assert (counts(), offering_row(offering)) == (before, row)

    # An amendment without its changes is refused; with them it is recorded (R16).
    amend = reverse("issuers:offering-amend", args=[offering.pk])
    assert client.post(amend, {"summary": "Correction", "changes": ""}).status_code == 400
    assert (counts(), offering.amendments.count()) == (before, 0)
    client.post(
        amend,
        {"summary": "Correction du calendrier", "changes": "Use of funds: Équipement seulement"},
    )
    [amendment] = offering.amendments.all()
    assert (amendment.number, amendment.changes) == (
        1,
        {"Use of funds": "Équipement seulement"},
    )


def test_r17_r18_register_page_after_closing_shows_totals_holders_legend_and_deadline(
    frozen_now,
):
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    owner = offering.issuer.owner
    lea = purchaser(full_name="Léa Tremblay", province="ON")
    subscription = subscription_create(
        offering_id=offering.pk, investor=lea, amount_cents=150_000, acknowledgement=signed_by(lea)
    )
    payment_record(
        event_id="evt_lea",
        subscription_reference=str(subscription.pk),
        amount_cents=150_000,
        status="succeeded",
        source="processor",
    )
    clock.advance(timedelta(hours=49))
    offering_close(offering_id=offering.pk, actor=owner)
    assert Offering.objects.get(pk=offering.pk).state == OfferingState.CLOSED
    client = signed_in(owner)

    response = in_english(signed_in(owner)).get(
        reverse("issuers:offering-register", args=[offering.pk])
    )

    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.accepted_subscriptions, summary.accepted_cents) == (1, 150_000)
    assert summary.payout_pending_cents == 150_000
    [line] = summary.register
    assert (line.holder_name, line.quantity, line.amount_cents) == ("Léa Tremblay", 150, 150_000)
    page = response.content.decode()
    assert "Léa Tremblay" in page
    assert "$1,500.00" in page
    assert RESALE_LEGEND.split(" / ")[0][:60] in page.replace("&#x27;", "'")
    assert [total.province for total in summary.facts.totals] == ["QC", "ON"]
    assert summary.facts.filing_deadline.isoformat() in {"2026-04-03", "2026-04-04"}
    french = client.get(reverse("issuers:offering-register", args=[offering.pk]))
    assert french.status_code == 200
    assert '<html lang="fr">' in french.content.decode()


def test_r17_register_of_an_offering_not_closed_is_refused(issuer_user, issuer):
    offering = OfferingFactory(issuer=issuer)

    response = signed_in(issuer_user).get(
        reverse("issuers:offering-register", args=[offering.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("issuers:offering-detail", args=[offering.pk])
    assert any("R17" in text for text in messages_of(response))
