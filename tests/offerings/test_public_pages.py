"""The public offering pages: the list with its filters, and each offering (R19 first)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from equity.accounts.models import Role
from equity.documents.models import DocumentKind
from equity.offerings.models import Offering, OfferingState
from tests.factories import IssuerFactory, OfferingFactory, PrincipalFactory, UserFactory
from tests.investors.scenes import open_offering
from tests.support.web import signed_in

pytestmark = pytest.mark.usefixtures("frozen_now")

LIST = reverse("offerings:list")


def visitor(language: str = "fr", client: Client | None = None) -> Client:
    """Return a client that acknowledged the portal's status in ``language`` (R19)."""
    client = client or Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(reverse("portal-status"), {"acknowledge": "yes", "next": LIST})
    assert response.status_code == 302
    return client


def listed(frozen_now: datetime, *, issuer: dict[str, Any] | None = None, **fields) -> Offering:
    """Return an offering opened yesterday that closes in 20 days, arranged directly."""
    company = IssuerFactory(**(issuer or {}))
    PrincipalFactory(issuer=company, full_name="Camille Gagnon", is_director=True)
    values = {
        "state": OfferingState.OPEN,
        "opened_at": frozen_now - timedelta(days=1),
        "closes_at": frozen_now + timedelta(days=20),
        **fields,
    }
    return OfferingFactory(issuer=company, **values)


def detail_url(offering: Offering) -> str:
    return reverse("offerings:detail", kwargs={"offering_id": offering.pk})


# --- R19 ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_r19_offering_list_sends_a_visitor_to_the_portal_status_first():
    response = Client().get(LIST)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal-status')}?next={LIST}"


@pytest.mark.django_db
def test_r19_offering_page_sends_a_visitor_to_the_portal_status_first(frozen_now):
    offering = listed(frozen_now)

    response = Client().get(detail_url(offering))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal-status"))


# --- the list --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_each_open_offering_with_issuer_security_progress_and_time_left(frozen_now):
    offering = listed(
        frozen_now,
        title="Deuxième ligne",
        raised_cents=500_000,
        issuer={"legal_name": "Vélo-Cargo Québec inc."},
    )

    response = visitor("en").get(LIST)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in page
    assert "Deuxième ligne" in page
    assert "Vélo-Cargo Québec inc." in page
    assert "common shares" in page
    assert f'max="{offering.maximum_amount_cents}" value="500000"' in page
    assert "$5,000.00 raised — minimum $20,000.00, maximum $100,000.00" in page
    assert "20 days" in page


@pytest.mark.django_db
def test_list_renders_in_french_by_default(frozen_now):
    listed(frozen_now, title="Deuxième ligne")

    response = visitor().get(LIST)

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
    assert "Deuxième ligne" in response.content.decode()


@pytest.mark.django_db
def test_list_leaves_out_offerings_not_yet_open_and_lists_ended_ones_apart(frozen_now):
    listed(frozen_now, title="Ouverte")
    OfferingFactory(title="Brouillon")
    OfferingFactory(title="Approuvée", state=OfferingState.APPROVED)
    listed(
        frozen_now,
        title="Terminée",
        state=OfferingState.CLOSED,
        closes_at=frozen_now - timedelta(days=3),
        closed_at=frozen_now - timedelta(days=3),
    )

    response = visitor("en").get(LIST)

    assert [offering.title for offering in response.context["open_offerings"]] == ["Ouverte"]
    assert [offering.title for offering in response.context["ended_offerings"]] == ["Terminée"]
    page = response.content.decode()
    assert "Brouillon" not in page and "Approuvée" not in page
    assert "Recently ended" in page


@pytest.mark.django_db
def test_list_filters_by_the_issuers_head_office_province(frozen_now):
    listed(frozen_now, title="À Québec", issuer={"province": "QC"})
    listed(frozen_now, title="À Toronto", issuer={"province": "ON", "city": "Toronto"})

    response = visitor("en").get(LIST, {"province": "ON"})

    assert [offering.title for offering in response.context["open_offerings"]] == ["À Toronto"]
    assert 'id="id_province"' in response.content.decode()


@pytest.mark.django_db
def test_list_filters_by_security_type_with_translated_labels(frozen_now):
    listed(frozen_now, title="Actions")
    listed(
        frozen_now,
        title="Obligations",
        security_type="debt",
        annual_rate_bps=500,
        term_months=60,
        interest_frequency="annual",
    )

    response = visitor("en").get(LIST, {"security_type": "debt"})

    assert [offering.title for offering in response.context["open_offerings"]] == ["Obligations"]
    page = response.content.decode()
    assert '<option value="debt" selected>debt (community bonds)</option>' in page
    assert '<label for="id_security_type">Security</label>' in page


@pytest.mark.django_db
def test_list_filters_social_economy_issuers_co_operatives_and_non_profits(frozen_now):
    listed(frozen_now, title="Coop", issuer={"legal_form": "cooperative"})
    listed(frozen_now, title="OBNL", issuer={"legal_form": "non_profit"})
    listed(frozen_now, title="Société", issuer={"legal_form": "corporation"})

    response = visitor("en").get(LIST, {"social_economy": "on"})

    assert sorted(offering.title for offering in response.context["open_offerings"]) == [
        "Coop",
        "OBNL",
    ]


@pytest.mark.django_db
def test_list_ignores_an_unknown_filter_value_and_says_so(frozen_now):
    listed(frozen_now, title="Ouverte")

    response = visitor("en").get(LIST, {"province": "ZZ"})

    assert response.status_code == 200
    assert [offering.title for offering in response.context["open_offerings"]] == ["Ouverte"]
    assert 'id="id_province_errors"' in response.content.decode()


# --- the offering page -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state", [OfferingState.DRAFT, OfferingState.UNDER_REVIEW, OfferingState.APPROVED]
)
def test_offering_page_is_404_before_the_offering_opens(state, issuer_user):
    offering = OfferingFactory(state=state)

    assert visitor().get(detail_url(offering)).status_code == 404
    owner = visitor(client=signed_in(offering.issuer.owner))
    assert owner.get(detail_url(offering)).status_code == 404


@pytest.mark.django_db
def test_offering_page_shows_terms_issuer_principals_progress_and_days_left(frozen_now):
    offering = listed(
        frozen_now,
        title="Obligations du Rucher",
        summary="Agrandir le rucher.",
        security_type="debt",
        annual_rate_bps=450,
        term_months=60,
        interest_frequency="annual",
        raised_cents=2_500_000,
        use_of_funds="Ruches et extracteur.",
        risk_factors="Mauvaise saison.",
        issuer={
            "legal_name": "Coopérative Le Rucher",
            "legal_form": "cooperative",
            "city": "Rimouski",
            "business_description": "Apiculture urbaine.",
        },
    )

    response = visitor("en").get(detail_url(offering))

    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Obligations du Rucher",
        "Agrandir le rucher.",
        "Coopérative Le Rucher",
        "co-operative",
        "Rimouski, Quebec",
        "Apiculture urbaine.",
        "Camille Gagnon — founder, director",
        "$10.00",
        "4.50 %",
        "60 months",
        "annually",
        "Ruches et extracteur.",
        "Mauvaise saison.",
        "$25,000.00 raised — minimum $20,000.00, maximum $100,000.00",
        "Minimum reached",
        "20 days",
        "Sign in to invest",
    ):
        assert text in page, text
    assert 'max="10000000" value="2500000"' in page


@pytest.mark.django_db
def test_offering_page_gives_hours_when_less_than_two_days_are_left(frozen_now):
    offering = listed(frozen_now, closes_at=frozen_now + timedelta(days=1, hours=5))

    page = visitor("en").get(detail_url(offering)).content.decode()

    assert "1 day and 5 hours" in page
    assert "data-countdown" in page


@pytest.mark.django_db
def test_offering_page_renders_in_french_by_default(frozen_now):
    offering = listed(frozen_now)

    response = visitor().get(detail_url(offering))

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


@pytest.mark.django_db
def test_offering_page_offers_subscribing_to_a_signed_in_investor_only(frozen_now):
    offering = listed(frozen_now)
    subscribe_url = reverse("investors:subscribe", kwargs={"offering_id": offering.pk})
    investor = UserFactory(role=Role.INVESTOR)
    issuer = UserFactory(role=Role.ISSUER)

    as_investor = visitor(client=signed_in(investor)).get(detail_url(offering))
    as_issuer = visitor(client=signed_in(issuer)).get(detail_url(offering))

    assert f'href="{subscribe_url}"' in as_investor.content.decode()
    assert subscribe_url not in as_issuer.content.decode()
    assert "account_login" not in as_issuer.content.decode()


@pytest.mark.django_db
def test_an_ended_offering_stays_visible_without_a_subscribe_button(frozen_now):
    offering = listed(
        frozen_now,
        state=OfferingState.FAILED,
        closes_at=frozen_now - timedelta(days=2),
        closed_at=frozen_now - timedelta(days=2),
    )

    response = visitor("en").get(detail_url(offering))

    page = response.content.decode()
    assert response.status_code == 200
    assert "not taking subscriptions (state: failed)" in page
    assert "Sign in to invest" not in page


@pytest.mark.django_db
def test_offering_page_links_each_signed_offering_document_to_its_pdf():
    offering = open_offering(price_cents=1_000, minimum_cents=2_000_000, maximum_cents=10_000_000)
    client = visitor("en")

    response = client.get(detail_url(offering))

    documents = response.context["documents"]
    assert {(d["kind"], d["language"]) for d in documents} == {
        (DocumentKind.OFFERING_DOCUMENT, "fr"),
        (DocumentKind.OFFERING_DOCUMENT, "en"),
    }
    page = response.content.decode()
    for document in documents:
        url = reverse("document-download", kwargs={"document_id": document["id"]})
        assert f'href="{url}"' in page
    assert "Download offering document (Form 45-110F1), version 1, Français (PDF)" in page
    pdf = client.get(documents[0]["url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
