"""R07 and R08 hold when two offerings of one issuer group are decided at the same instant."""

from __future__ import annotations

import pytest

from equity.compliance.audit import verify_chain
from equity.exceptions import ComplianceViolation
from equity.offerings.models import Offering, OfferingState
from equity.offerings.services import offering_approve, offering_submit
from tests.factories import IssuerFactory, OfferingFactory, PrincipalFactory, UserFactory
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def _sister_offerings_under_review(maximum_cents: int) -> tuple[Offering, Offering]:
    """Two issuers of different owners that share a founder, each with an offering under review."""
    offerings = []
    for name in ("Atelier Nord", "Atelier Sud"):
        owner = UserFactory(role="issuer")
        issuer = IssuerFactory(owner=owner, legal_name=name)
        PrincipalFactory(issuer=issuer, full_name="Sophie Bélanger", is_founder=True)
        offering = OfferingFactory(issuer=issuer, maximum_amount_cents=maximum_cents)
        offerings.append(offering_submit(actor=owner, offering_id=offering.pk))
    return offerings[0], offerings[1]


def test_r07_r08_concurrent_approvals_in_one_group_let_exactly_one_through():
    officer = UserFactory(role="compliance_officer")
    first, second = _sister_offerings_under_review(maximum_cents=100_000_000)

    outcomes = run_concurrently(
        [
            lambda: offering_approve(officer=officer, offering_id=first.pk),
            lambda: offering_approve(officer=officer, offering_id=second.pk),
        ]
    )

    approved = [o for o in outcomes if isinstance(o, Offering)]
    refused = [o for o in outcomes if isinstance(o, ComplianceViolation)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert {v.rule for v in refused[0].violations} == {"R07", "R08"}
    states = sorted(Offering.objects.values_list("state", flat=True))
    assert states == [OfferingState.APPROVED, OfferingState.UNDER_REVIEW]
    assert verify_chain().ok
