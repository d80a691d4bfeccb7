"""A purchaser's documents: the signed risk acknowledgement (R15) and the confirmation (R18)."""

from __future__ import annotations

import pytest

from equity.documents import services
from equity.documents.models import Document
from equity.documents.tasks import render_subscription_documents
from equity.exceptions import Conflict
from equity.investors.models import RiskAcknowledgement
from equity.investors.selectors import rendered_risk_form
from tests.documents.conftest import stored_bytes, subscribe
from tests.documents.pdftools import pdfsig, pdftotext

pytestmark = pytest.mark.django_db

LEGEND = {
    "en": "Unless permitted under securities legislation, the holder of this security must not "
    "trade the security before the date that is 4 months and a day after the date the issuer "
    "becomes a reporting issuer in any province or territory.",
    "fr": "Sauf si la législation en valeurs mobilières le permet, le porteur de ce titre ne doit "
    "pas effectuer d’opération sur le titre avant la date qui tombe 4 mois et un jour après la "
    "date à laquelle l’émetteur devient émetteur assujetti dans une province ou un territoire.",
}


@pytest.fixture
def lea(make_purchaser):
    return make_purchaser(full_name="Léa Tremblay", province="QC", language="fr")


@pytest.fixture
def marc(make_purchaser):
    return make_purchaser(full_name="Marc Bouchard", province="ON", language="en")


def _documents(subscription):
    render_subscription_documents.delay(subscription.pk)
    return {d.kind: d for d in Document.objects.filter(subscription=subscription)}


def test_r15_acknowledgement_pdf_holds_the_exact_statements_and_the_typed_name(opened, lea):
    subscription = subscribe(opened, lea, 150_000)

    document = _documents(subscription)["risk_acknowledgement"]

    text = pdftotext(stored_bytes(document))
    shown = rendered_risk_form(offering=opened, investor=lea, language="fr")
    for statement in shown.statements:
        assert " ".join(statement["text"].split()) in text
    acknowledgement = RiskAcknowledgement.objects.get(subscription=subscription)
    assert acknowledgement.text_sha256 == shown.text_sha256
    assert "Annexe 45-110A2 — Reconnaissance de risque" in text
    assert "Nom saisi Léa Tremblay" in text
    assert "203.0.113.7" in text
    assert "Mozilla/5.0 (pytest)" in text
    assert acknowledgement.form.version in text
    assert acknowledgement.text_sha256 in text
    assert document.language == "fr"
    assert all(signature.valid for signature in pdfsig(stored_bytes(document)))


def test_r15_an_acknowledgement_that_cannot_be_shown_as_signed_is_not_issued(opened, lea):
    subscription = subscribe(opened, lea, 150_000)
    RiskAcknowledgement.objects.filter(subscription=subscription).update(text_sha256="0" * 64)

    with pytest.raises(Conflict) as refusal:
        services.subscription_documents_issue(subscription_id=subscription.pk)

    assert (refusal.value.code, refusal.value.rule) == (
        "risk_acknowledgement_not_reproducible",
        "R15",
    )
    assert not Document.objects.filter(subscription=subscription).exists()


@pytest.mark.parametrize(("who", "language"), [("lea", "fr"), ("marc", "en")])
def test_r18_p05_confirmation_carries_the_resale_legend_in_the_purchasers_language(
    request, opened, who, language
):
    purchaser = request.getfixturevalue(who)
    subscription = subscribe(opened, purchaser, 100_000)

    confirmation = _documents(subscription)["subscription_confirmation"]

    text = pdftotext(stored_bytes(confirmation))
    assert confirmation.language == language
    assert LEGEND[language] in text
    assert purchaser.full_name in text
    if language == "en":
        assert "Subscription confirmation" in text
        assert "100 × common shares" in text
        assert "Amount $1,000.00" in text
        assert "Withdrawal deadline March 4, 2026, 10 a.m." in text
    else:
        assert "Confirmation de souscription" in text
        assert "1\u00a0000,00\u00a0$" in text or "1 000,00 $" in text


def test_p05_english_purchaser_signs_and_gets_the_acknowledgement_in_english(opened, marc):
    subscription = subscribe(opened, marc, 100_000)

    document = _documents(subscription)["risk_acknowledgement"]

    text = pdftotext(stored_bytes(document))
    assert document.language == "en"
    assert "Form 45-110F2 — Risk acknowledgement" in text
    assert "I understand that I could lose all of the money I invest." in text
    assert "Typed name Marc Bouchard" in text
