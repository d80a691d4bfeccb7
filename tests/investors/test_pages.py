"""The purchaser's pages: subscribing (R09, R11, R15, P03), paying, withdrawing (R14), R19.

A purchaser here is the folder's ``investor`` (Léa Tremblay, with a profile) who
acknowledged the portal's status; the clock is pinned by ``frozen_now``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from equity import clock
from equity.accounts import services as accounts
from equity.documents.models import DocumentKind
from equity.escrow.statements import SUBSCRIPTION_REFERENCE
from equity.investors.forms import parse_dollars
from equity.investors.models import RiskAcknowledgement, Subscription
from equity.investors.selectors import current_risk_form
from equity.offerings.models import Offering, OfferingState
from tests.support.web import signed_in

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Start each test with no subscription counted against the web rate limit."""
    cache.clear()


DASHBOARD = reverse("investors:dashboard")


def purchaser(user, language: str | None = None) -> Client:
    """Return ``user`` signed in, having acknowledged the portal's status (R19).

    The pages are in the account's language unless ``language`` is given, as
    the language switch's cookie (which wins over the account's).
    """
    for shown in ("fr", "en"):
        accounts.portal_status_acknowledge(
            user=user, language=shown, ip_address="203.0.113.9", user_agent="pytest"
        )
    client = signed_in(user)
    if language is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def subscribe_url(offering: Offering) -> str:
    return reverse("investors:subscribe", kwargs={"offering_id": offering.pk})


def payment_url(subscription: Subscription) -> str:
    return reverse("investors:payment", kwargs={"subscription_id": subscription.pk})


def withdraw_url(subscription: Subscription) -> str:
    return reverse("investors:withdraw", kwargs={"subscription_id": subscription.pk})


def filled_form(client: Client, offering: Offering, amount: str, **changes: Any) -> dict[str, Any]:
    """Return the subscription form as shown to ``client``, filled in: every statement ticked."""
    page = client.get(subscribe_url(offering)).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    version = re.search(r'name="form_version" value="([^"]+)"', page)[1]
    user = client.get(DASHBOARD).wsgi_request.user
    data = {
        "amount": amount,
        "form_version": version,
        "idempotency_key": key,
        "full_name": user.full_name,
        **{f"statement_{code}": "on" for code in statement_codes()},
    }
    data.update(changes)
    return data


def statement_codes() -> list[str]:
    return [statement["code"] for statement in current_risk_form().statements]


def errors(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- R19 -------------------------------------------------------------------------------------


def test_r19_purchaser_pages_send_to_the_portal_status_until_acknowledged(investor, open_offering):
    client = signed_in(investor)

    for url in (DASHBOARD, subscribe_url(open_offering)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('portal-status')}?next={url}"


def test_purchaser_pages_are_for_investors_only(issuer_user, open_offering):
    client = purchaser(issuer_user)

    assert client.get(DASHBOARD).status_code == 403
    assert client.get(subscribe_url(open_offering)).status_code == 403
    assert Client().get(DASHBOARD)["Location"].startswith(reverse("account_login"))


# --- the subscription page -------------------------------------------------------------------


def test_r09_subscription_page_shows_remaining_limit_and_price(investor, open_offering, subscribed):
    subscribed(investor, open_offering, 100_000)
    limit = open_offering.rulebook.terms.purchaser_limit_cents
    assert limit == 250_000

    response = purchaser(investor, "en").get(subscribe_url(open_offering))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in page
    assert response.context["terms"].headroom.remaining_cents == limit - 100_000
    assert '<dd id="remaining-limit">$1,500.00</dd>' in page
    assert "$2,500.00" in page and "$10.00" in page


def test_r15_subscription_page_shows_each_statement_with_its_own_required_checkbox(
    investor, open_offering
):
    response = purchaser(investor).get(subscribe_url(open_offering))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    for statement in response.context["terms"].risk_form.statements:
        assert (
            f'type="checkbox" name="statement_{statement["code"]}" required '
            f'id="id_statement_{statement["code"]}"'
        ) in page
        assert statement["text"] in page
    assert len(statement_codes()) == page.count('class="statement"')
    assert 'name="full_name"' in page


def test_subscription_page_sends_back_when_the_offering_is_not_taking_subscriptions(
    investor, offering_in
):
    offering = offering_in(OfferingState.SUSPENDED)

    response = purchaser(investor, "en").get(subscribe_url(offering))

    assert response.status_code == 302
    assert response["Location"] == reverse("offerings:detail", kwargs={"offering_id": offering.pk})
    assert errors(response) == ["This offering is not taking subscriptions."]


def test_subscribing_records_the_subscription_and_the_signed_acknowledgement(
    investor, open_offering, frozen_now
):
    client = purchaser(investor)
    data = filled_form(client, open_offering, "1 500,00")

    response = client.post(subscribe_url(open_offering), data, HTTP_USER_AGENT="Firefox/140")

    subscription = Subscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == payment_url(subscription)
    assert (subscription.investor, subscription.amount_cents, subscription.quantity) == (
        investor,
        150_000,
        150,
    )
    assert subscription.state == "pending_payment"
    assert subscription.withdrawal_deadline == frozen_now + timedelta(hours=48)
    acknowledgement = RiskAcknowledgement.objects.get(subscription=subscription)
    assert acknowledgement.statements == statement_codes()
    assert acknowledgement.full_name == "Léa Tremblay"
    assert acknowledgement.ip_address == "127.0.0.1"
    assert acknowledgement.user_agent == "Firefox/140"
    assert acknowledgement.language == "fr"
    assert acknowledgement.form.version == data["form_version"]
    open_offering.refresh_from_db()
    assert open_offering.raised_cents == 150_000


def test_p03_the_same_form_sent_twice_subscribes_once(investor, open_offering):
    client = purchaser(investor)
    data = filled_form(client, open_offering, "2500")

    first = client.post(subscribe_url(open_offering), data)
    second = client.post(subscribe_url(open_offering), data)

    subscription = Subscription.objects.get()
    assert first["Location"] == second["Location"] == payment_url(subscription)
    assert RiskAcknowledgement.objects.count() == 1
    open_offering.refresh_from_db()
    assert open_offering.raised_cents == 250_000


def test_p03_the_same_form_sent_again_with_another_amount_subscribes_nothing_more(
    investor, open_offering
):
    client = purchaser(investor, "en")
    data = filled_form(client, open_offering, "1000")
    client.post(subscribe_url(open_offering), data)

    response = client.post(subscribe_url(open_offering), {**data, "amount": "2000"})

    assert response.status_code == 409
    assert Subscription.objects.get().amount_cents == 100_000
    assert errors(response)[-1] == (
        "This form was already sent for another subscription. Check it and send it again."
    )
    assert response.context["form"]["idempotency_key"].value() != data["idempotency_key"]


def test_subscriptions_through_the_pages_are_rate_limited_per_purchaser(
    investor, open_offering, settings, everything
):
    settings.EQUITY_RATE_SUBSCRIBE = "1/h/user"
    client = purchaser(investor, "en")
    client.post(subscribe_url(open_offering), filled_form(client, open_offering, "1000"))
    data = filled_form(client, open_offering, "1000")
    before = everything()

    response = client.post(subscribe_url(open_offering), data)

    assert response.status_code == 429
    assert everything() == before


def test_r09_refuses_an_amount_past_the_purchasers_limit_and_changes_nothing(
    investor, open_offering, everything
):
    client = purchaser(investor, "en")
    limit = open_offering.rulebook.terms.purchaser_limit_cents
    data = filled_form(client, open_offering, str((limit + 1_000) // 100))
    before = everything()

    response = client.post(subscribe_url(open_offering), data)

    assert response.status_code == 422
    assert everything() == before
    [message] = errors(response)
    assert message.startswith("R09 — ")
    assert "$2,500.00" in response.content.decode()


def test_r15_refuses_a_missing_statement_and_changes_nothing(investor, open_offering, everything):
    client = purchaser(investor, "en")
    data = filled_form(client, open_offering, "1000")
    del data["statement_loss_of_investment"]
    before = everything()

    response = client.post(subscribe_url(open_offering), data)

    assert response.status_code == 400
    assert everything() == before
    page = response.content.decode()
    assert 'id="id_statement_loss_of_investment_errors"' in page
    assert "R15 — Acknowledge this statement to subscribe." in page


def test_r15_refuses_a_name_other_than_the_purchasers_and_changes_nothing(
    investor, open_offering, everything
):
    client = purchaser(investor, "en")
    data = filled_form(client, open_offering, "1000", full_name="Quelqu'un d'autre")
    before = everything()

    response = client.post(subscribe_url(open_offering), data)

    assert response.status_code == 422
    assert everything() == before
    assert [message[:6] for message in errors(response)] == ["R15 — "]


def test_refuses_an_amount_that_is_not_whole_securities_and_changes_nothing(
    investor, open_offering, everything
):
    client = purchaser(investor, "en")
    data = filled_form(client, open_offering, "15,50")
    before = everything()

    response = client.post(subscribe_url(open_offering), data)

    assert response.status_code == 422
    assert everything() == before
    [message] = errors(response)
    assert "$10.00" in message


def test_r11_refuses_an_amount_past_the_offerings_maximum_and_changes_nothing(
    investor, make_purchaser, offering_in, subscribed, everything
):
    offering = offering_in(
        OfferingState.OPEN, minimum_amount_cents=100_000, maximum_amount_cents=300_000
    )
    subscribed(make_purchaser(), offering, 250_000)
    client = purchaser(investor, "en")
    data = filled_form(client, offering, "1000")
    before = everything()

    response = client.post(subscribe_url(offering), data)

    assert response.status_code == 422
    assert everything() == before
    assert [message[:6] for message in errors(response)] == ["R11 — "]


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("2500", 250_000),
        ("2 500,50", 250_050),
        ("2500.50", 250_050),
        ("2,500.50", 250_050),
        ("2\u00a0500,5", 250_050),
        ("0,99", 99),
    ],
)
def test_p01_amount_in_dollars_becomes_exact_cents(typed, cents):
    assert parse_dollars(typed) == cents


@pytest.mark.parametrize("typed", ["abc", "2500.505", "-5", "2,5000", "1e3"])
def test_p01_refuses_what_is_not_an_amount_in_dollars(typed):
    with pytest.raises(ValueError):
        parse_dollars(typed)


def test_an_amount_that_is_not_a_number_is_shown_beside_its_field(
    investor, open_offering, everything
):
    client = purchaser(investor, "en")
    data = filled_form(client, open_offering, "beaucoup")
    before = everything()

    response = client.post(subscribe_url(open_offering), data)

    assert response.status_code == 400
    assert everything() == before
    assert 'id="id_amount_errors"' in response.content.decode()


# --- payment instructions ----------------------------------------------------------------------


def test_payment_page_gives_the_amount_and_the_reference_the_statement_import_matches(
    investor, open_offering, subscribed
):
    subscription = subscribed(investor, open_offering, 120_000)

    response = purchaser(investor, "en").get(payment_url(subscription))

    page = response.content.decode()
    assert response.status_code == 200
    reference = response.context["reference"]
    assert SUBSCRIPTION_REFERENCE.search(reference)[1] == str(subscription.pk)
    assert f'<span class="reference" id="payment-reference">{reference}</span>' in page
    assert '<dd id="amount-to-pay">$1,200.00</dd>' in page
    assert "held in trust by the portal until the offering closes" in page
    assert "returned to you in full if the offering does not reach its minimum" in page
    assert "details (bank, transit and account number) are given to you by the portal" in page
    assert ">2 days</time>" in page


def test_payment_page_renders_in_french_by_default(investor, open_offering, subscribed):
    subscription = subscribed(investor, open_offering, 120_000)

    response = purchaser(investor).get(payment_url(subscription))

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_payment_page_shows_the_trust_account_from_the_setting(
    investor, open_offering, subscribed, settings
):
    settings.EQUITY_TRUST_ACCOUNT = {
        "holder": "La Ruche Investissement en fidéicommis",
        "bank": "Caisse Desjardins",
        "institution": "815",
        "transit": "20202",
        "account": "1234567",
    }
    subscription = subscribed(investor, open_offering, 120_000)

    page = purchaser(investor, "en").get(payment_url(subscription)).content.decode()

    for value in settings.EQUITY_TRUST_ACCOUNT.values():
        assert value in page


def test_another_investor_cannot_see_the_payment_page(
    investor, other_investor, open_offering, subscribed
):
    subscription = subscribed(investor, open_offering, 120_000)

    response = purchaser(other_investor).get(payment_url(subscription))

    assert response.status_code == 404


# --- dashboard and withdrawal (R14) -----------------------------------------------------------


def test_dashboard_lists_subscriptions_with_the_time_left_to_withdraw(
    investor, open_offering, subscribed
):
    subscription = subscribed(investor, open_offering, 120_000)
    clock.advance(timedelta(hours=1, minutes=30))

    response = purchaser(investor, "en").get(DASHBOARD)

    page = response.content.decode()
    assert response.status_code == 200
    assert open_offering.title in page
    assert "$1,200.00" in page
    assert "pending payment" in page
    assert "1 day and 22 hours" in page
    assert f'action="{withdraw_url(subscription)}"' in page
    assert f'href="{payment_url(subscription)}"' in page


def test_dashboard_renders_in_french_by_default(investor):
    response = purchaser(investor).get(DASHBOARD)

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_dashboard_links_the_purchasers_own_signed_documents(
    investor, other_investor, open_offering, subscribed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscribed(investor, open_offering, 120_000)
        subscribed(other_investor, open_offering, 100_000)

    response = purchaser(investor, "en").get(DASHBOARD)

    documents = list(response.context["documents"])
    assert {document.kind for document in documents} == {
        DocumentKind.RISK_ACKNOWLEDGEMENT,
        DocumentKind.SUBSCRIPTION_CONFIRMATION,
    }
    assert {document.subscription.investor for document in documents} == {investor}
    page = response.content.decode()
    for document in documents:
        url = reverse("document-download", kwargs={"document_id": document.pk})
        assert f'href="{url}"' in page


def test_r14_withdrawing_within_the_window_withdraws(investor, open_offering, subscribed):
    subscription = subscribed(investor, open_offering, 120_000)
    clock.advance(timedelta(hours=47))

    response = purchaser(investor, "en").post(withdraw_url(subscription))

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    subscription.refresh_from_db()
    assert subscription.state == "withdrawn"
    open_offering.refresh_from_db()
    assert open_offering.raised_cents == 0
    assert "is withdrawn" in errors(response)[0]


def test_r14_withdrawing_after_the_window_is_refused_and_changes_nothing(
    investor, open_offering, subscribed, everything
):
    subscription = subscribed(investor, open_offering, 120_000)
    clock.advance(timedelta(hours=48, seconds=1))
    client = purchaser(investor, "en")
    before = everything()

    response = client.post(withdraw_url(subscription))

    assert response.status_code == 302
    assert everything() == before
    [message] = errors(response)
    assert message.startswith("R14 — ")
    page = client.get(DASHBOARD).content.decode()
    assert f'action="{withdraw_url(subscription)}"' not in page


def test_withdrawing_someone_elses_subscription_is_404_and_changes_nothing(
    investor, other_investor, open_offering, subscribed, everything
):
    subscription = subscribed(investor, open_offering, 120_000)
    client = purchaser(other_investor)
    before = everything()

    response = client.post(withdraw_url(subscription))

    assert response.status_code == 404
    assert everything() == before


def test_withdrawing_takes_a_post(investor, open_offering, subscribed):
    subscription = subscribed(investor, open_offering, 120_000)

    response = purchaser(investor).get(withdraw_url(subscription))

    assert response.status_code == 405
    subscription.refresh_from_db()
    assert subscription.state == "pending_payment"
