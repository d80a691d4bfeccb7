"""The documents over HTTP: listing, download, verification (CONTRACT.md, documents)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from equity.compliance.models import Rulebook
from equity.documents import services
from equity.documents.models import Document
from tests.documents.conftest import offering_document, stored_bytes, subscribe
from tests.documents.pdftools import flipped, inside_first_stream
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/documents/verify"


def _listing(api, user, offering, language="en"):
    return api(user, language).get(f"/api/v1/offerings/{offering.pk}/documents")


def test_an_open_offerings_documents_are_listed_to_anyone(api, opened):
    response = _listing(api, None, opened)

    assert response.status_code == 200
    body = response.json()
    expected = {
        (d.pk, d.kind, d.version, d.language, d.sha256, f"/api/v1/documents/{d.pk}")
        for d in Document.objects.filter(offering=opened)
    }
    assert {
        (d["id"], d["kind"], d["version"], d["language"], d["sha256"], d["url"]) for d in body
    } == expected
    assert {d["language"] for d in body} == {"fr", "en"}


def test_the_offering_body_lists_its_public_documents(api, opened):
    body = api(None).get(f"/api/v1/offerings/{opened.pk}").json()

    assert sorted((d["kind"], d["language"]) for d in body["documents"]) == [
        ("offering_document", "en"),
        ("offering_document", "fr"),
    ]


def test_a_listed_url_serves_the_signed_pdf(api, opened):
    document = offering_document(opened, "fr")
    url = next(d["url"] for d in _listing(api, None, opened).json() if d["id"] == document.pk)

    response = api(None).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == stored_bytes(document)
    assert hashlib.sha256(response.content).hexdigest() == document.sha256
    assert "v1-fr.pdf" in response["Content-Disposition"]


def test_a_draft_offerings_documents_are_not_public(api, issuer, issuer_user, officer, frozen_now):
    draft = OfferingFactory(issuer=issuer, rulebook=Rulebook.objects.get(code="ni45-110"))
    [document, _] = services.offering_document_issue(
        offering=draft,
        version=1,
        certified_by=issuer_user,
        certified_at=frozen_now,
        opened_at=frozen_now,
        closes_at=frozen_now,
        audit=False,
    )

    assert _listing(api, None, draft).status_code == 403
    assert api(None).get(f"/api/v1/documents/{document.pk}").status_code == 404
    assert api(None).get(f"/api/v1/offerings/{draft.pk}").status_code == 403
    assert _listing(api, issuer_user, draft).status_code == 200
    assert api(issuer_user).get(f"/api/v1/offerings/{draft.pk}").json()["documents"] == []
    assert len(_listing(api, officer, draft).json()) == 2


def test_an_unknown_offering_or_document_is_404(api):
    assert _listing(api, None, OfferingFactory.build(pk=999_999)).status_code == 404
    assert api(None).get("/api/v1/documents/1234567890123456").status_code == 404


def test_r15_a_purchasers_documents_are_theirs_and_the_officers_only(
    api, opened, make_purchaser, issuer_user, officer
):
    lea = make_purchaser(full_name="Léa Tremblay")
    marc = make_purchaser(full_name="Marc Bouchard")
    services.subscription_documents_issue(subscription_id=subscribe(opened, lea, 100_000).pk)
    private = Document.objects.filter(offering=opened, subscription__investor=lea)
    assert private.count() == 2

    def kinds(user):
        return sorted(d["kind"] for d in _listing(api, user, opened).json())

    public = ["offering_document", "offering_document"]
    assert kinds(None) == public
    assert kinds(marc) == public
    assert kinds(issuer_user) == public
    assert kinds(lea) == sorted([*public, "risk_acknowledgement", "subscription_confirmation"])
    assert kinds(officer) == kinds(lea)
    for document in private:
        url = f"/api/v1/documents/{document.pk}"
        assert api(lea).get(url).status_code == 200
        assert api(officer).get(url).status_code == 200
        assert api(marc).get(url).status_code == 404
        assert api(None).get(url).status_code == 404


def _verify(api, data, name="document.pdf", language="en"):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    return api(None, language).post(VERIFY, {"file": upload}, format="multipart")


def test_verify_names_the_signer_and_the_record_of_an_issued_file(api, opened):
    document = offering_document(opened, "en")

    response = _verify(api, stored_bytes(document))

    assert response.status_code == 200
    body = response.json()
    assert (body["valid"], body["intact"], body["sha256"], body["document"]) == (
        True,
        True,
        document.sha256,
        document.pk,
    )
    assert body["signer"] == "La Ruche Investissement document signing"
    assert body["problem"] == ""
    assert [s["field"] for s in body["signatures"]] == ["IssuerCertification", "PortalSignature"]


def test_verify_reports_a_flipped_byte_as_invalid_and_unrecorded(api, opened):
    data = stored_bytes(offering_document(opened, "en"))
    altered = flipped(data, inside_first_stream(data))

    body = _verify(api, altered, language="fr").json()

    assert (body["valid"], body["intact"], body["document"]) == (False, False, None)
    assert body["sha256"] == hashlib.sha256(altered).hexdigest()
    assert body["problem"] == "altered"
    assert body["detail"] == "Ce document a été modifié après sa signature."


def test_verify_an_unknown_file(api):
    body = _verify(api, b"hello", name="hello.txt").json()

    assert (body["valid"], body["document"], body["signer"], body["problem"]) == (
        False,
        None,
        None,
        "not_a_pdf",
    )


def test_verify_without_a_file_is_400(api):
    response = api(None).post(VERIFY, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "file" in response.json()["errors"]


def test_verify_refuses_a_file_above_the_limit(api, settings):
    settings.EQUITY_DOCUMENT_VERIFY_MAX_BYTES = 10

    response = _verify(api, b"%PDF-1.7 more than ten bytes")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]
