"""The offering document (Form 45-110F1): its items, in order, in French and English (R16, P05)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from equity.compliance.models import AuditEvent
from equity.documents.models import Document
from equity.documents.verification import verify_pdf
from equity.offerings.models import Offering, OfferingState
from equity.offerings.selectors import offerings_visible_to
from equity.offerings.services import offering_approve, offering_open, offering_submit
from tests.documents.conftest import offering_document, stored_bytes
from tests.documents.pdftools import fonts, page_count, pdfsig, pdftotext, xmp
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

HEADINGS = {
    "en": [
        "Item 1 — Risks of investing",
        "Item 2 — The issuer and its business",
        "Item 3 — Founders, directors, officers and control persons",
        "Item 4 — The securities offered and their terms",
        "Item 5 — Minimum and maximum offering amounts",
        "Item 6 — Use of funds",
        "Item 7 — Distribution period",
        "Item 8 — Right to withdraw",
        "Item 9 — Resale restrictions",
        "Item 10 — Information after closing",
        "Item 11 — The funding portal",
        "Item 12 — Certificate",
    ],
    "fr": [
        "Rubrique 1 — Risques de l’investissement",
        "Rubrique 2 — L’émetteur et ses activités",
        "Rubrique 3 — Fondateurs, administrateurs, dirigeants et personnes participant au contrôle",
        "Rubrique 4 — Titres offerts et leurs modalités",
        "Rubrique 5 — Montants minimal et maximal du placement",
        "Rubrique 6 — Emploi des fonds",
        "Rubrique 7 — Période de placement",
        "Rubrique 8 — Droit de retrait",
        "Rubrique 9 — Restrictions à la revente",
        "Rubrique 10 — Information après la clôture",
        "Rubrique 11 — Le portail de financement",
        "Rubrique 12 — Attestation",
    ],
}


def positions_in_order(text: str, needles: list[str]) -> list[int]:
    """Return where each needle occurs, each searched after the previous one; -1 if missing."""
    found, start = [], 0
    for needle in needles:
        position = text.find(needle, start)
        found.append(position)
        if position >= 0:
            start = position + len(needle)
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_r16_p05_offering_document_has_every_item_heading_in_order(opened, language):
    text = pdftotext(stored_bytes(offering_document(opened, language)))

    assert -1 not in positions_in_order(text, HEADINGS[language]), text


def test_p05_opening_issues_the_offering_document_in_french_and_english(opened):
    documents = Document.objects.filter(offering=opened, kind="offering_document")

    assert sorted(documents.values_list("language", "version")) == [("en", 1), ("fr", 1)]
    french = pdftotext(stored_bytes(offering_document(opened, "fr")))
    english = pdftotext(stored_bytes(offering_document(opened, "en")))
    assert "Annexe 45-110A1 — Document d’offre" in french
    assert "Form 45-110F1 — Offering document" in english
    assert "Offering document" not in french
    assert "Document d’offre" not in english


def test_r16_every_page_names_the_document_and_its_version(opened):
    for language in ("fr", "en"):
        document = offering_document(opened, language)
        data = stored_bytes(document)
        pages = page_count(data)
        assert pages >= 2
        for page in range(1, pages + 1):
            text = pdftotext(data, page=page)
            assert f"Document {document.pk} · version 1" in text
            assert f"{page} / {pages}" in text


def test_r16_item_1_carries_the_cautionary_statement_and_the_issuers_risks(opened):
    text = pdftotext(stored_bytes(offering_document(opened, "en")))

    risks = text[text.index("Item 1 —") : text.index("Item 2 —")]
    assert "This is a risky investment and you could lose all of your money." in risks
    assert opened.risk_factors in risks


def test_r19_portal_status_section_says_not_a_registered_dealer_no_advice_no_fee(opened):
    english = pdftotext(stored_bytes(offering_document(opened, "en")))
    french = pdftotext(stored_bytes(offering_document(opened, "fr")))

    portal = english[english.index("Item 11 —") : english.index("Item 12 —")]
    assert (
        "through La Ruche Investissement, which is not a registered dealer. La Ruche "
        "Investissement gives no advice on whether this investment suits you and charges "
        "purchasers no fee." in portal
    )
    portail = french[french.index("Rubrique 11 —") : french.index("Rubrique 12 —")]
    assert "qui n’est pas un courtier inscrit" in portail
    assert "aucuns frais" in portail


def test_r19_a_registered_dealer_portal_says_it_assesses_suitability(open_offering_of, settings):
    settings.EQUITY_PORTAL_REGISTERED_DEALER = True
    offering = open_offering_of()

    english = pdftotext(stored_bytes(offering_document(offering, "en")))

    portal = english[english.index("Item 11 —") : english.index("Item 12 —")]
    assert "a registered dealer" in portal
    assert "may assess whether this investment suits you" in portal
    assert "you may invest up to $10,000.00" in english


def test_r21_information_after_closing_says_what_and_how_often(opened):
    english = pdftotext(stored_bytes(offering_document(opened, "en")))
    french = pdftotext(stored_bytes(offering_document(opened, "fr")))

    after = english[english.index("Item 10 —") : english.index("Item 11 —")]
    assert "its annual financial statements, once a year" in after
    assert "a report on how the money raised was used, once a year" in after
    assert "notice of any event that materially changes its business, when it happens" in after
    apres = french[french.index("Rubrique 10 —") : french.index("Rubrique 11 —")]
    assert "ses états financiers annuels, une fois par année" in apres


def test_r16_certificate_names_the_authorized_individual_and_the_issuer(opened, issuer_user):
    english = pdftotext(stored_bytes(offering_document(opened, "en")))

    certificate = english[english.index("Item 12 —") :]
    assert "This offering document does not contain a misrepresentation." in certificate
    assert f"Authorized individual {issuer_user.full_name}" in certificate
    assert "Vélo-Cargo Québec inc." in certificate


def test_r16_offering_document_is_certified_then_signed_by_the_portal(opened, issuer_user):
    data = stored_bytes(offering_document(opened, "fr"))

    signatures = pdfsig(data)
    assert [s.field for s in signatures] == ["IssuerCertification", "PortalSignature"]
    assert all(s.valid for s in signatures)
    assert signatures[-1].total_document_signed
    verification = verify_pdf(data)
    assert verification.valid
    assert [s.field for s in verification.signatures] == ["IssuerCertification", "PortalSignature"]


def test_r10_bond_terms_state_rate_term_and_the_interest_schedule(community_bond):
    english = pdftotext(stored_bytes(offering_document(community_bond, "en")))
    french = pdftotext(stored_bytes(offering_document(community_bond, "fr")))

    terms = english[english.index("Item 4 —") : english.index("Item 5 —")]
    assert "Annual interest rate 5.25%" in terms
    assert "Term 24 months" in terms
    assert "Interest paid semi-annually" in terms
    # $100 at 5.25 % a year: $2.625 every six months, rounded to $2.63; principal at month 24.
    assert "1 6 $2.63 $0.00" in terms
    assert "4 24 $2.63 $100.00" in terms
    assert "Taux d’intérêt annuel 5,25 %" in french


def test_r11_minimum_and_maximum_and_the_purchaser_limit(opened):
    english = pdftotext(stored_bytes(offering_document(opened, "en")))

    amounts = english[english.index("Item 5 —") : english.index("Item 6 —")]
    assert "Minimum offering amount $20,000.00 (2,000 securities)" in amounts
    assert "Maximum offering amount $100,000.00 (10,000 securities)" in amounts
    assert "You may invest at most $2,500.00 in total in this offering." in amounts


def test_r12_r14_distribution_period_and_withdrawal_right(opened):
    english = pdftotext(stored_bytes(offering_document(opened, "en")))

    # 60 days after 10 a.m. EST on March 2 is 11 a.m. EDT on May 1.
    assert "opened on March 2, 2026, 10 a.m. and ends on May 1, 2026, 11 a.m., 60 days" in english
    assert "may not exceed 90 days" in english
    assert "within 48 hours after subscribing" in english


def test_documents_are_pdf_a_with_every_font_embedded(opened):
    data = stored_bytes(offering_document(opened, "fr"))

    metadata = xmp(data)
    assert 'pdfaid:part="3"' in metadata
    assert 'pdfaid:conformance="B"' in metadata
    rows = fonts(data)
    assert rows
    assert all(row["emb"] == "yes" for row in rows)


def test_opening_appends_one_event_that_lists_the_documents(opened):
    event = AuditEvent.objects.filter(subject=opened.subject, action="offering.opened").get()

    listed = {(d["language"], d["version"], d["sha256"]) for d in event.data["documents"]}
    assert listed == {
        (d.language, d.version, d.sha256)
        for d in Document.objects.filter(offering=opened, kind="offering_document")
    }
    assert {d["document"] for d in event.data["documents"]} == set(
        Document.objects.filter(offering=opened).values_list("pk", flat=True)
    )


def test_an_offering_never_opens_without_its_document(issuer, officer, settings):
    offering = OfferingFactory(issuer=issuer)
    offering_submit(actor=issuer.owner, offering_id=offering.pk)
    offering_approve(officer=officer, offering_id=offering.pk)
    settings.EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS = False  # and no key configured
    events = AuditEvent.objects.count()

    with pytest.raises(ImproperlyConfigured):
        offering_open(actor=issuer.owner, offering_id=offering.pk)

    offering = Offering.objects.get(pk=offering.pk)
    assert offering.state == OfferingState.APPROVED
    assert offering.opened_at is None
    assert not offerings_visible_to(None).filter(pk=offering.pk).exists()
    assert not Document.objects.filter(offering=offering).exists()
    assert AuditEvent.objects.count() == events
