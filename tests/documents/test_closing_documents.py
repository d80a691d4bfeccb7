"""After closing: the filing package per jurisdiction (R17), the notice of closing (R21), and
the notices of refund (R13)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from equity import clock
from equity.documents import services
from equity.documents.content import Purchase, filing_deadline, province_totals
from equity.documents.models import Document
from equity.documents.selectors import filing_packages_due
from equity.documents.tasks import render_closing_documents, render_refund_notices
from equity.escrow.models import Disbursement, DisbursementKind
from equity.exceptions import Conflict
from equity.offerings.models import Offering
from tests.documents.conftest import CLOSING_TIME, close, offering_document, stored_bytes, subscribe
from tests.documents.pdftools import embedded_files, pdftotext

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(opened, make_purchaser):
    """Closed on May 1, 2026: two purchasers in Québec, one in Ontario; one withdrew in BC."""
    lea = make_purchaser(full_name="Léa Tremblay", province="QC")
    jacques = make_purchaser(full_name="Jacques Côté", province="QC")
    marc = make_purchaser(full_name="Marc Bouchard", province="ON", language="en")
    priya = make_purchaser(full_name="Priya Singh", province="BC", language="en")
    accepted = [
        subscribe(opened, lea, 150_000),
        subscribe(opened, lea, 50_000),
        subscribe(opened, jacques, 100_000),
        subscribe(opened, marc, 250_000),
    ]
    subscribe(opened, priya, 100_000)  # never paid: expired, not part of the distribution
    return close(opened, at=CLOSING_TIME, accepted=accepted)


def test_r17_the_deadline_is_closing_plus_the_rulebooks_filing_days():
    assert filing_deadline(date(2026, 5, 1), 30) == date(2026, 5, 31)
    assert filing_deadline(date(2026, 12, 15), 30) == date(2027, 1, 14)


def test_r17_totals_by_jurisdiction_count_each_purchaser_once_head_office_first():
    purchases = [
        Purchase(investor_id=1, province="QC", quantity=150, amount_cents=150_000),
        Purchase(investor_id=1, province="QC", quantity=50, amount_cents=50_000),
        Purchase(investor_id=2, province="ON", quantity=250, amount_cents=250_000),
    ]

    totals = province_totals(purchases, head_office_province="NB")

    assert [(t.province, t.purchasers, t.securities, t.amount_cents) for t in totals] == [
        ("NB", 0, 0, 0),
        ("ON", 1, 250, 250_000),
        ("QC", 1, 200, 200_000),
    ]


def test_r17_one_filing_package_per_jurisdiction_in_both_languages(closed):
    render_closing_documents.delay(closed.pk)

    packages = Document.objects.filter(offering=closed, kind="filing_package")
    assert sorted(packages.values_list("reference", "language")) == [
        ("ON", "en"),
        ("ON", "fr"),
        ("QC", "en"),
        ("QC", "fr"),
    ]
    assert set(packages.values_list("due_on", flat=True)) == {date(2026, 5, 31)}


def test_r17_filing_package_states_totals_by_province_and_the_deadline(closed):
    services.filing_packages_issue(offering_id=closed.pk)
    package = Document.objects.get(
        offering=closed, kind="filing_package", reference="ON", language="en"
    )

    text = pdftotext(stored_bytes(package))

    assert "Filing package — ON" in text
    assert "Regulator Ontario Securities Commission (ON)" in text
    assert "Filing deadline May 31, 2026" in text
    assert "no later than 30 days after closing" in text
    assert "QC 2 300 $3,000.00" in text
    assert "ON 1 250 $2,500.00" in text
    assert "Total 3 550 $5,500.00" in text
    assert "BC" not in text.split("Distribution totals by jurisdiction")[1].split("Offering")[0]
    for document in Document.objects.filter(offering=closed, kind="offering_document"):
        assert document.sha256 in text


def test_r17_filing_package_carries_the_signed_offering_documents(closed):
    services.filing_packages_issue(offering_id=closed.pk)
    package = Document.objects.get(
        offering=closed, kind="filing_package", reference="QC", language="fr"
    )

    text = pdftotext(stored_bytes(package))
    assert "Dossier de dépôt — QC" in text
    assert "Autorité des marchés financiers" in text
    assert "31 mai 2026" in text
    files = embedded_files(stored_bytes(package))
    assert files == {
        f"offering-{closed.pk}-v1-en.pdf": stored_bytes(offering_document(closed, "en")),
        f"offering-{closed.pk}-v1-fr.pdf": stored_bytes(offering_document(closed, "fr")),
    }


def test_r17_filing_packages_are_tracked_by_deadline(closed):
    services.filing_packages_issue(offering_id=closed.pk)

    due = filing_packages_due(as_of=date(2026, 5, 2))

    assert {(d.reference, d.due_on) for d in due} == {
        ("QC", date(2026, 5, 31)),
        ("ON", date(2026, 5, 31)),
    }
    assert not filing_packages_due(as_of=date(2026, 6, 1)).exists()


def test_r17_a_failed_offering_gets_no_closing_documents(opened):
    Offering.objects.filter(pk=opened.pk).update(state="failed", closed_at=CLOSING_TIME)

    assert render_closing_documents.delay(opened.pk).get() == []
    assert not Document.objects.filter(offering=opened).exclude(kind="offering_document").exists()


def test_r17_no_filing_package_before_closing(opened):
    with pytest.raises(Conflict) as refusal:
        services.filing_packages_issue(offering_id=opened.pk)

    assert refusal.value.rule == "R17"
    assert not Document.objects.filter(kind="filing_package").exists()


def test_r21_closing_notice_states_the_totals_and_the_information_to_come(closed):
    services.closing_notice_issue(offering_id=closed.pk)
    notice = Document.objects.get(offering=closed, kind="closing_notice", language="en")

    text = pdftotext(stored_bytes(notice))

    assert "The distribution closed on May 1, 2026, 4 p.m." in text
    assert "Amount raised $5,500.00" in text
    assert "Securities issued 550 × common shares" in text
    assert "Purchasers 3" in text
    assert "its annual financial statements and a report on the use of the money raised" in text
    assert "becomes a reporting issuer in any province or territory" in text
    assert Document.objects.filter(offering=closed, kind="closing_notice").count() == 2


def test_r13_refund_notices_go_to_each_refunded_purchaser_in_their_language(opened, make_purchaser):
    lea = make_purchaser(full_name="Léa Tremblay", language="fr")
    marc = make_purchaser(full_name="Marc Bouchard", language="en", province="ON")
    refunds = [
        Disbursement.objects.create(
            kind=DisbursementKind.REFUND,
            offering=opened,
            subscription=subscribe(opened, purchaser, amount),
            payee=purchaser,
            amount_cents=amount,
            reason="offering_cancelled",
            instructed_at=clock.now(),
            due_by=clock.now() + timedelta(days=2),
        )
        for purchaser, amount in ((lea, 150_000), (marc, 100_000))
    ]

    render_refund_notices.delay(opened.pk)
    render_refund_notices.delay(opened.pk)  # a repeat issues nothing new

    notices = Document.objects.filter(offering=opened, kind="refund_notice").order_by("language")
    assert [(n.language, n.reference) for n in notices] == [
        ("en", f"disbursement:{refunds[1].pk}"),
        ("fr", f"disbursement:{refunds[0].pk}"),
    ]
    english = pdftotext(stored_bytes(notices[0]))
    assert (
        "Marc Bouchard, $1,000.00 is being returned to you because the offering was cancelled."
        in english
    )
    assert "returned in full, without any deduction" in english
    french = pdftotext(stored_bytes(notices[1]))
    assert "le placement a été annulé" in french
    assert "sans aucune déduction" in french
