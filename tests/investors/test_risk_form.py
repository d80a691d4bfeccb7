"""R15: the risk acknowledgement statements as shown, versioned, in French and English."""

from __future__ import annotations

import pytest

from equity.accounts.models import Role
from equity.investors.models import Subscription
from equity.investors.selectors import rendered_risk_form
from tests.factories import UserFactory
from tests.investors.scenes import open_offering, purchaser

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("registered", "english", "french"),
    [
        (False, "is not a registered dealer", "n’est pas un courtier inscrit"),
        (True, "is a registered dealer", "est un courtier inscrit"),
    ],
)
def test_r15_portal_status_statement_follows_the_portals_registration(
    settings, registered, english, french
):
    settings.EQUITY_PORTAL_REGISTERED_DEALER = registered
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    investor = purchaser()

    shown = {
        language: dict(
            (s["code"], s["text"])
            for s in rendered_risk_form(
                offering=offering, investor=investor, language=language
            ).statements
        )
        for language in ("en", "fr")
    }

    assert english in shown["en"]["portal_status"]
    assert french in shown["fr"]["portal_status"]
    assert settings.EQUITY_PORTAL_NAME in shown["en"]["portal_status"]
    assert "$2,500.00" in shown["en"]["purchaser_limit"]
    assert "2\u00a0500,00\u00a0$" in shown["fr"]["purchaser_limit"]
    assert "48" in shown["fr"]["withdrawal_right"]


def test_r15_the_text_shown_is_fingerprinted_per_language():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    investor = purchaser()

    english = rendered_risk_form(offering=offering, investor=investor, language="en")
    french = rendered_risk_form(offering=offering, investor=investor, language="fr-ca")

    assert english.codes == french.codes
    assert french.language == "fr"
    assert english.text_sha256 != french.text_sha256
    assert len(english.text_sha256) == 64


def test_p04_an_investor_without_a_profile_is_refused_plainly(api):
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    investor = UserFactory(role=Role.INVESTOR)

    response = api(investor).post(
        f"/api/v1/offerings/{offering.pk}/subscriptions",
        {"amount_cents": 10_000, "risk_acknowledgement": {}},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "purchaser_profile_required"
    assert not Subscription.objects.exists()
