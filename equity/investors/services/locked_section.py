"""The locked section of a subscription: lock the offering, decide R09 and R11, write."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from equity.compliance.audit import (
    audit_append,
    audit_append_ctes,
    audit_append_parameters,
    audit_event_after,
    audit_head_created,
    canonical_data,
)
from equity.compliance.models import AuditEvent, AuditHead
from equity.compliance.rules import (
    Violation,
    check_offering_maximum,
    check_offering_open,
    check_purchaser_limit,
)
from equity.exceptions import NotFound
from equity.investors.models import (
    LIVE_STATES,
    RiskAcknowledgement,
    Subscription,
)
from equity.investors.selectors import purchaser_committed_cents
from equity.offerings.models import Offering
from equity.statements import first_rows_together, prepared_cursor


def _lock_offering(
    cursor: CursorWrapper, *, offering_id: int, as_of: datetime
) -> tuple[list[Violation], int, int]:
    """Lock the offering; return what a close meanwhile refuses, its raised total and maximum."""
    cursor.execute(_lock_sql(), [offering_id])
    return _locked_offering(cursor.fetchone(), as_of=as_of)


def _locked_offering(locked: tuple | None, *, as_of: datetime) -> tuple[list[Violation], int, int]:
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


def subscribe_one_by_one(
    cursor: CursorWrapper,
    *,
    subscription: Subscription,
    signed: RiskAcknowledgement,
    limit_cents: int,
    as_of: datetime,
    actor: str,
    audit_data: dict[str, object],
) -> list[Violation]:
    """Lock the offering, decide R09 and R11 and write, one statement at a time."""
    violations, raised_cents, maximum_cents = _lock_offering(
        cursor, offering_id=subscription.offering_id, as_of=as_of
    )
    if violations:
        return violations
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


# --- PostgreSQL: the locked section in two round trips -----------------------------------------
#
# Every purchaser of a hot offering queues for its row lock, and each round trip made while
# it is held is one the whole queue waits for. On PostgreSQL the first round trip sends two
# statements: the first locks the offering; the second, once the lock is granted, reads the
# purchaser's live total, locks the audit head and reserves the ids of the subscription,
# its acknowledgement and its audit event. The decision and the event's hash are made in
# Python; the second round trip is the write (the subscription, its acknowledgement, the
# raised total, the audit event and the head, with data-modifying CTEs) and the COMMIT
# together: the caller runs the transaction in pipeline mode, and nothing waits for the
# write's answer since every id is known. Everything that does not depend on what the lock
# protects (the rows' values but for the ids, the event's data) is prepared before it.
#
# Why two statements and not one: under READ COMMITTED a statement reads from the snapshot
# it took when it began, before it waited for the lock; only the locked rows themselves are
# read again at their latest version. The live total is read by a statement that begins
# once the lock is held, so it counts every subscription committed before: every change to a
# purchaser's live subscriptions takes that lock first. Same rows, same constraints (checked
# as each row is written, the deferred foreign keys at commit), same order of locks (the
# offering, then the head), values always bound.


def subscribe_combined(
    cursor: CursorWrapper,
    *,
    subscription: Subscription,
    signed: RiskAcknowledgement,
    limit_cents: int,
    as_of: datetime,
    actor: str,
    audit_data: dict[str, object],
) -> list[Violation]:
    """Lock the offering, decide R09 and R11 and write, in two round trips with the COMMIT
    (see above); run inside :func:`equity.statements.pipelined`."""
    subscription_values = _values(_SUBSCRIPTION_COLUMNS, subscription)
    acknowledgement_values = _values(_ACKNOWLEDGEMENT_COLUMNS, signed)
    data_json = canonical_data(audit_data)
    read_sql, write_sql = _combined_statements()
    read_parameters = [
        subscription.offering_id,
        subscription.investor_id,
        *LIVE_STATES,
        *_reserved_sequences(),
    ]
    # The write's cursor is made before the lock: with the lock held, only what depends on it.
    with prepared_cursor() as write:
        locked, row = first_rows_together(
            (_lock_sql(), [subscription.offering_id]), (read_sql, read_parameters)
        )
        violations, raised_cents, maximum_cents = _locked_offering(locked, as_of=as_of)
        if violations:
            return violations
        if row is None:  # no head: a test database flushed empty (the migration creates it)
            audit_head_created()
            write.execute(read_sql, read_parameters)
            row = write.fetchone()
        head_seq, head_hash, already_cents, subscription_id, acknowledgement_id, event_id = row
        violations = _against_live_totals(
            already_cents=already_cents,
            amount_cents=subscription.amount_cents,
            limit_cents=limit_cents,
            raised_cents=raised_cents,
            maximum_cents=maximum_cents,
        )
        if violations:
            return violations
        subscription.pk = subscription_values[_SUBSCRIPTION_ID] = subscription_id
        signed.pk = acknowledgement_values[_ACKNOWLEDGEMENT_ID] = acknowledgement_id
        acknowledgement_values[_ACKNOWLEDGEMENT_SUBSCRIPTION] = subscription_id
        event = audit_event_after(
            (head_seq, head_hash),
            actor=actor,
            action="subscription.created",
            subject=subscription.subject,
            data_json=data_json,
        )
        event.pk = event_id
        write.execute(
            write_sql,
            [
                *subscription_values,
                *acknowledgement_values,
                subscription.amount_cents,
                subscription.offering_id,
                *audit_append_parameters(event),
            ],
        )
    signed.subscription = subscription
    for instance in (subscription, signed, event):
        instance._state.adding, instance._state.db = False, connection.alias
    return []


_SUBSCRIPTION_COLUMNS = list(Subscription._meta.concrete_fields)
"""With the primary key: its value is reserved under the lock, so the event can name it."""
_SUBSCRIPTION_ID = _SUBSCRIPTION_COLUMNS.index(Subscription._meta.pk)
_ACKNOWLEDGEMENT_COLUMNS = list(RiskAcknowledgement._meta.concrete_fields)
_ACKNOWLEDGEMENT_ID = _ACKNOWLEDGEMENT_COLUMNS.index(RiskAcknowledgement._meta.pk)
_ACKNOWLEDGEMENT_SUBSCRIPTION = _ACKNOWLEDGEMENT_COLUMNS.index(
    RiskAcknowledgement._meta.get_field("subscription")
)


@cache
def _reserved_sequences() -> list[str]:
    """Return the tables and columns whose ids the read reserves (``pg_get_serial_sequence``)."""
    return [
        parameter
        for model in (Subscription, RiskAcknowledgement, AuditEvent)
        for parameter in (connection.ops.quote_name(model._meta.db_table), model._meta.pk.column)
    ]


def _values(fields: list, instance: Subscription | RiskAcknowledgement) -> list[object]:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


@cache
def _combined_statements() -> tuple[str, str]:
    """Return the read and the write of the PostgreSQL locked section (see above)."""
    quote = connection.ops.quote_name
    head, h = quote(AuditHead._meta.db_table), _quoted_column(AuditHead)
    states = ", ".join(["%s"] * len(LIVE_STATES))
    s = _quoted_column(Subscription)
    read = (
        f"SELECT {h('seq')}, {h('hash')}, "  # noqa: S608 - names from _meta
        f"(SELECT COALESCE(SUM({s('amount_cents')}), 0)::bigint "
        f"FROM {quote(Subscription._meta.db_table)} "
        f"WHERE {s('offering')} = %s AND {s('investor')} = %s AND {s('state')} IN ({states})), "
        f"nextval(pg_get_serial_sequence(%s, %s)), nextval(pg_get_serial_sequence(%s, %s)), "
        f"nextval(pg_get_serial_sequence(%s, %s)) "
        f"FROM {head} WHERE {h('id')} = 1 FOR UPDATE"
    )
    offering, o = quote(Offering._meta.db_table), _quoted_column(Offering)
    write = (
        f"WITH subscription AS ({_insert_values(Subscription, _SUBSCRIPTION_COLUMNS)}), "  # noqa: S608
        f"acknowledgement AS ({_insert_values(RiskAcknowledgement, _ACKNOWLEDGEMENT_COLUMNS)}), "
        f"raised AS (UPDATE {offering} SET {o('raised_cents')} = {o('raised_cents')} + %s "
        f"WHERE {o('id')} = %s), "
        f"{audit_append_ctes()} "
        f"SELECT 1"
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
