"""The offering lifecycle: create, submit, approve or reject, open, suspend, resume, cancel.

Every service locks what it changes, runs the rules of the offering's
rulebook version, applies the django-fsm-2 transition, saves and appends the
audit event in one transaction, so a refusal changes nothing (P04).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from equity import clock
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.models import Rulebook
from equity.compliance.rules import (
    BondTerms,
    Violation,
    check_group_cap,
    check_issuer_eligibility,
    check_offering_terms,
    check_one_active_distribution,
)
from equity.compliance.selectors import rulebook_in_force
from equity.exceptions import (
    ComplianceViolation,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from equity.offerings.models import Issuer, Offering, OfferingAmendment, OfferingState
from equity.offerings.selectors import (
    active_offerings_elsewhere,
    group_cap_usage,
    issuer_facts,
    issuer_group_ids,
    offering_terms,
    principal_facts,
)


def _locked_offering(offering_id: int) -> Offering:
    offering = Offering.objects.select_for_update().filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    return offering


def _require_owner(offering: Offering, actor: object) -> None:
    if offering.issuer.owner_id != actor.pk:
        raise PermissionDenied()


def _require_officer(actor: object) -> None:
    if not actor.is_compliance_officer:
        raise PermissionDenied()


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({field: [_("A reason is required.")]})
    return reason


def transition_refused(offering: Offering) -> InvalidTransition:
    """Return the refusal of a transition the offering's current state does not allow."""
    return InvalidTransition(
        state=offering.state, state_label=str(OfferingState(offering.state).label)
    )


def apply_transition(offering: Offering, transition: Callable[[], None]) -> str:
    """Run a transition in memory, refusing it if not allowed from the current state;
    return the state it left."""
    if not can_proceed(transition):
        raise transition_refused(offering)
    previous = offering.state
    transition()
    return previous


def _lock_group(issuer_id: int) -> frozenset[int]:
    """Lock every issuer row of the group, in id order, and return the group's ids.

    Two offerings of one group checked at once would otherwise both see the
    other's headroom (R08) or both find no other active offering (R07). The
    group is searched again after locking, in case a link was committed meanwhile.
    """
    locked: frozenset[int] = frozenset()
    group_ids = issuer_group_ids(issuer_id)
    while group_ids != locked:
        list(
            Issuer.objects.select_for_update()
            .filter(pk__in=group_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        locked = group_ids
        group_ids = issuer_group_ids(issuer_id)
    return group_ids


def offering_violations(offering: Offering, *, rulebook: Rulebook, as_of: date) -> list[Violation]:
    """Return every rule that refuses ``offering`` under ``rulebook`` on ``as_of``.

    R01–R05 (the issuer and its group), R07 (one active distribution per
    group), R08 (the maximum fits the group's headroom) and R10–R12 (terms).
    The caller holds the group's locks.
    """
    terms = rulebook.terms
    group_ids = issuer_group_ids(offering.issuer_id)
    group = issuer_facts(Issuer.objects.filter(pk__in=group_ids).order_by("pk"))
    own = next(facts for facts in group if facts.issuer_id == offering.issuer_id)
    usage = group_cap_usage(group_ids, as_of=as_of, terms=terms, excluding_offering_id=offering.pk)
    return [
        *check_issuer_eligibility(
            own, group=group, principals=principal_facts(group_ids), as_of=as_of, terms=terms
        ),
        *check_offering_terms(offering_terms(offering), terms),
        *check_one_active_distribution(
            active_offerings_elsewhere(group_ids, excluding_offering_id=offering.pk), terms
        ),
        *check_group_cap(offering.maximum_amount_cents, usage, terms),
    ]


def _refuse_if_violations(offering: Offering, *, rulebook: Rulebook, as_of: date) -> None:
    _lock_group(offering.issuer_id)
    violations = offering_violations(offering, rulebook=rulebook, as_of=as_of)
    if violations:
        raise ComplianceViolation(violations)


@transaction.atomic
def offering_create(
    *,
    actor: object,
    issuer_id: int,
    title: str,
    summary: str,
    security_type: str,
    price_per_security_cents: int,
    minimum_amount_cents: int,
    maximum_amount_cents: int,
    distribution_days: int,
    language: str,
    use_of_funds: str,
    risk_factors: str,
    bond_terms: BondTerms | None = None,
    rulebook_code: str = "ni45-110",
) -> Offering:
    """Draft an offering; its terms are checked now (R10–R12) so a draft is never absurd."""
    issuer = Issuer.objects.filter(pk=issuer_id).first()
    if issuer is None:
        raise InvalidInput({"issuer": [_("Unknown issuer.")]})
    if issuer.owner_id != actor.pk:
        raise PermissionDenied()
    terms = rulebook_in_force(code=rulebook_code, as_of=clock.today()).terms
    offering = Offering(
        issuer=issuer,
        title=title,
        summary=summary,
        security_type=security_type,
        currency=terms.currency,
        price_per_security_cents=price_per_security_cents,
        minimum_amount_cents=minimum_amount_cents,
        maximum_amount_cents=maximum_amount_cents,
        distribution_days=distribution_days,
        language=language,
        use_of_funds=use_of_funds,
        risk_factors=risk_factors,
        rulebook_code=rulebook_code,
        annual_rate_bps=bond_terms.annual_rate_bps if bond_terms else None,
        term_months=bond_terms.term_months if bond_terms else None,
        interest_frequency=bond_terms.interest_frequency if bond_terms else "",
        created_by=actor,
        created_at=clock.now(),
    )
    violations = check_offering_terms(offering_terms(offering), terms)
    if violations:
        raise ComplianceViolation(violations)
    offering.save()
    audit_append(
        actor=actor_of(actor),
        action="offering.created",
        subject=offering.subject,
        data={
            "issuer": issuer.pk,
            "security_type": security_type,
            "minimum_amount_cents": minimum_amount_cents,
            "maximum_amount_cents": maximum_amount_cents,
            "price_per_security_cents": price_per_security_cents,
            "distribution_days": distribution_days,
            "rulebook": rulebook_code,
        },
    )
    return offering


@transaction.atomic
def offering_submit(*, actor: object, offering_id: int) -> Offering:
    """Submit a draft for review under the rulebook version in force today (R01–R12)."""
    offering = _locked_offering(offering_id)
    _require_owner(offering, actor)
    previous = apply_transition(offering, offering.submit)
    today = clock.today()
    rulebook = rulebook_in_force(code=offering.rulebook_code, as_of=today)
    _refuse_if_violations(offering, rulebook=rulebook, as_of=today)
    offering.rulebook = rulebook
    offering.submitted_at = clock.now()
    offering.save()
    audit_append(
        actor=actor_of(actor),
        action="offering.submitted",
        subject=offering.subject,
        data={
            "from": previous,
            "to": offering.state,
            "rulebook": rulebook.code,
            "rulebook_version": rulebook.version,
        },
    )
    return offering


@transaction.atomic
def offering_approve(*, officer: object, offering_id: int, note: str = "") -> Offering:
    """Approve an offering under review after checking every rule again under its version."""
    _require_officer(officer)
    offering = _locked_offering(offering_id)
    previous = apply_transition(offering, offering.approve)
    _refuse_if_violations(offering, rulebook=offering.rulebook, as_of=clock.today())
    offering.approved_at = clock.now()
    offering.approved_by = officer
    offering.approval_note = note.strip()
    offering.save()
    audit_append(
        actor=actor_of(officer),
        action="offering.approved",
        subject=offering.subject,
        data={
            "from": previous,
            "to": offering.state,
            "note": offering.approval_note,
            "rulebook": offering.rulebook.code,
            "rulebook_version": offering.rulebook.version,
        },
    )
    return offering


@transaction.atomic
def offering_reject(*, officer: object, offering_id: int, reason: str) -> Offering:
    """Send an offering under review back to draft with the officer's reason."""
    _require_officer(officer)
    reason = _require_reason(reason)
    offering = _locked_offering(offering_id)
    previous = apply_transition(offering, offering.reject)
    offering.rejection_reason = reason
    offering.save()
    audit_append(
        actor=actor_of(officer),
        action="offering.rejected",
        subject=offering.subject,
        data={"from": previous, "to": offering.state, "reason": reason},
    )
    return offering


@transaction.atomic
def offering_open(*, actor: object, offering_id: int) -> Offering:
    """Open an approved offering to purchasers for its distribution period (R12).

    The offering document is rendered, certified by ``actor`` and signed in
    French and English first (R16, P05): the offering becomes visible
    (``opened_at``) in the same transaction that stores it, never without it.
    The opening's audit event lists the documents.
    """
    from equity.documents.services import audit_data, offering_document_issue

    offering = _locked_offering(offering_id)
    _require_owner(offering, actor)
    previous = apply_transition(offering, offering.open)
    _refuse_if_violations(offering, rulebook=offering.rulebook, as_of=clock.today())
    now = clock.now()
    closes_at = now + timedelta(days=offering.distribution_days)
    documents = offering_document_issue(
        offering=offering,
        version=1,
        certified_by=actor,
        certified_at=now,
        opened_at=now,
        closes_at=closes_at,
        audit=False,
    )
    offering.opened_at = now
    offering.closes_at = closes_at
    offering.save()
    audit_append(
        actor=actor_of(actor),
        action="offering.opened",
        subject=offering.subject,
        data={
            "from": previous,
            "to": offering.state,
            "closes_at": offering.closes_at.isoformat(),
            "documents": [audit_data(document) for document in documents],
        },
    )
    return offering


@transaction.atomic
def offering_suspend(*, officer: object, offering_id: int, reason: str) -> Offering:
    """Suspend an open offering: no subscriptions until it resumes."""
    _require_officer(officer)
    reason = _require_reason(reason)
    offering = _locked_offering(offering_id)
    previous = apply_transition(offering, offering.suspend)
    offering.suspension_reason = reason
    offering.save()
    audit_append(
        actor=actor_of(officer),
        action="offering.suspended",
        subject=offering.subject,
        data={"from": previous, "to": offering.state, "reason": reason},
    )
    return offering


@transaction.atomic
def offering_resume(*, officer: object, offering_id: int, reason: str) -> Offering:
    """Resume a suspended offering."""
    _require_officer(officer)
    reason = _require_reason(reason)
    offering = _locked_offering(offering_id)
    previous = apply_transition(offering, offering.resume)
    offering.suspension_reason = ""
    offering.save()
    audit_append(
        actor=actor_of(officer),
        action="offering.resumed",
        subject=offering.subject,
        data={"from": previous, "to": offering.state, "reason": reason},
    )
    return offering


@transaction.atomic
def offering_cancel(*, actor: object, offering_id: int, reason: str = "") -> Offering:
    """Cancel an offering before it closes, by its owner or a compliance officer."""
    offering = _locked_offering(offering_id)
    if not actor.is_compliance_officer:
        _require_owner(offering, actor)
    from equity.escrow.settlement import refund_live_subscriptions

    previous = apply_transition(offering, offering.cancel)
    refunded, expired = refund_live_subscriptions(offering, reason="offering_cancelled")
    offering.raised_cents = 0
    offering.cancelled_at = clock.now()
    offering.save()
    audit_append(
        actor=actor_of(actor),
        action="offering.cancelled",
        subject=offering.subject,
        data={
            "from": previous,
            "to": offering.state,
            "reason": reason.strip(),
            "refunded": refunded,
            "expired": expired,
        },
    )
    return offering


@transaction.atomic
def offering_amend(
    *, actor: object, offering_id: int, summary: str, changes: dict[str, object]
) -> OfferingAmendment:
    """Amend an open offering's document (R16) and reopen every subscriber's window (R14).

    Each purchaser with a subscription still pending or funded gets a fresh
    withdrawal window from now, and a notice in their language once committed.
    """
    from equity.documents.tasks import render_amendment_documents
    from equity.investors.models import WITHDRAWABLE_STATES, Subscription
    from equity.investors.tasks import notify_amendment

    summary = _require_reason(summary, field="summary")
    if not changes:
        raise InvalidInput({"changes": [_("Say what changed.")]}, rule="R16")
    offering = _locked_offering(offering_id)
    _require_owner(offering, actor)
    apply_transition(offering, offering.amend)
    now = clock.now()
    number = offering.amendments.count() + 1
    reopened = Subscription.objects.filter(offering=offering, state__in=WITHDRAWABLE_STATES)
    subscribers = reopened.values("investor").distinct().count()
    reopened_count = reopened.update(
        withdrawal_deadline=now + timedelta(hours=offering.rulebook.terms.withdrawal_hours)
    )
    amendment = OfferingAmendment.objects.create(
        offering=offering,
        number=number,
        summary=summary,
        changes=changes,
        amended_at=now,
        amended_by=actor,
        subscribers_notified=subscribers,
    )
    offering.save()
    audit_append(
        actor=actor_of(actor),
        action="offering.amended",
        subject=offering.subject,
        data={
            "amendment": number,
            "summary": summary,
            "changes": changes,
            "subscriptions_reopened": reopened_count,
        },
    )
    notify_amendment.delay_on_commit(amendment.pk)
    render_amendment_documents.delay_on_commit(amendment.pk)
    return amendment


DRAFT_FIELDS = frozenset(
    {
        "title",
        "summary",
        "security_type",
        "price_per_security_cents",
        "minimum_amount_cents",
        "maximum_amount_cents",
        "distribution_days",
        "language",
        "use_of_funds",
        "risk_factors",
        "bond_terms",
        "rulebook_code",
    }
)
"""What an issuer may change in a draft: the inputs of :func:`offering_create`, not its issuer."""


@transaction.atomic
def offering_update(*, actor: object, offering_id: int, **fields: object) -> Offering:
    """Change a draft's terms, checked as when it was drafted (R10–R12), and audit what changed.

    Only the owner changes only a draft: past it, the terms are the ones an
    officer reviews or purchasers read, and change only by amendment (R16).
    """
    unknown = sorted(set(fields) - DRAFT_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in unknown})
    offering = _locked_offering(offering_id)
    _require_owner(offering, actor)
    if offering.state != OfferingState.DRAFT:
        raise transition_refused(offering)
    if "bond_terms" in fields:
        bond = fields.pop("bond_terms")
        fields["annual_rate_bps"] = bond.annual_rate_bps if bond else None
        fields["term_months"] = bond.term_months if bond else None
        fields["interest_frequency"] = bond.interest_frequency if bond else ""
    terms = rulebook_in_force(
        code=fields.get("rulebook_code", offering.rulebook_code), as_of=clock.today()
    ).terms
    fields["currency"] = terms.currency
    changed = sorted(name for name, value in fields.items() if getattr(offering, name) != value)
    for name in changed:
        setattr(offering, name, fields[name])
    violations = check_offering_terms(offering_terms(offering), terms)
    if violations:
        raise ComplianceViolation(violations)
    if not changed:
        return offering
    offering.save(update_fields=changed)
    audit_append(
        actor=actor_of(actor),
        action="offering.updated",
        subject=offering.subject,
        data={"fields": changed},
    )
    return offering
