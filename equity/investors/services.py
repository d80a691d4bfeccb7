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
from equity.compliance.audit import (
    actor_of,
    audit_append,
    audit_append_ctes,
    audit_append_parameters,
    audit_event_after,
    audit_head_created,
)
from equity.compliance.models import AuditEvent, AuditHead
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
    LIVE_STATES,
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
        violations, raised_cents, maximum_cents = _lock_offering(
            cursor, offering_id=offering_id, as_of=now
        )
        if not violations:
            write = (
                _decide_and_write_combined
                if connection.vendor == "postgresql"
                else _decide_and_write_one_by_one
            )
            violations = write(
                cursor,
                subscription=subscription,
                signed=signed,
                limit_cents=limit_cents,
                raised_cents=raised_cents,
                maximum_cents=maximum_cents,
                actor=actor_of(investor),
                audit_data=audit_data,
            )
        if not violations:
            notify_subscription_received.delay_on_commit(subscription.pk)
            render_subscription_documents.delay_on_commit(subscription.pk)
    if violations:
        raise ComplianceViolation(violations)
    return subscription


def _lock_offering(
    cursor: CursorWrapper, *, offering_id: int, as_of: datetime
) -> tuple[list[Violation], int, int]:
    """Lock the offering; return what a close meanwhile refuses, its raised total and maximum."""
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
    return refusal, raised_cents, maximum_cents


def _against_live_totals(
    *,
    already_cents: int,
    amount_cents: int,
    limit_cents: int,
    raised_cents: int,
    maximum_cents: int,
) -> list[Violation]:
    """Return what R09 and R11 refuse, given the totals read with the offering locked."""
    return [
        *check_purchaser_limit(
            already_cents=already_cents, amount_cents=amount_cents, limit_cents=limit_cents
        ),
        *check_offering_maximum(
            raised_cents=raised_cents, amount_cents=amount_cents, maximum_cents=maximum_cents
        ),
    ]


def _decide_and_write_one_by_one(
    cursor: CursorWrapper,
    *,
    subscription: Subscription,
    signed: RiskAcknowledgement,
    limit_cents: int,
    raised_cents: int,
    maximum_cents: int,
    actor: str,
    audit_data: dict[str, object],
) -> list[Violation]:
    """With the offering locked, decide R09 and R11 and write, one statement at a time."""
    violations = _against_live_totals(
        already_cents=purchaser_committed_cents(
            offering_id=subscription.offering_id, investor_id=subscription.investor_id
        ),
        amount_cents=subscription.amount_cents,
        limit_cents=limit_cents,
        raised_cents=raised_cents,
        maximum_cents=maximum_cents,
    )
    if violations:
        return violations
    _insert(cursor, subscription)
    signed.subscription = subscription
    _insert(cursor, signed)
    cursor.execute(_raise_sql(), [subscription.amount_cents, subscription.offering_id])
    audit_append(
        actor=actor, action="subscription.created", subject=subscription.subject, data=audit_data
    )
    return []


# --- PostgreSQL: the locked section in three statements ---------------------------------------
#
# Every purchaser of a hot offering queues for its row lock, and each statement sent while
# it is held is a round trip the whole queue waits for. On PostgreSQL, after the lock
# (statement 1), statement 2 reads the purchaser's live total, locks the audit head and
# reserves the subscription's id; the decision and the event's hash are made in Python;
# statement 3 writes the subscription, its acknowledgement, the raised total, the audit
# event and the head with data-modifying CTEs. Same rows, same constraints (checked as
# each row is written, the deferred foreign keys at commit), same order of locks (the
# offering, then the head), values always bound. The live total is read after the
# offering lock is held, so it counts every subscription committed before: every change
# to a purchaser's live subscriptions takes that lock first.


def _decide_and_write_combined(
    cursor: CursorWrapper,
    *,
    subscription: Subscription,
    signed: RiskAcknowledgement,
    limit_cents: int,
    raised_cents: int,
    maximum_cents: int,
    actor: str,
    audit_data: dict[str, object],
) -> list[Violation]:
    """With the offering locked, decide R09 and R11 and write, in two statements."""
    read_sql, write_sql = _combined_statements()
    read_parameters = [
        subscription.offering_id,
        subscription.investor_id,
        *LIVE_STATES,
        connection.ops.quote_name(Subscription._meta.db_table),
        Subscription._meta.pk.column,
    ]
    cursor.execute(read_sql, read_parameters)
    row = cursor.fetchone()
    if row is None:  # no head: a test database flushed empty (the migration creates it)
        audit_head_created()
        cursor.execute(read_sql, read_parameters)
        row = cursor.fetchone()
    head_seq, head_hash, already_cents, subscription_id = row
    violations = _against_live_totals(
        already_cents=already_cents,
        amount_cents=subscription.amount_cents,
        limit_cents=limit_cents,
        raised_cents=raised_cents,
        maximum_cents=maximum_cents,
    )
    if violations:
        return violations
    subscription.pk = subscription_id
    signed.subscription = subscription
    event = audit_event_after(
        (head_seq, head_hash),
        actor=actor,
        action="subscription.created",
        subject=subscription.subject,
        data=audit_data,
    )
    cursor.execute(
        write_sql,
        [
            *_values(_SUBSCRIPTION_COLUMNS, subscription),
            *_values(_ACKNOWLEDGEMENT_COLUMNS, signed),
            subscription.amount_cents,
            subscription.offering_id,
            *audit_append_parameters(event),
        ],
    )
    signed.pk, event.pk = cursor.fetchone()
    for instance in (subscription, signed, event):
        instance._state.adding, instance._state.db = False, connection.alias
    return []


_SUBSCRIPTION_COLUMNS = list(Subscription._meta.concrete_fields)
"""With the primary key: its value is reserved by statement 2, so the event can name it."""
_ACKNOWLEDGEMENT_COLUMNS = [
    field for field in RiskAcknowledgement._meta.concrete_fields if not field.primary_key
]


def _values(fields: list, instance: Subscription | RiskAcknowledgement) -> list[object]:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


@cache
def _combined_statements() -> tuple[str, str]:
    """Return statements 2 and 3 of the locked section on PostgreSQL (see above)."""
    quote = connection.ops.quote_name
    head, h = quote(AuditHead._meta.db_table), _quoted_column(AuditHead)
    states = ", ".join(["%s"] * len(LIVE_STATES))
    s = _quoted_column(Subscription)
    read = (
        f"SELECT {h('seq')}, {h('hash')}, "  # noqa: S608 - names from _meta
        f"(SELECT COALESCE(SUM({s('amount_cents')}), 0)::bigint "
        f"FROM {quote(Subscription._meta.db_table)} "
        f"WHERE {s('offering')} = %s AND {s('investor')} = %s AND {s('state')} IN ({states})), "
        f"nextval(pg_get_serial_sequence(%s, %s)) "
        f"FROM {head} WHERE {h('id')} = 1 FOR UPDATE"
    )
    offering, o = quote(Offering._meta.db_table), _quoted_column(Offering)
    write = (
        f"WITH subscription AS ({_insert_values(Subscription, _SUBSCRIPTION_COLUMNS)}), "  # noqa: S608
        f"acknowledgement AS ({_insert_values(RiskAcknowledgement, _ACKNOWLEDGEMENT_COLUMNS)} "
        f"RETURNING {quote(RiskAcknowledgement._meta.pk.column)}), "
        f"raised AS (UPDATE {offering} SET {o('raised_cents')} = {o('raised_cents')} + %s "
        f"WHERE {o('id')} = %s), "
        f"{audit_append_ctes()} "
        f"SELECT (SELECT {quote(RiskAcknowledgement._meta.pk.column)} FROM acknowledgement), "
        f"(SELECT {quote(AuditEvent._meta.pk.column)} FROM audit_event)"
    )
    return read, write


def _insert_values(model: type, fields: list) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608


def _quoted_column(model: type):
    def column(name: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(name).column)

    return column


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
