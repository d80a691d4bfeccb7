"""The locked section's audit event: on PostgreSQL the database hashes it in the statement
that writes the subscription; on both databases it hashes as ``event_hash`` does, verifies,
and never goes back in time along the chain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from equity import clock
from equity.compliance.audit import audit_append, event_hash, verify_chain
from equity.compliance.models import AuditEvent, AuditHead
from equity.compliance.rules import Violation
from equity.exceptions import ComplianceViolation
from equity.investors.models import Subscription
from equity.investors.services import locked_section, subscription_create
from equity.offerings.models import Offering
from tests.investors.scenes import open_offering, purchaser, signed_by

pytestmark = pytest.mark.django_db


def _subscribe(offering: Offering, amount_cents: int = 10_000, buyer=None) -> Subscription:
    buyer = buyer or purchaser(full_name="Éloïse « Zoé » O'Brien-Tremblay")
    return subscription_create(
        offering_id=offering.pk,
        investor=buyer,
        amount_cents=amount_cents,
        acknowledgement=signed_by(buyer),
    )


def test_the_subscription_event_hashes_as_event_hash_does_and_the_chain_verifies():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)

    subscriptions = [_subscribe(offering) for _ in range(3)]

    events = list(AuditEvent.objects.filter(action="subscription.created").order_by("seq"))
    assert [event.subject for event in events] == [s.subject for s in subscriptions]
    for event in events:
        assert event.hash == event_hash(
            event.prev_hash,
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            subject=event.subject,
            data_json=event.data_json,
        )
        assert event.data["amount_cents"] == 10_000
    head = AuditHead.objects.get(pk=1)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head.seq, head.hash, head.at) == (last.seq, last.hash, last.at)
    assert verify_chain().ok


def test_an_event_is_never_earlier_than_the_one_before_it():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    later = clock.now() + timedelta(hours=1)
    with clock.travel_to(later):
        audit_append(actor="system", action="test.later", subject="test:1")

    subscription = _subscribe(offering)  # the clock reads an hour before that event
    audit_append(actor="system", action="test.after", subject="test:2")

    times = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)
    created = AuditEvent.objects.get(subject=subscription.subject)
    assert created.at == later
    assert subscription.created_at < later
    assert verify_chain().ok


def test_a_refusal_under_the_lock_writes_nothing_and_the_next_event_follows_the_head():
    offering = open_offering(price_cents=1_000, minimum_cents=10_000, maximum_cents=20_000)
    buyer = purchaser()
    _subscribe(offering, amount_cents=15_000, buyer=buyer)
    before = (
        Subscription.objects.count(),
        AuditEvent.objects.count(),
        AuditHead.objects.values_list("seq", "hash").get(pk=1),
        Offering.objects.get(pk=offering.pk).raised_cents,
    )

    with pytest.raises(ComplianceViolation) as refused:
        _subscribe(offering, amount_cents=10_000)  # R11: $50 left

    assert [v.code for v in refused.value.violations] == ["offering_maximum_reached"]
    assert refused.value.violations[0].params == {"remaining_cents": 5_000}
    after = (
        Subscription.objects.count(),
        AuditEvent.objects.count(),
        AuditHead.objects.values_list("seq", "hash").get(pk=1),
        Offering.objects.get(pk=offering.pk).raised_cents,
    )
    assert after == before
    _subscribe(offering, amount_cents=5_000)
    assert Offering.objects.get(pk=offering.pk).raised_cents == 20_000
    assert verify_chain().ok


def test_were_the_statement_and_the_rules_to_disagree_the_subscription_raises(monkeypatch):
    """On PostgreSQL the statement decides with the lock held and the rules' functions
    explain afterwards: a disagreement must never pass for an answer. On SQLite the rules'
    functions decide alone, so the same rule refuses, with nothing written."""
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    refusing = [Violation("R11", "offering_maximum_reached", {"remaining_cents": 0})]
    monkeypatch.setattr(locked_section, "_against_live_totals", lambda **_: refusing)

    if connection.vendor == "postgresql":
        with pytest.raises(RuntimeError, match="disagree"):
            _subscribe(offering)
        return
    with pytest.raises(ComplianceViolation) as refused:
        _subscribe(offering)
    assert refused.value.violations == refusing
    assert not Subscription.objects.filter(offering=offering).exists()
