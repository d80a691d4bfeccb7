"""Arrangements shared by the subscription tests: an open offering and signed purchasers."""

from __future__ import annotations

from datetime import date

from equity import clock
from equity.accounts.models import Role, User
from equity.investors.models import InvestorProfile
from equity.investors.selectors import current_risk_form
from equity.investors.services import SignedAcknowledgement
from equity.offerings.models import Offering
from equity.offerings.services import offering_approve, offering_open, offering_submit
from tests.factories import IssuerFactory, OfferingFactory, PrincipalFactory, UserFactory


def open_offering(
    *, price_cents: int, minimum_cents: int, maximum_cents: int, distribution_days: int = 60
) -> Offering:
    """Return an offering taken draft → open through the services."""
    issuer = IssuerFactory()
    PrincipalFactory(issuer=issuer)
    officer = UserFactory(role=Role.COMPLIANCE_OFFICER)
    offering = OfferingFactory(
        issuer=issuer,
        price_per_security_cents=price_cents,
        minimum_amount_cents=minimum_cents,
        maximum_amount_cents=maximum_cents,
        distribution_days=distribution_days,
    )
    offering_submit(actor=issuer.owner, offering_id=offering.pk)
    offering_approve(officer=officer, offering_id=offering.pk)
    return offering_open(actor=issuer.owner, offering_id=offering.pk)


def purchaser(*, province: str = "QC", born: date = date(1990, 5, 17), **fields) -> User:
    """Return an adult investor with a profile."""
    user = UserFactory(role=Role.INVESTOR, province=province, **fields)
    InvestorProfile.objects.create(user=user, birth_date=born, created_at=clock.now())
    return user


def signed_by(user: User) -> SignedAcknowledgement:
    """Return the current risk acknowledgement, every statement signed by ``user``."""
    form = current_risk_form()
    return SignedAcknowledgement(
        form_version=form.version,
        statements=[statement["code"] for statement in form.statements],
        full_name=user.full_name,
        language=user.language,
        ip_address="203.0.113.7",
        user_agent="pytest",
    )
