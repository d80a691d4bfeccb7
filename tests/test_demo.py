"""The demo scene the README's first command loads."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from equity.compliance.audit import verify_chain
from equity.compliance.models import AuditEvent
from equity.exceptions import ComplianceViolation
from equity.offerings.models import Issuer, Offering
from equity.offerings.selectors import issuer_group_ids
from equity.offerings.services import offering_submit

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_offerings_in_several_states(capsys):
    call_command("load_demo")
    events = AuditEvent.objects.count()
    call_command("load_demo")

    assert AuditEvent.objects.count() == events
    assert "already loaded" in capsys.readouterr().out
    states = dict(
        Offering.objects.values_list("security_type", "state").filter(
            issuer__legal_name__in=[
                "Lumen Analytique inc.",
                "Coopérative de solidarité Le Grenier",
                "Habitations solidaires du Plateau",
            ]
        )
    )
    assert states == {"common_share": "open", "preferred_share": "under_review", "debt": "approved"}
    assert verify_chain().ok


def test_r07_demo_sister_companies_share_a_group_and_one_open_distribution():
    call_command("load_demo")
    analytique = Issuer.objects.get(legal_name="Lumen Analytique inc.")
    robotique = Issuer.objects.get(legal_name="Lumen Robotique inc.")
    draft = robotique.offerings.get()

    assert issuer_group_ids(robotique.pk) == {analytique.pk, robotique.pk}
    with pytest.raises(ComplianceViolation) as refusal:
        offering_submit(actor=robotique.owner, offering_id=draft.pk)
    assert "R07" in {violation.rule for violation in refusal.value.violations}
    draft.refresh_from_db()
    assert draft.state == "draft"
