"""Every background job is idempotent: run twice, or twice at once, it has one effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from equity import clock
from equity.accounts.models import User
from equity.compliance.tasks import nightly_integrity_check, run_due_jobs
from equity.escrow.models import Disbursement, LedgerTransaction
from equity.escrow.services import payment_record
from equity.escrow.tasks import settle_offering
from equity.investors.models import Notice
from equity.investors.services import subscription_create
from equity.investors.tasks import notify_subscription_received
from equity.offerings.models import Offering, OfferingState
from tests.factories import UserFactory
from tests.investors.scenes import open_offering, purchaser, signed_by
from tests.support.concurrency import run_concurrently
from tests.support.tamper import tamper


def _funded_campaign() -> Offering:
    offering = open_offering(
        price_cents=1_000, minimum_cents=20_000, maximum_cents=100_000, distribution_days=3
    )
    for amount in (15_000, 12_000):
        buyer = purchaser()
        subscription = subscription_create(
            offering_id=offering.pk,
            investor=buyer,
            amount_cents=amount,
            acknowledgement=signed_by(buyer),
        )
        payment_record(
            event_id=f"evt-{subscription.pk}",
            subscription_reference=str(subscription.pk),
            amount_cents=amount,
            status="succeeded",
            source="processor",
        )
    return offering


def _effects(offering: Offering) -> tuple:
    offering.refresh_from_db()
    return (
        offering.state,
        LedgerTransaction.objects.filter(offering=offering).count(),
        Disbursement.objects.filter(offering=offering).count(),
        Notice.objects.count(),
        len(mail.outbox),
    )


@pytest.mark.django_db
def test_r13_run_due_jobs_twice_closes_settles_and_notifies_once(frozen_now):
    offering = _funded_campaign()
    clock.advance(timedelta(days=3, hours=1))

    first = run_due_jobs.apply().get()
    after_first = _effects(offering)
    second = run_due_jobs.apply().get()

    assert first["closed"] == 1 and first["closing_results"] == 2
    assert second["closed"] == 0 and second["closing_results"] == 0
    assert after_first[0] == OfferingState.CLOSED
    assert _effects(offering) == after_first


@pytest.mark.django_db(transaction=True)
def test_r13_run_due_jobs_twice_at_once_has_one_effect():
    with clock.travel_to(clock.now()):
        offering = _funded_campaign()
        clock.advance(timedelta(days=3, hours=1))

        # .result, not .get(): Celery refuses .get() while another thread runs a task.
        outcomes = run_concurrently([lambda: run_due_jobs.apply().result] * 2)

        assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
        assert sum(outcome["closed"] for outcome in outcomes) == 1
        state, _, disbursements, _, _ = _effects(offering)
        assert state == OfferingState.CLOSED
        assert disbursements == 1
        assert LedgerTransaction.objects.filter(offering=offering, kind="acceptance").count() == 1
        assert Notice.objects.filter(kind="closing_result").count() == 2


@pytest.mark.django_db
def test_r13_settle_offering_twice_settles_once(frozen_now):
    offering = _funded_campaign()
    Offering.objects.filter(pk=offering.pk).update(state=OfferingState.CLOSING)
    clock.advance(timedelta(days=3))

    assert settle_offering.apply(args=[offering.pk]).get() == OfferingState.CLOSED
    once = _effects(offering)
    assert settle_offering.apply(args=[offering.pk]).get() == OfferingState.CLOSED

    assert _effects(offering) == once


@pytest.mark.django_db
def test_r14_subscription_received_notice_goes_out_once_in_the_purchasers_language(frozen_now):
    offering = open_offering(price_cents=1_000, minimum_cents=20_000, maximum_cents=100_000)
    buyer = purchaser(language="en")
    subscription = subscription_create(
        offering_id=offering.pk,
        investor=buyer,
        amount_cents=10_000,
        acknowledgement=signed_by(buyer),
    )

    assert notify_subscription_received.apply(args=[subscription.pk]).get() == 1
    assert notify_subscription_received.apply(args=[subscription.pk]).get() == 0

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [buyer.email]
    assert "was received" in mail.outbox[0].subject
    assert "$100.00" in mail.outbox[0].body


@pytest.mark.django_db
def test_p02_nightly_check_alerts_officers_once_when_the_chain_breaks(frozen_now):
    officers = UserFactory.create_batch(2, role="compliance_officer")
    _funded_campaign()
    assert nightly_integrity_check.apply().get() == {"audit_ok": True, "ledger_differences": 0}
    assert mail.outbox == []

    tamper("UPDATE compliance_auditevent SET actor = %s WHERE seq = 2", ["user:0"])
    nightly_integrity_check.apply().get()
    nightly_integrity_check.apply().get()

    every_officer = User.objects.filter(role="compliance_officer").values_list("email", flat=True)
    assert len(officers) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(every_officer)
    assert all("audit" in m.subject.casefold() for m in mail.outbox)


@pytest.mark.django_db
def test_r14_withdrawal_reminder_goes_out_once_before_the_window_ends(frozen_now):
    offering = open_offering(price_cents=1_000, minimum_cents=20_000, maximum_cents=100_000)
    buyer = purchaser()
    subscription_create(
        offering_id=offering.pk,
        investor=buyer,
        amount_cents=10_000,
        acknowledgement=signed_by(buyer),
    )

    run_due_jobs.apply().get()
    assert not Notice.objects.filter(kind="withdrawal_reminder").exists()
    clock.advance(timedelta(hours=40))
    run_due_jobs.apply().get()
    run_due_jobs.apply().get()

    assert Notice.objects.filter(kind="withdrawal_reminder", recipient=buyer).count() == 1
