"""The officers' exports: each a CSV (UTF-8 with BOM, cents and dollars) or a PDF, each
download audited because it hands personal data out of the portal.

One scene on the pinned clock (Monday 2026-03-02, 15:00 UTC): a distribution
closed ten days ago with two accepted purchasers, one in Québec and one in
Ontario, each on the register; a refund still owed to a third purchaser, past due.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from equity.accounts.models import Role
from equity.compliance.models import AuditEvent
from equity.compliance.selectors import rulebook_in_force
from equity.escrow.models import Disbursement, SecurityHolding
from equity.escrow.settlement import RESALE_LEGEND
from equity.investors.models import Subscription, SubscriptionState
from equity.offerings.models import OfferingState
from tests.factories import IssuerFactory, OfferingFactory, UserFactory
from tests.support.web import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

EXPORTS = ("offerings", "filings", "refunds", "register")


@pytest.fixture
def closed_distribution(frozen_now):
    """A distribution closed ten days ago: Léa (QC) $1,500 and Sam (ON) $1,000 accepted."""
    rulebook = rulebook_in_force(code="ni45-110", as_of=frozen_now.date())
    closed_at = frozen_now - timedelta(days=10)
    offering = OfferingFactory(
        issuer=IssuerFactory(legal_name="Vélo-Cargo Québec inc.", province="QC"),
        title="Deuxième ligne",
        state=OfferingState.CLOSED,
        rulebook=rulebook,
        raised_cents=250_000,
        minimum_amount_cents=200_000,
        submitted_at=closed_at - timedelta(days=70),
        approved_at=closed_at - timedelta(days=65),
        opened_at=closed_at - timedelta(days=60),
        closes_at=closed_at,
        closed_at=closed_at,
    )
    for name, province, cents in (("Léa Tremblay", "QC", 150_000), ("Sam Singh", "ON", 100_000)):
        holder = UserFactory(role=Role.INVESTOR, full_name=name, province=province)
        subscription = Subscription.objects.create(
            offering=offering,
            investor=holder,
            amount_cents=cents,
            quantity=cents // 1_000,
            state=SubscriptionState.ACCEPTED,
            created_at=closed_at - timedelta(days=20),
            withdrawal_deadline=closed_at - timedelta(days=18),
        )
        SecurityHolding.objects.create(
            offering=offering,
            subscription=subscription,
            holder=holder,
            security_class="common_share",
            quantity=subscription.quantity,
            certificate_number=f"{offering.pk}-{subscription.pk}",
            issued_on=closed_at.date(),
            legend=RESALE_LEGEND,
        )
    marc = UserFactory(role=Role.INVESTOR, full_name="Marc Bouchard", email="marc@example.ca")
    withdrawn = Subscription.objects.create(
        offering=offering,
        investor=marc,
        amount_cents=50_000,
        quantity=50,
        state=SubscriptionState.WITHDRAWN,
        created_at=closed_at - timedelta(days=30),
        withdrawal_deadline=closed_at - timedelta(days=28),
    )
    Disbursement.objects.create(
        kind="refund",
        offering=offering,
        subscription=withdrawn,
        payee=marc,
        amount_cents=50_000,
        reason="withdrawn",
        instructed_at=closed_at - timedelta(days=29),
        due_by=closed_at - timedelta(days=27),
    )
    return offering


def download(client, name: str, file_format: str):
    return client.post(reverse("officers:export", args=[name, file_format]))


def rows_of(response) -> list[dict[str, str]]:
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_exports_page_offers_each_export_as_csv_and_pdf(officer):
    page = signed_in(officer).get(reverse("officers:exports"))

    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="fr">' in html
    for name in EXPORTS:
        assert reverse("officers:export", args=[name, "csv"]) in html
        assert reverse("officers:export", args=[name, "pdf"]) in html


def test_offerings_csv_has_one_row_per_offering_with_state_and_amounts(
    officer, closed_distribution
):
    response = download(signed_in(officer), "offerings", "csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert 'filename="offerings-2026-03-02.csv"' in response["Content-Disposition"]
    [row] = rows_of(response)
    assert row["offering_id"] == str(closed_distribution.pk)
    assert row["title"] == "Deuxième ligne"
    assert row["issuer"] == "Vélo-Cargo Québec inc."
    assert row["state"] == "closed"
    assert (row["raised_cents"], row["raised_dollars"]) == ("250000", "2500.00")
    assert (row["maximum_cents"], row["maximum_dollars"]) == ("10000000", "100000.00")
    assert row["closed_at"].startswith("2026-02-")
    assert row["cancelled_at"] == ""


def test_r17_filings_csv_has_one_row_per_jurisdiction_with_its_deadline(
    officer, closed_distribution
):
    rows = rows_of(download(signed_in(officer), "filings", "csv"))

    assert [
        (row["jurisdiction"], row["purchasers"], row["amount_cents"], row["amount_dollars"])
        for row in rows
    ] == [("QC", "1", "150000", "1500.00"), ("ON", "1", "100000", "1000.00")]
    assert {row["filing_deadline"] for row in rows} == {"2026-03-22"}  # 30 days after closing
    assert {row["days_left"] for row in rows} == {"20"}
    assert rows[0]["regulator"] == "Autorité des marchés financiers"


def test_r17_a_filing_past_its_deadline_leaves_the_list(officer, closed_distribution):
    closed_distribution.__class__.objects.filter(pk=closed_distribution.pk).update(
        closed_at=closed_distribution.closed_at - timedelta(days=40)
    )
    assert rows_of(download(signed_in(officer), "filings", "csv")) == []


def test_r13_refunds_csv_lists_unconfirmed_refunds_with_their_overdue_flag(
    officer, closed_distribution
):
    rows = rows_of(download(signed_in(officer), "refunds", "csv"))

    [row] = rows
    assert (row["payee"], row["payee_email"]) == ("Marc Bouchard", "marc@example.ca")
    assert (row["amount_cents"], row["amount_dollars"]) == ("50000", "500.00")
    assert row["overdue"] == "yes"
    assert row["due_by"].startswith("2026-01-")

    Disbursement.objects.update(confirmed_at=closed_distribution.closed_at)
    assert rows_of(download(signed_in(officer), "refunds", "csv")) == []


def test_r18_register_csv_carries_the_resale_legend_on_every_line(officer, closed_distribution):
    rows = rows_of(download(signed_in(officer), "register", "csv"))

    assert [(row["holder"], row["quantity"], row["amount_cents"]) for row in rows] == [
        ("Léa Tremblay", "150", "150000"),
        ("Sam Singh", "100", "100000"),
    ]
    assert {row["legend"] for row in rows} == {RESALE_LEGEND}
    assert {row["issued_on"] for row in rows} == {date(2026, 2, 20).isoformat()}


@pytest.mark.parametrize("name", EXPORTS)
def test_each_export_as_pdf_is_a_pdf(officer, closed_distribution, name):
    response = download(signed_in(officer), name, "pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_each_download_is_an_audit_event_naming_the_export(officer, closed_distribution):
    client = signed_in(officer)
    download(client, "register", "csv")
    download(client, "refunds", "pdf")

    events = AuditEvent.objects.filter(action="export.downloaded").order_by("seq")
    assert [(e.actor, e.data["name"], e.data["format"]) for e in events] == [
        (f"user:{officer.pk}", "register", "csv"),
        (f"user:{officer.pk}", "refunds", "pdf"),
    ]
    assert events[0].data["rows"] == 2


def test_a_download_is_a_post_and_only_for_officers(officer, investor, issuer_user, client):
    url = reverse("officers:export", args=["register", "csv"])

    assert signed_in(officer).get(url).status_code == 405
    assert signed_in(investor).post(url).status_code == 403
    assert signed_in(issuer_user).post(url).status_code == 403
    assert client.post(url).status_code == 302
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_an_unknown_export_is_not_found_and_not_audited(officer):
    client = signed_in(officer)
    assert download(client, "passwords", "csv").status_code == 404
    assert client.post("/conformite/exports/register.xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()
