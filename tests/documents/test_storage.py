"""Documents are immutable, stored by their SHA-256, recorded and audited (R16, R20, P02)."""

from __future__ import annotations

import hashlib

import pytest
from django.db import DatabaseError, transaction

from equity.compliance.audit import verify_chain
from equity.compliance.models import AuditEvent
from equity.documents import services
from equity.documents.exceptions import DocumentTampered
from equity.documents.models import Document
from equity.documents.storage import document_storage, file_name, read_pdf, store_pdf
from equity.offerings.services import offering_amend
from tests.documents.conftest import offering_document, stored_bytes, subscribe
from tests.documents.pdftools import pdftotext

pytestmark = pytest.mark.django_db


def _amend(offering, issuer_user, capture):
    with capture(execute=True):
        return offering_amend(
            actor=issuer_user,
            offering_id=offering.pk,
            summary="Le montant minimal passe à 25 000 $.",
            changes={"minimum_amount_cents": 2_500_000},
        )


def test_each_document_is_stored_under_its_sha256(opened):
    for document in Document.objects.filter(offering=opened):
        data = stored_bytes(document)
        assert hashlib.sha256(data).hexdigest() == document.sha256
        assert document.file_name == f"{document.sha256[:2]}/{document.sha256}.pdf"
        assert document.size == len(data)
        assert document.signer == "La Ruche Investissement document signing"


def test_storing_the_same_bytes_twice_keeps_one_file(db):
    first = store_pdf(b"%PDF-1.7 the same bytes")
    second = store_pdf(b"%PDF-1.7 the same bytes")

    assert first == second
    directory = file_name(first[0]).split("/")[0]
    copies = [n for n in document_storage().listdir(directory)[1] if n.startswith(first[0])]
    assert copies == [f"{first[0]}.pdf"]


def test_a_stored_file_changed_on_disk_is_refused(db, tmp_path):
    sha256, name = store_pdf(b"%PDF-1.7 original")
    path = document_storage().path(name)
    with open(path, "r+b") as stored:  # the file is read-only to the module, not to root
        stored.write(b"%PDF-1.7 tampered")

    with pytest.raises(DocumentTampered):
        read_pdf(name, sha256=sha256)


def test_r16_amendment_issues_version_2_and_leaves_version_1_untouched(
    opened, issuer_user, django_capture_on_commit_callbacks
):
    before = {
        document.pk: (document.sha256, document.version, stored_bytes(document))
        for document in Document.objects.filter(offering=opened)
    }

    _amend(opened, issuer_user, django_capture_on_commit_callbacks)

    for pk, (sha256, version, data) in before.items():
        document = Document.objects.get(pk=pk)
        assert (document.sha256, document.version, stored_bytes(document)) == (
            sha256,
            version,
            data,
        )
    versions = Document.objects.filter(offering=opened, kind="offering_document")
    assert sorted(versions.values_list("version", "language")) == [
        (1, "en"),
        (1, "fr"),
        (2, "en"),
        (2, "fr"),
    ]
    amended = pdftotext(stored_bytes(offering_document(opened, "fr", version=2)))
    assert "Version 2" in amended
    assert "Modification no 1" in amended
    assert "Le montant minimal passe à 25 000 $." in amended
    assert "Le montant minimal passe" not in pdftotext(
        stored_bytes(offering_document(opened, "fr"))
    )
    notices = Document.objects.filter(offering=opened, kind="amendment_notice")
    assert sorted(notices.values_list("version", "language")) == [(1, "en"), (1, "fr")]


def test_r14_amendment_notice_states_the_new_withdrawal_window(
    opened, issuer_user, django_capture_on_commit_callbacks
):
    _amend(opened, issuer_user, django_capture_on_commit_callbacks)

    notice = Document.objects.get(offering=opened, kind="amendment_notice", language="en")
    text = pdftotext(stored_bytes(notice))
    assert "Notice of amendment 1" in text
    assert "version 2 replaces the previous one" in text
    assert "within 48 hours after being notified of this amendment, until March 4, 2026" in text


def test_r20_the_database_refuses_to_change_a_document_record(opened):
    document = offering_document(opened, "fr")

    with pytest.raises(DatabaseError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(sha256="0" * 64)

    assert Document.objects.get(pk=document.pk).sha256 == document.sha256


def test_p02_every_issued_document_is_audited_in_its_transaction(
    opened, make_purchaser, django_capture_on_commit_callbacks
):
    subscription = subscribe(opened, make_purchaser(full_name="Léa Tremblay"), 100_000)
    events_before = AuditEvent.objects.count()

    documents = services.subscription_documents_issue(subscription_id=subscription.pk)

    events = list(AuditEvent.objects.filter(seq__gt=events_before).order_by("seq"))
    assert [(e.action, e.subject, e.actor) for e in events] == [
        ("document.issued", f"subscription:{subscription.pk}", "system"),
        ("document.issued", f"subscription:{subscription.pk}", "system"),
    ]
    assert [e.data for e in events] == [
        {
            "document": d.pk,
            "kind": d.kind,
            "version": 1,
            "language": d.language,
            "sha256": d.sha256,
        }
        for d in documents
    ]
    assert verify_chain().ok


def test_issuing_again_returns_the_same_documents_and_writes_nothing(opened, make_purchaser):
    subscription = subscribe(opened, make_purchaser(), 100_000)
    first = services.subscription_documents_issue(subscription_id=subscription.pk)
    counts = (Document.objects.count(), AuditEvent.objects.count())

    again = services.subscription_documents_issue(subscription_id=subscription.pk)

    assert [d.pk for d in again] == [d.pk for d in first]
    assert (Document.objects.count(), AuditEvent.objects.count()) == counts
