"""Subscriptions: create (R09, R11, R15), withdraw (R14), and suitability records (R09).

Every write locks the offering row first, so two purchasers racing for the
last securities, or one purchaser racing with themself, are decided one after
the other against the same totals (``select_for_update`` on PostgreSQL; an
IMMEDIATE transaction on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from equity import clock
from equity.accounts.models import Role, User
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.rules import (
    Violation,
    check_age_of_majority,
    check_offering_maximum,
    check_offering_open,
    check_purchase_amount,
    check_purchaser_limit,
    check_risk_acknowledgement,
    check_withdrawal_window,
    purchaser_limit_cents,
)
from equity.documents.tasks import render_subscription_documents
from equity.exceptions import (
    ComplianceViolation,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from equity.geography import AGE_OF_MAJORITY
from equity.investors.models import (
    RiskAcknowledgement,
    Subscription,
    SubscriptionState,
    SuitabilityDetermination,
)
from equity.investors.selectors import (
    purchaser_committed_cents,
    render_risk_form,
    subscription_facts,
)
from equity.investors.tasks import notify_subscription_received
from equity.offerings.models import Offering


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
    R09 and R11 against the live totals and writes, one statement each, with
    no savepoint: a refusal leaves the block without an exception, so the
    caller's transaction stays usable. The statements of this path are
    written out (here and in the selectors): with sixteen purchasers on two
    cores, the ORM's compilation of each statement, not the database, was most
    of what a subscription cost.
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
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        violations = _decide_against_live_totals(
            cursor,
            offering_id=offering_id,
            investor_id=investor.pk,
            amount_cents=amount_cents,
            limit_cents=limit_cents,
            as_of=now,
        )
        if not violations:
            _insert(cursor, subscription)
            signed.subscription = subscription
            _insert(cursor, signed)
            cursor.execute(_raise_sql(), [amount_cents, offering_id])
            audit_append(
                actor=actor_of(investor),
                action="subscription.created",
                subject=subscription.subject,
                data=audit_data,
            )
            notify_subscription_received.delay_on_commit(subscription.pk)
            render_subscription_documents.delay_on_commit(subscription.pk)
    if violations:
        raise ComplianceViolation(violations)
    return subscription


def _decide_against_live_totals(
    cursor: CursorWrapper,
    *,
    offering_id: int,
    investor_id: int,
    amount_cents: int,
    limit_cents: int,
    as_of: datetime,
) -> list[Violation]:
    """Lock the offering and return what R09 and R11 (and a close meanwhile) refuse."""
    cursor.execute(_lock_sql(), [offering_id])
    locked = cursor.fetchone()
    if locked is None:
        raise NotFound()
    state, closes_at, raised_cents, maximum_cents = locked
    if closes_at is not None:
        closes_at = _CLOSES_AT.to_python(closes_at)
        if settings.USE_TZ and timezone.is_naive(closes_at):  # SQLite stores UTC, naive
            closes_at = timezone.make_aware(closes_at, UTC)
    refusal = check_offering_open(state=state, as_of=as_of, closes_at=closes_at)
    if refusal:
        return refusal
    return [
        *check_purchaser_limit(
            already_cents=purchaser_committed_cents(
                offering_id=offering_id, investor_id=investor_id
            ),
            amount_cents=amount_cents,
            limit_cents=limit_cents,
        ),
        *check_offering_maximum(
            raised_cents=raised_cents,
            amount_cents=amount_cents,
            maximum_cents=maximum_cents,
        ),
    ]


_CLOSES_AT = Offering._meta.get_field("closes_at")


@cache
def _lock_sql() -> str:
    table = connection.ops.quote_name(Offering._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Offering._meta.get_field(name).column)
        for name in ("state", "closes_at", "raised_cents", "maximum_amount_cents")
    )
    # SQLite has no FOR UPDATE: its transactions are IMMEDIATE, one writer at a time.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    pk = connection.ops.quote_name("id")
    return f"SELECT {columns} FROM {table} WHERE {pk} = %s{lock}"  # noqa: S608 - from _meta


@cache
def _raise_sql() -> str:
    table = connection.ops.quote_name(Offering._meta.db_table)
    raised = connection.ops.quote_name(Offering._meta.get_field("raised_cents").column)
    return (
        f"UPDATE {table} SET {raised} = {raised} + %s "  # noqa: S608 - names from _meta
        f"WHERE {connection.ops.quote_name('id')} = %s"
    )


def _insert(cursor: CursorWrapper, instance: Subscription | RiskAcknowledgement) -> None:
    """Insert ``instance``'s row and set its primary key: the statement ``save(force_insert=True)``
    sends, each value prepared by its field as the ORM prepares it, without compiling the
    query on every call. Neither model has save() logic or signal receivers to bypass."""
    fields, sql = _insert_statement(type(instance))
    cursor.execute(
        sql,
        [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields],
    )
    instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


@cache
def _insert_statement(model: type) -> tuple[list, str]:
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608 - _meta
        f"VALUES ({values}) "
        f"RETURNING {connection.ops.quote_name(meta.pk.column)}"
    )
    return fields, sql


@transaction.atomic
def subscription_withdraw(*, investor: object, subscription_id: int) -> Subscription:
    """Withdraw a subscription within its window (R14); its amount frees up at once."""
    offering_id = (
        Subscription.objects.filter(pk=subscription_id)
        .values_list("offering_id", flat=True)
        .first()
    )
    if offering_id is None:
        raise NotFound()
    # Lock the offering before the subscription, in the same order as subscription_create.
    Offering.objects.select_for_update().values_list("pk", flat=True).get(pk=offering_id)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if subscription.investor_id != investor.pk:
        raise PermissionDenied()
    if not can_proceed(subscription.withdraw):
        raise InvalidTransition(
            state=subscription.state,
            state_label=str(SubscriptionState(subscription.state).label),
        )
    now = clock.now()
    expired = check_withdrawal_window(deadline=subscription.withdrawal_deadline, as_of=now)
    if expired:
        raise Conflict(expired[0].detail, code=expired[0].code, rule=expired[0].rule)
    previous = subscription.state
    subscription.withdraw()
    subscription.withdrawn_at = now
    subscription.save()
    if previous == SubscriptionState.FUNDED:
        from equity.escrow.services import refund_withdrawn_subscription

        refund_withdrawn_subscription(
            offering=Offering.objects.select_related("rulebook").get(pk=offering_id),
            subscription=subscription,
        )
    Offering.objects.filter(pk=offering_id).update(
        raised_cents=F("raised_cents") - subscription.amount_cents
    )
    audit_append(
        actor=actor_of(investor),
        action="subscription.withdrawn",
        subject=subscription.subject,
        data={
            "offering": offering_id,
            "from": previous,
            "to": subscription.state,
            "amount_cents": subscription.amount_cents,
        },
    )
    return subscription


@transaction.atomic
def suitability_record(
    *,
    officer: object,
    investor_id: int,
    offering_id: int,
    determined_by: str,
    determined_at: datetime,
    basis: str,
) -> SuitabilityDetermination:
    """Record a registered dealer's suitability determination (R09's higher limit)."""
    if not officer.is_compliance_officer:
        raise PermissionDenied()
    if not basis.strip() or not determined_by.strip():
        raise InvalidInput(
            {"basis": [_("The registered representative and the basis are required.")]}, rule="R09"
        )
    if not User.objects.filter(pk=investor_id, role=Role.INVESTOR).exists():
        raise InvalidInput({"investor": [_("Unknown investor.")]}, rule="R09")
    if not Offering.objects.filter(pk=offering_id).exists():
        raise InvalidInput({"offering": [_("Unknown offering.")]}, rule="R09")
    determination, created = SuitabilityDetermination.objects.get_or_create(
        investor_id=investor_id,
        offering_id=offering_id,
        defaults={
            "determined_by": determined_by.strip(),
            "determined_at": determined_at,
            "basis": basis.strip(),
            "recorded_by": officer,
            "recorded_at": clock.now(),
        },
    )
    if not created:
        raise Conflict(code="suitability_exists")
    audit_append(
        actor=actor_of(officer),
        action="suitability.recorded",
        subject=f"offering:{offering_id}",
        data={
            "investor": investor_id,
            "determined_by": determination.determined_by,
            "determined_at": determined_at.isoformat(),
        },
    )
    return determination
