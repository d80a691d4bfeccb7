"""Subscribing: the checks before the lock, then the locked section (R09, R11, R15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction

from equity import clock
from equity.compliance.audit import actor_of
from equity.compliance.rules import (
    Violation,
    check_age_of_majority,
    check_offering_open,
    check_purchase_amount,
    check_risk_acknowledgement,
    purchaser_limit_cents,
)
from equity.exceptions import (
    ComplianceViolation,
    NotFound,
    PermissionDenied,
)
from equity.geography import AGE_OF_MAJORITY
from equity.investors.models import (
    RiskAcknowledgement,
    Subscription,
)
from equity.investors.selectors import (
    render_risk_form,
    subscription_facts,
)
from equity.investors.services.locked_section import (
    subscribe_combined,
    subscribe_one_by_one,
)
from equity.investors.tasks import start_subscription_jobs


@dataclass(frozen=True, slots=True)
class SignedAcknowledgement:
    """What the purchaser sent with the subscription, and where from (R15)."""

    form_version: str
    statements: list[str]
    full_name: str
    language: str
    ip_address: str | None
    user_agent: str


def subscription_create(
    *,
    offering_id: int,
    investor: object,
    amount_cents: int,
    acknowledgement: SignedAcknowledgement,
) -> Subscription:
    """Record a purchaser's subscription, its signed risk acknowledgement and the audit event.

    Refused, with nothing written, when the offering is not open (or past its
    end), the purchaser is a minor, the amount is not a whole number of
    securities, the acknowledgement is missing or stale (R15), the purchaser's
    limit would be passed (R09) or the offering's maximum would be (R11).

    Every purchaser of a hot offering waits for its row lock, so what happens
    while it is held decides the offering's throughput. Everything that does
    not depend on other purchasers (the offering's terms, the purchaser, the
    form they signed, the rows to write) is read in one statement and built
    before the transaction; the transaction then locks the offering, decides
    R09 and R11 against the live totals and writes, with no savepoint: a
    refusal leaves the block without an exception, so the caller's
    transaction stays usable. On PostgreSQL the lock, the decision with the
    write, and the COMMIT go in one round trip (pipeline mode), so no Python
    runs while the offering is locked, each statement prepared once per
    connection (``locked_section``, ``equity.statements``). The statements of
    this path are written out (here and in the selectors): with sixteen
    purchasers on two cores, the ORM's compilation of each statement, not the
    database, was most of what a subscription cost. The jobs' message is
    published once the subscription is committed: at once after this
    function's own commit, or at the caller's when it runs inside the
    caller's transaction.
    """
    if not investor.is_investor:
        raise PermissionDenied()
    now = clock.now()
    facts = subscription_facts(offering_id=offering_id, investor_id=investor.pk, as_of=now)
    if facts is None:
        raise NotFound()
    refusal = check_offering_open(state=facts.offering_state, as_of=now, closes_at=facts.closes_at)
    if refusal:
        raise ComplianceViolation(refusal)
    if facts.terms is None or facts.risk_form is None:
        raise NotFound()
    if facts.birth_date is None:
        raise ComplianceViolation([Violation(None, "purchaser_profile_required")])
    terms = facts.terms
    limit_cents = purchaser_limit_cents(
        terms,
        portal_is_registered_dealer=settings.EQUITY_PORTAL_REGISTERED_DEALER,
        suitability_recorded=facts.suitability_recorded,
    )
    form = render_risk_form(
        form=facts.risk_form,
        terms=terms,
        language=acknowledgement.language,
        limit_cents=limit_cents,
    )
    violations = [
        *check_age_of_majority(
            birth_date=facts.birth_date,
            age_of_majority=AGE_OF_MAJORITY.get(investor.province, 19),
            as_of=clock.today(),
        ),
        *check_purchase_amount(amount_cents, facts.price_per_security_cents),
        *check_risk_acknowledgement(
            form_version=acknowledgement.form_version,
            statements=acknowledgement.statements,
            full_name=acknowledgement.full_name,
            current_version=form.form.version,
            required_statements=form.codes,
            account_name=investor.full_name,
        ),
    ]
    if violations:
        raise ComplianceViolation(violations)
    text_sha256 = form.text_sha256
    subscription = Subscription(
        offering_id=offering_id,
        investor=investor,
        amount_cents=amount_cents,
        quantity=amount_cents // facts.price_per_security_cents,
        currency=facts.currency,
        created_at=now,
        withdrawal_deadline=now + timedelta(hours=terms.withdrawal_hours),
    )
    signed = RiskAcknowledgement(
        form=form.form,
        language=form.language,
        statements=acknowledgement.statements,
        text_sha256=text_sha256,
        full_name=acknowledgement.full_name.strip(),
        signed_at=now,
        ip_address=acknowledgement.ip_address,
        user_agent=acknowledgement.user_agent[:1000],
    )
    audit_data = {
        "offering": offering_id,
        "amount_cents": amount_cents,
        "quantity": subscription.quantity,
        "withdrawal_deadline": subscription.withdrawal_deadline.isoformat(),
        "risk_form": form.form.version,
        "risk_text_sha256": text_sha256,
    }
    locked = {
        "subscription": subscription,
        "signed": signed,
        "limit_cents": limit_cents,
        "as_of": now,
        "actor": actor_of(investor),
        "audit_data": audit_data,
    }
    if connection.vendor == "postgresql":
        violations = subscribe_combined(**locked)
    else:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            violations = subscribe_one_by_one(cursor, **locked)
    if violations:
        raise ComplianceViolation(violations)
    start_subscription_jobs.delay_on_commit(subscription.pk)
    return subscription
