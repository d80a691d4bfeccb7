"""R20: records within the retention period cannot be deleted through any interface.

The back office shows retained records but offers neither change nor deletion; the
API has no DELETE route (tests/test_authorization_matrix.py); the ORM refuses any
deletion, cascades included (equity.security); PostgreSQL refuses it too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from equity import clock
from equity.compliance.models import AuditEvent, Rulebook
from equity.documents.models import Document
from equity.investors.models import Subscription
from equity.offerings.models import Offering
from equity.security import RETAINED_SINCE, RecordRetained, retained_until, retention_years
from tests.factories import OfferingFactory, UserFactory
from tests.investors.scenes import open_offering, purchaser, signed_by

pytestmark = pytest.mark.django_db

IMMUTABLE = {
    "compliance.AuditEvent",
    "escrow.LedgerTransaction",
    "escrow.Payment",
    "escrow.Disbursement",
    "documents.Document",
    "investors.RiskAcknowledgement",
    "investors.Subscription",
    "accounts.PortalStatusAcknowledgement",
    "offerings.Offering",
    "offerings.Issuer",
}
"""Records the back office must show read-only (changed only through services)."""


def label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


@pytest.fixture
def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    return request


def test_every_retained_model_exists_and_names_a_real_timestamp():
    for name, field in RETAINED_SINCE.items():
        model = apps.get_model(name)
        if field is not None:
            assert model._meta.get_field(field).get_internal_type() == "DateTimeField", name


def test_the_retention_period_is_rulebook_data_not_a_literal():
    assert retention_years() == max(
        rulebook.parameters["retention_years"] for rulebook in Rulebook.objects.all()
    )
    assert retention_years() == 8  # RULES.md R20, status "not confirmed"


def test_the_back_office_deletes_no_retained_record(superuser_request):
    registered = {label(model): model_admin for model, model_admin in admin.site._registry.items()}
    retained = set(RETAINED_SINCE) & set(registered)

    assert retained >= IMMUTABLE
    for name in retained:
        assert not registered[name].has_delete_permission(superuser_request), name
    for name in IMMUTABLE:  # a rulebook, say, may be superseded by a new version
        assert not registered[name].has_add_permission(superuser_request), name
        assert not registered[name].has_change_permission(superuser_request), name


def test_the_back_office_shows_a_subscription_but_offers_no_change(client, superuser_request):
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    subscription = _subscribe(offering)
    superuser = superuser_request.user
    superuser.set_password("correct-horse-battery")
    superuser.save()
    client.force_login(superuser)

    page = client.get(f"/admin/investors/subscription/{subscription.pk}/change/")
    deletion = client.post(f"/admin/investors/subscription/{subscription.pk}/delete/", {"post": 1})

    assert page.status_code in {200, 302}  # 302: the second factor the officer must give
    assert deletion.status_code in {403, 302}
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def _subscribe(offering: Offering) -> Subscription:
    from equity.investors.services import subscription_create

    investor = purchaser(full_name="Léa Tremblay")
    return subscription_create(
        offering_id=offering.pk,
        investor=investor,
        amount_cents=50_000,
        acknowledgement=signed_by(investor),
    )


def _refused(delete) -> None:
    """Run ``delete`` and require a refusal that left the database usable."""
    with pytest.raises((RecordRetained, ProtectedError, DatabaseError)), transaction.atomic():
        delete()


def test_the_orm_refuses_to_delete_an_offering_its_subscription_or_its_document():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    subscription = _subscribe(offering)
    document = Document.objects.filter(offering=offering).first()
    assert document is not None

    _refused(lambda: Subscription.objects.get(pk=subscription.pk).delete())
    _refused(lambda: Subscription.objects.filter(pk=subscription.pk).delete())
    _refused(lambda: Document.objects.get(pk=document.pk).delete())
    _refused(lambda: Offering.objects.get(pk=offering.pk).delete())

    assert Subscription.objects.filter(pk=subscription.pk).exists()
    assert Document.objects.filter(pk=document.pk).exists()
    assert Offering.objects.filter(pk=offering.pk).exists()


def test_the_orm_refuses_to_delete_even_a_bare_draft_offering():
    draft = OfferingFactory(created_at=clock.now())

    with pytest.raises(RecordRetained) as refusal, transaction.atomic():
        draft.delete()

    assert refusal.value.rule == "R20"
    assert Offering.objects.filter(pk=draft.pk).exists()


def test_the_orm_refuses_to_delete_an_audit_event():
    open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    event = AuditEvent.objects.order_by("seq").first()

    _refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_record_past_the_retention_period_may_be_deleted_through_the_orm():
    created = datetime(2010, 2, 28, 12, 0, tzinfo=UTC)
    draft = OfferingFactory(created_at=created)
    expiry = retained_until(created, retention_years())

    with (
        clock.travel_to(expiry - timedelta(seconds=1)),
        pytest.raises(RecordRetained),
        transaction.atomic(),
    ):
        draft.delete()
    if connection.vendor == "postgresql":
        with clock.travel_to(expiry), pytest.raises(DatabaseError), transaction.atomic():
            draft.delete()  # the database keeps it until an operator purges it
    else:
        with clock.travel_to(expiry):
            draft.delete()
        assert not Offering.objects.filter(pk=draft.pk).exists()


def test_the_retention_period_ends_on_the_same_day_years_later():
    assert retained_until(datetime(2024, 2, 29, tzinfo=UTC), 8) == datetime(2032, 2, 29, tzinfo=UTC)
    assert retained_until(datetime(2024, 2, 29, tzinfo=UTC), 7) == datetime(2031, 2, 28, tzinfo=UTC)


def test_postgresql_refuses_a_raw_delete_and_sqlite_leaves_it_to_the_orm_guard():
    draft = OfferingFactory(created_at=clock.now())
    if connection.vendor != "postgresql":
        # SQLite keeps DELETE for the suite's flush (migration escrow 0003); the ORM
        # guard above is the protection there.
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {name for (name,) in cursor.fetchall()}
        assert "offerings_offering_retained" not in triggers
        return

    with (
        pytest.raises(DatabaseError, match="R20"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM offerings_offering WHERE id = %s", [draft.pk])

    assert Offering.objects.filter(pk=draft.pk).exists()
