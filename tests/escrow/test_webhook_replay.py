"""The payment processor's signature: replays refused, the contract's scheme kept (P03).

``X-Signature: sha256=<hex>`` (CONTRACT.md) signs the body only; the timestamped
``t=<unix>,v1=<hex>`` signs ``"<t>." + body`` and is refused outside the tolerance,
judged on the wall clock (not the module's clock, which these tests pin).
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from equity.escrow.models import Payment
from equity.escrow.selectors import reconcile
from equity.investors.models import Subscription
from equity.offerings.models import Offering
from equity.security import webhook_signature
from tests.escrow.conftest import notification
from tests.investors.scenes import open_offering, purchaser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def offering() -> Offering:
    return open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)


@pytest.fixture
def pending(subscribe, offering) -> Subscription:
    return subscribe(purchaser(full_name="Léa Tremblay"), offering, 50_000)


def signed_at(raw: bytes, seconds_ago: float) -> str:
    return webhook_signature(
        settings.PAYMENT_WEBHOOK_SECRET, raw, timestamp=int(time.time() - seconds_ago)
    )


def test_a_fresh_timestamped_signature_is_accepted(notify, pending):
    raw = notification("evt_fresh", pending.pk, pending.amount_cents)

    response = notify(raw, signed=signed_at(raw, seconds_ago=5))

    assert response.status_code == 200, response.json()
    assert Subscription.objects.get(pk=pending.pk).state == "funded"


@pytest.mark.parametrize("seconds_ago", [301, 86_400, -301])
def test_a_replay_outside_the_tolerance_is_refused_and_changes_nothing(
    notify, pending, money, seconds_ago
):
    raw = notification("evt_replayed", pending.pk, pending.amount_cents)
    before = money()

    response = notify(raw, signed=signed_at(raw, seconds_ago=seconds_ago))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert money() == before


def test_a_timestamped_signature_of_another_body_is_refused(notify, pending, money):
    genuine = notification("evt_1", pending.pk, pending.amount_cents)
    forged = notification("evt_1", pending.pk, 1)
    header = signed_at(genuine, seconds_ago=0)
    before = money()

    response = notify(forged, signed=header)

    assert response.status_code == 401
    assert money() == before


def test_a_timestamp_changed_after_signing_is_refused(notify, pending, money):
    raw = notification("evt_1", pending.pk, pending.amount_cents)
    digest = signed_at(raw, seconds_ago=400).split("v1=")[1]
    before = money()

    response = notify(raw, signed=f"t={int(time.time())},v1={digest}")

    assert response.status_code == 401
    assert money() == before


@pytest.mark.parametrize("header", ["t=,v1=00", "t=abc,v1=00", "v1=00", "t=1", "garbage"])
def test_a_malformed_timestamped_signature_is_refused(notify, pending, header):
    raw = notification("evt_1", pending.pk, pending.amount_cents)

    assert notify(raw, signed=header).status_code == 401
    assert not Payment.objects.exists()


def test_the_contracts_body_only_signature_is_accepted_when_not_required(notify, pending):
    assert not getattr(settings, "PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP", False)
    raw = notification("evt_plain", pending.pk, pending.amount_cents)

    response = notify(raw)  # sha256=<hex of the body>

    assert response.status_code == 200
    assert Subscription.objects.get(pk=pending.pk).state == "funded"


def test_the_body_only_signature_is_refused_when_a_timestamp_is_required(
    notify, pending, money, settings
):
    settings.PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP = True
    raw = notification("evt_plain", pending.pk, pending.amount_cents)
    before = money()

    refused = notify(raw)
    accepted = notify(raw, signed=signed_at(raw, seconds_ago=1))

    assert refused.status_code == 401
    assert "timestamp" in refused.json()["detail"]
    assert accepted.status_code == 200
    assert money() != before


def test_a_replay_within_the_tolerance_is_a_no_op_by_event_id(notify, pending):
    raw = notification("evt_twice", pending.pk, pending.amount_cents)
    header = signed_at(raw, seconds_ago=1)

    first, second = notify(raw, signed=header), notify(raw, signed=header)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert Payment.objects.filter(event_id="evt_twice").count() == 1
    assert reconcile() == []
