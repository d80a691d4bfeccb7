"""Rulebooks as data: shipped, versioned by effective date, immutable once used."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from equity.accounts.models import User
from equity.compliance.audit import verify_chain
from equity.compliance.models import AuditEvent, Rulebook
from equity.compliance.selectors import rulebook_in_force
from equity.compliance.services import rulebook_add_version, rulebook_update
from equity.compliance.shipped import shipped_rulebooks
from equity.exceptions import ComplianceViolation, InvalidInput, RulebookInUse
from equity.offerings.services import offering_submit
from tests.factories import OfferingFactory
from tests.support.web import signed_in

pytestmark = pytest.mark.django_db


def _shipped(code: str) -> dict:
    return next(entry for entry in shipped_rulebooks() if entry["code"] == code)


@pytest.fixture
def admin_officer() -> User:
    call_command(
        "create_compliance_officer",
        email="regles@portail.example",
        password="a-long-enough-passphrase",
    )
    return User.objects.get(email="regles@portail.example")


@pytest.fixture
def admin_client(admin_officer) -> Client:
    return signed_in(admin_officer)


def test_both_rulebooks_ship_as_data_with_the_values_of_rules_md():
    ni = rulebook_in_force(code="ni45-110", as_of=date(2026, 11, 23)).terms
    legacy = rulebook_in_force(code="startup-2015", as_of=date(2019, 6, 1)).terms

    assert (ni.issuer_cap_cents, ni.cap_window_months) == (150_000_000, 12)
    assert (ni.purchaser_limit_cents, ni.purchaser_limit_with_advice_cents) == (250_000, 1_000_000)
    assert (ni.max_distribution_days, ni.withdrawal_hours) == (90, 48)
    assert (legacy.issuer_cap_cents, legacy.cap_basis) == (25_000_000, "per_distribution")
    assert (legacy.max_distributions_per_calendar_year, legacy.purchaser_limit_cents) == (
        2,
        150_000,
    )
    assert (
        Rulebook.objects.get(code="ni45-110", version=1).parameters
        == _shipped("ni45-110")["parameters"]
    )


def test_a_superseded_rulebook_is_not_in_force_after_its_end():
    with pytest.raises(ComplianceViolation) as refusal:
        rulebook_in_force(code="startup-2015", as_of=date(2021, 9, 21))

    assert refusal.value.code == "rulebook_not_in_force"
    assert rulebook_in_force(code="startup-2015", as_of=date(2021, 9, 20)).version == 1


def test_nothing_is_in_force_before_the_effective_date():
    with pytest.raises(ComplianceViolation):
        rulebook_in_force(code="ni45-110", as_of=date(2021, 9, 20))


def test_a_correction_is_a_new_version_in_force_from_its_date(officer):
    parameters = {**_shipped("ni45-110")["parameters"], "issuer_cap_cents": 120_000_000}

    corrected = rulebook_add_version(
        code="ni45-110",
        effective_from=date(2027, 1, 1),
        parameters=parameters,
        title_en="NI 45-110 (corrected)",
        title_fr="Règlement 45-110 (corrigé)",
        created_by=officer,
    )

    assert corrected.version == 2
    assert rulebook_in_force(code="ni45-110", as_of=date(2026, 12, 31)).version == 1
    assert rulebook_in_force(code="ni45-110", as_of=date(2027, 1, 1)).version == 2
    event = AuditEvent.objects.get(action="rulebook.version_added")
    assert event.data["parameters"]["issuer_cap_cents"] == 120_000_000
    assert event.actor == f"user:{officer.pk}"


def test_a_version_with_malformed_parameters_is_refused_and_nothing_changes(officer):
    parameters = {**_shipped("ni45-110")["parameters"], "issuer_cap_cents": 1_500_000.0}

    with pytest.raises(InvalidInput):
        rulebook_add_version(
            code="ni45-110",
            effective_from=date(2027, 1, 1),
            parameters=parameters,
            title_en="x",
            title_fr="x",
            created_by=officer,
        )

    assert Rulebook.objects.filter(code="ni45-110").count() == 1
    assert not AuditEvent.objects.exists()


def test_a_version_in_use_cannot_be_edited(issuer, officer):
    offering = OfferingFactory(issuer=issuer)
    offering_submit(actor=issuer.owner, offering_id=offering.pk)
    version = Rulebook.objects.get(code="ni45-110", version=1)
    events_before = AuditEvent.objects.count()

    with pytest.raises(RulebookInUse):
        rulebook_update(
            rulebook_id=version.pk, updated_by=officer, changes={"notes": "quietly changed"}
        )

    version.refresh_from_db()
    assert version.notes == _shipped("ni45-110")["notes"]
    assert AuditEvent.objects.count() == events_before


def test_a_version_not_yet_used_can_be_edited_and_the_edit_is_audited(officer):
    version = Rulebook.objects.get(code="ni45-110", version=1)

    rulebook_update(rulebook_id=version.pk, updated_by=officer, changes={"notes": "clarified"})

    version.refresh_from_db()
    assert version.notes == "clarified"
    assert AuditEvent.objects.get(action="rulebook.version_updated").data["changed"] == ["notes"]


def test_officer_adds_a_corrected_version_through_the_admin(admin_client):
    form = admin_client.get("/admin/compliance/rulebook/add/?from=ni45-110")
    assert form.status_code == 200
    parameters = {**_shipped("ni45-110")["parameters"], "max_distribution_days": 60}

    response = admin_client.post(
        "/admin/compliance/rulebook/add/",
        {
            "code": "ni45-110",
            "title_en": "NI 45-110 (60-day correction)",
            "title_fr": "Règlement 45-110 (correction à 60 jours)",
            "effective_from": "2027-02-01",
            "superseded_on": "",
            "parameters": json.dumps(parameters),
            "notes": "Distribution period confirmed at 60 days.",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    corrected = Rulebook.objects.get(code="ni45-110", version=2)
    assert corrected.terms.max_distribution_days == 60
    assert AuditEvent.objects.filter(action="rulebook.version_added").count() == 1
    assert verify_chain().ok


def test_admin_refuses_parameters_that_do_not_parse(admin_client):
    parameters = {**_shipped("ni45-110")["parameters"]}
    del parameters["withdrawal_hours"]

    response = admin_client.post(
        "/admin/compliance/rulebook/add/",
        {
            "code": "ni45-110",
            "title_en": "x",
            "title_fr": "x",
            "effective_from": "2027-02-01",
            "superseded_on": "",
            "parameters": json.dumps(parameters),
            "notes": "",
        },
    )

    assert response.status_code == 200
    assert "withdrawal_hours" in response.content.decode()
    assert Rulebook.objects.filter(code="ni45-110").count() == 1


def test_admin_shows_a_version_in_use_read_only(admin_client, issuer):
    offering = OfferingFactory(issuer=issuer)
    offering_submit(actor=issuer.owner, offering_id=offering.pk)
    version = Rulebook.objects.get(code="ni45-110", version=1)

    response = admin_client.post(
        f"/admin/compliance/rulebook/{version.pk}/change/",
        {
            "code": "ni45-110",
            "title_en": "changed",
            "title_fr": "changé",
            "effective_from": "2020-01-01",
            "superseded_on": "",
            "notes": "changed",
            "parameters": json.dumps({**version.parameters, "issuer_cap_cents": 1}),
        },
    )

    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.title_en, version.parameters["issuer_cap_cents"]) == (
        _shipped("ni45-110")["title_en"],
        150_000_000,
    )
    assert not AuditEvent.objects.filter(action__startswith="rulebook.").exists()
    assert admin_client.post(f"/admin/compliance/rulebook/{version.pk}/delete/").status_code == 403
