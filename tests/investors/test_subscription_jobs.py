"""A subscription's jobs: one message once it is committed (none for a refusal), which a
worker fans out into the purchaser's confirmation and their documents, each once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery.signals import before_task_publish

from config.celery import app as celery_app
from equity.documents.models import Document
from equity.exceptions import ComplianceViolation
from equity.investors.models import Notice
from equity.investors.services import subscription_create
from equity.investors.tasks import start_subscription_jobs
from tests.investors.scenes import open_offering, purchaser, signed_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    return open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)


@pytest.fixture
def published() -> Iterator[list[tuple[str, list]]]:
    """Publish to a broker in memory, as production publishes to Redis, instead of running
    tasks inline; yield the (task name, arguments) of every message published."""
    messages: list[tuple[str, list]] = []

    def record(sender: str, body: tuple, **_) -> None:
        messages.append((sender, list(body[0])))

    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "memory://localhost/"
    before_task_publish.connect(record)
    try:
        yield messages
    finally:
        before_task_publish.disconnect(record)
        conf.task_always_eager, conf.broker_url = saved


def _subscribe(offering, buyer, amount_cents: int):
    return subscription_create(
        offering_id=offering.pk,
        investor=buyer,
        amount_cents=amount_cents,
        acknowledgement=signed_by(buyer),
    )


def test_a_subscription_publishes_one_message_once_committed(
    offering, published, django_capture_on_commit_callbacks
):
    buyer = purchaser()
    with django_capture_on_commit_callbacks(execute=True):
        subscription = _subscribe(offering, buyer, 10_000)
        assert published == []  # not before the commit

    assert published == [("equity.investors.tasks.start_subscription_jobs", [subscription.pk])]


def test_a_refused_subscription_publishes_nothing(
    offering, published, django_capture_on_commit_callbacks
):
    buyer = purchaser()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ComplianceViolation) as refusal,
    ):
        _subscribe(offering, buyer, 260_000)

    assert refusal.value.violations[0].rule == "R09"
    assert (callbacks, published) == ([], [])


def test_the_jobs_confirm_to_the_purchaser_and_issue_the_documents_once(offering, mailoutbox):
    buyer = purchaser(language="en")
    subscription = _subscribe(offering, buyer, 10_000)  # the test's transaction never commits
    assert not Notice.objects.filter(reference=subscription.subject).exists()

    for _ in range(2):  # a repeat (acks_late) starts nothing new
        start_subscription_jobs.apply(args=[subscription.pk]).get()

        notices = Notice.objects.filter(reference=subscription.subject)
        assert [(n.recipient_id, n.kind) for n in notices] == [(buyer.pk, "subscription_received")]
        documents = Document.objects.filter(subscription=subscription)
        assert sorted(d.kind for d in documents) == [
            "risk_acknowledgement",
            "subscription_confirmation",
        ]
        assert [message.to for message in mailoutbox] == [[buyer.email]]
