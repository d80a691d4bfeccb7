"""The offering editor's live preview, in a real browser: the draft's PDF follows the form."""

from __future__ import annotations

from playwright.sync_api import expect

from equity.documents.models import Document
from tests.browser.conftest import sign_in
from tests.factories import OfferingFactory


def test_preview_of_the_offering_document_follows_the_form(new_page, screens, issuer):
    offering = OfferingFactory(issuer=issuer)
    page = new_page()
    sign_in(page, issuer.owner.email)
    page.goto(f"/emetteur/offres/{offering.pk}/modifier/")

    with page.expect_response(lambda response: "/apercu/" in response.url) as preview:
        page.locator("#id_title").fill("Un titre changé pour l'aperçu")
    response = preview.value

    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    expect(page.locator("iframe[name^=offering-preview]")).to_have_count(1)
    screens.take(page, "editeur-apercu")
    assert not Document.objects.exists()  # a preview is never stored


def test_bond_terms_show_for_community_bonds_only(new_page, issuer):
    offering = OfferingFactory(issuer=issuer)
    page = new_page()
    sign_in(page, issuer.owner.email)
    page.goto(f"/emetteur/offres/{offering.pk}/modifier/")
    bond_terms = page.locator("#bond-terms")

    page.locator("#id_security_type").select_option("common_share")
    expect(bond_terms).to_be_hidden()
    page.locator("#id_security_type").select_option("debt")
    expect(bond_terms).to_be_visible()
