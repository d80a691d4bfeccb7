"""Every document is PAdES-signed: pdfsig and our verifier agree it is valid, and both catch
a flipped byte. Our verifier also catches what pdfsig cannot: a byte flipped in the unsigned
padding of the signature itself."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings as django_settings

from equity import clock
from equity.documents import services
from equity.documents.keys import CA_CERT
from equity.documents.models import Document, DocumentKind
from equity.documents.rendering import html_to_pdf
from equity.documents.selectors import document_matching
from equity.documents.signing import sign_pdf, signing_material
from equity.documents.verification import verify_pdf
from equity.escrow.models import Disbursement, DisbursementKind
from equity.offerings.services import offering_amend
from tests.documents.conftest import (
    CLOSING_TIME,
    close,
    offering_document,
    stored_bytes,
    subscribe,
)
from tests.documents.pdftools import flipped, inside_first_stream, pdfsig

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_kind(opened, issuer_user, make_purchaser, django_capture_on_commit_callbacks):
    """An offering taken through every document: open, subscribe, amend, close, refund."""
    lea = make_purchaser(full_name="Léa Tremblay", province="QC", language="fr")
    marc = make_purchaser(full_name="Marc Bouchard", province="ON", language="en")
    kept = subscribe(opened, lea, 150_000)
    refunded = subscribe(opened, marc, 100_000)
    services.subscription_documents_issue(subscription_id=kept.pk)
    with django_capture_on_commit_callbacks(execute=True):
        offering_amend(
            actor=issuer_user,
            offering_id=opened.pk,
            summary="Nouvel échéancier des travaux.",
            changes={"use_of_funds": "Équipement, puis fonds de roulement."},
        )
    refund = Disbursement.objects.create(
        kind=DisbursementKind.REFUND,
        offering=opened,
        subscription=refunded,
        payee=marc,
        amount_cents=100_000,
        reason="withdrawn",
        instructed_at=clock.now(),
        due_by=clock.now() + timedelta(days=2),
    )
    services.refund_notice_issue(disbursement_id=refund.pk)
    close(opened, at=CLOSING_TIME, accepted=[kept])
    services.closing_notice_issue(offering_id=opened.pk)
    services.filing_packages_issue(offering_id=opened.pk)
    return opened


def test_pdfsig_recognises_every_generated_document_as_signed_and_valid(every_kind):
    documents = Document.objects.filter(offering=every_kind)
    assert set(documents.values_list("kind", flat=True)) == set(DocumentKind.values)

    for document in documents:
        signatures = pdfsig(stored_bytes(document))
        assert signatures, document
        assert all(signature.valid for signature in signatures), (document, signatures)
        assert signatures[-1].total_document_signed
        assert signatures[-1].signer == "La Ruche Investissement document signing"
        assert verify_pdf(stored_bytes(document)).valid, document


def test_flipping_one_byte_makes_pdfsig_and_our_verifier_report_it_invalid(opened):
    data = stored_bytes(offering_document(opened, "fr"))
    altered = flipped(data, inside_first_stream(data))

    assert all(signature.valid for signature in pdfsig(data))
    assert [signature.validation for signature in pdfsig(altered)] == [
        "Digest Mismatch.",
        "Digest Mismatch.",
    ]
    verdict = verify_pdf(altered)
    assert (verdict.valid, verdict.intact, verdict.problem) == (False, False, "altered")


def _signature_contents(data: bytes) -> list[tuple[int, int, int]]:
    """Return (start, end of the DER signature, end of the padding) of each /Contents."""
    spans = []
    for match in re.finditer(rb"/Contents <([0-9a-fA-F]+)>", data):
        hex_digits = match.group(1)
        spans.append((match.start(1), match.start(1) + len(hex_digits.rstrip(b"0")), match.end(1)))
    return spans


def _positions(data: bytes) -> dict[str, int]:
    (first, _, _), (last, last_der_end, last_end) = _signature_contents(data)
    return {
        "header": 3,
        "first content stream": inside_first_stream(data),
        "middle": len(data) // 2,
        "first signature": first + 40,
        "last signature": last + 40,
        "last signature padding": (last_der_end + last_end) // 2,
        "end of file": len(data) - 2,
    }


@pytest.mark.parametrize(
    "where",
    [
        "header",
        "first content stream",
        "middle",
        "first signature",
        "last signature",
        "last signature padding",
        "end of file",
    ],
)
def test_our_verifier_catches_one_flipped_byte_anywhere(opened, where):
    data = stored_bytes(offering_document(opened, "en"))
    altered = flipped(data, _positions(data)[where])

    verdict = verify_pdf(altered)

    assert not verdict.valid
    assert not verdict.intact
    assert document_matching(verdict.sha256) is None


def test_pdfsig_misses_a_flip_in_the_signature_padding_that_our_verifier_catches(opened):
    data = stored_bytes(offering_document(opened, "en"))
    altered = flipped(data, _positions(data)["last signature padding"])

    assert all(signature.valid for signature in pdfsig(altered))
    assert not verify_pdf(altered).valid


def test_our_verifier_reports_the_signer_the_time_and_the_record(opened):
    document = offering_document(opened, "en")

    verdict = verify_pdf(stored_bytes(document))

    assert (verdict.valid, verdict.intact, verdict.problem) == (True, True, "")
    assert verdict.signer == "La Ruche Investissement document signing"
    assert verdict.signed_at is not None
    assert all(s.trusted and s.timestamped for s in verdict.signatures)
    assert document_matching(verdict.sha256) == document


def test_an_unsigned_pdf_and_a_file_that_is_no_pdf_are_not_valid():
    unsigned = html_to_pdf("<p>Rien à signer.</p>", language="fr")

    assert verify_pdf(unsigned).problem == "unsigned"
    assert not verify_pdf(unsigned).valid
    assert pdfsig(unsigned) == []
    assert verify_pdf(b"not a pdf at all").problem == "not_a_pdf"


def test_a_signature_from_another_authority_is_intact_but_untrusted(settings, tmp_path):
    own_keys = settings.EQUITY_SIGNING_DIR
    settings.EQUITY_SIGNING_DIR = tmp_path / "impostor"
    forged = sign_pdf(html_to_pdf("<p>Faux.</p>", language="fr"), reason="forgery")
    settings.EQUITY_SIGNING_DIR = own_keys

    verdict = verify_pdf(forged)

    assert verdict.intact
    assert (verdict.valid, verdict.problem) == (False, "untrusted")


def test_pdfsig_trusts_the_portal_once_its_authority_is_in_the_nss_database(opened, tmp_path):
    """With the development CA in an NSS database, pdfsig trusts the portal's certificate.

    poppler 22.12 checks the certificate of the first signature of a file only:
    for a second one it answers "Unknown issue with Certificate or corrupted data",
    whoever signed it (seen with two plain signatures of one key too). So the
    portal's signature is checked alone, and the certified offering document's
    first signature.
    """
    nss = tmp_path / "nss"
    nss.mkdir()
    ca = django_settings.EQUITY_SIGNING_DIR / CA_CERT
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "portal-ca", "-t", "CT,C,C", "-i", str(ca)],
        check=True,
    )
    notice = sign_pdf(html_to_pdf("<p>Avis.</p>", language="fr"), reason="notice")

    [portal] = pdfsig(notice, nssdir=nss)
    certified = pdfsig(stored_bytes(offering_document(opened, "en")), nssdir=nss)

    assert (portal.valid, portal.certificate) == (True, "Certificate is Trusted.")
    assert certified[0].certificate == "Certificate is Trusted."
    assert all(signature.valid for signature in certified)


def test_a_signature_that_outgrows_the_room_learnt_is_made_again_with_room_enough():
    material = signing_material()
    material.reserved["PortalSignature"] = 64  # far too small for any CMS signature

    signed = sign_pdf(html_to_pdf("<p>Avis.</p>", language="fr"), reason="notice")

    assert verify_pdf(signed).valid
    assert [s.valid for s in pdfsig(signed)] == [True]
    assert material.reserved["PortalSignature"] > 64
