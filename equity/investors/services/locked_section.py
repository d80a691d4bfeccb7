"""The locked section of a subscription: lock the offering, decide R09 and R11, write."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from equity.compliance.audit import (
    audit_append,
    audit_append_ctes,
    audit_append_parameters,
    audit_head_created,
    audit_head_locked_sql,
    canonical_data,
)
from equity.compliance.models import AuditEvent
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
from equity.offerings.models import Offering, OfferingState
from equity.statements import pipelined, prepared_cursor, quoted_column


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


# --- PostgreSQL: the locked section in one round trip ----------------------------------------
#
# Every purchaser of a hot offering queues for its row lock, and whatever happens while it
# is held the whole queue waits for: above all a round trip, as the answer must wake the
# purchaser's process and its next statement wake the database's, each waiting for a core
# the queue shares. On PostgreSQL nothing of ours runs while the lock is held: one round
# trip sends the lock, the decision with the write, and the COMMIT (pipeline mode), and
# the answer is read once the transaction is over.
#
# The first statement locks the offering. The second begins once the first has finished,
# so under READ COMMITTED its snapshot is taken with the lock held and it counts every
# subscription committed before (every change to a purchaser's live subscriptions takes
# that lock first); a single statement would read from a snapshot taken before it waited.
# The second statement reads the offering's state, end and raised total and the
# purchaser's live total, decides R09 and R11 and the offering being open with the same
# comparisons as the rules' functions, and only when all pass reserves the ids, locks the
# audit head and writes: the subscription, its acknowledgement, the raised total and the
# audit event, hashed by the database (``audit_append_ctes``). It returns the figures it
# decided on, and the rules' functions then explain a refusal from them; were they ever to
# disagree with the statement, the subscription raises rather than answer wrongly. Same
# rows, same constraints (checked as each row is written, the deferred foreign keys at
# commit), same order of locks (the offering, then the head), values always bound.


def subscribe_combined(
    *,
    subscription: Subscription,
    signed: RiskAcknowledgement,
    limit_cents: int,
    as_of: datetime,
    actor: str,
    audit_data: dict[str, object],
) -> list[Violation]:
    """Lock the offering, decide R09 and R11 and write in one round trip with the COMMIT, in
    a transaction of its own or the caller's (see above)."""
    parameters = {
        "offering": subscription.offering_id,
        "investor": subscription.investor_id,
        "live_states": list(LIVE_STATES),
        "open": OfferingState.OPEN,
        "as_of": as_of,
        "amount_cents": subscription.amount_cents,
        "limit_cents": limit_cents,
        **_values("subscription", _SUBSCRIPTION_COLUMNS, subscription),
        **_values("acknowledgement", _ACKNOWLEDGEMENT_COLUMNS, signed),
        **audit_append_parameters(
            at=as_of,
            actor=actor,
            action="subscription.created",
            subject_prefix=Subscription.SUBJECT_PREFIX,
            data_json=canonical_data(audit_data),
        ),
    }
    statement = _combined_statement()  # written on first use: before anything is locked
    with pipelined(), prepared_cursor() as lock, prepared_cursor() as decide:
        with transaction.atomic(savepoint=False):
            lock.execute(_lock_sql(), [subscription.offering_id])
            decide.execute(statement, parameters)
        row = decide.fetchone()
    if row is None:
        raise NotFound()
    state, closes_at, raised_cents, maximum_cents, already_cents, accepted, ids = row
    if accepted and ids is None:  # no head: a test database flushed empty (the migration makes it)
        with transaction.atomic(savepoint=False):
            audit_head_created()
        return subscribe_combined(
            subscription=subscription,
            signed=signed,
            limit_cents=limit_cents,
            as_of=as_of,
            actor=actor,
            audit_data=audit_data,
        )
    violations, _, _ = _locked_offering(
        (state, closes_at, raised_cents, maximum_cents), as_of=as_of
    )
    violations = violations or _against_live_totals(
        already_cents=already_cents,
        amount_cents=subscription.amount_cents,
        limit_cents=limit_cents,
        raised_cents=raised_cents,
        maximum_cents=maximum_cents,
    )
    if bool(violations) == bool(accepted):
        raise RuntimeError(
            f"the locked section and the rules disagree on subscription {ids}: {violations}"
        )
    if violations:
        return violations
    subscription.pk, signed.pk = ids
    signed.subscription = subscription
    for instance in (subscription, signed):
        instance._state.adding, instance._state.db = False, connection.alias
    return []


_SUBSCRIPTION_COLUMNS = [
    field for field in Subscription._meta.concrete_fields if not field.primary_key
]
_ACKNOWLEDGEMENT_COLUMNS = [
    field
    for field in RiskAcknowledgement._meta.concrete_fields
    if not field.primary_key and field.name != "subscription"
]


def _values(
    name: str, fields: list, instance: Subscription | RiskAcknowledgement
) -> dict[str, object]:
    return {
        f"{name}_{field.column}": field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in fields
    }


@cache
def _combined_statement() -> str:
    """Return the decision and the write of the PostgreSQL locked section (see above)."""
    quote = connection.ops.quote_name
    offering, o = quote(Offering._meta.db_table), quoted_column(Offering)
    s = quoted_column(Subscription)
    insert_subscription = _insert_reserved(
        "subscription",
        Subscription,
        _SUBSCRIPTION_COLUMNS,
        {Subscription._meta.pk.column: "subscription_id"},
    )
    insert_acknowledgement = _insert_reserved(
        "acknowledgement",
        RiskAcknowledgement,
        _ACKNOWLEDGEMENT_COLUMNS,
        {
            RiskAcknowledgement._meta.pk.column: "acknowledgement_id",
            RiskAcknowledgement._meta.get_field("subscription").column: "subscription_id",
        },
    )

    def reserve(model: type, name: str) -> str:
        return f"nextval({_sequence_of(model)}) AS {name}"

    return (
        f"WITH offering AS (SELECT {o('state')} AS state, {o('closes_at')} AS closes_at, "  # noqa: S608 - names from _meta
        f"{o('raised_cents')} AS raised_cents, {o('maximum_amount_cents')} AS maximum_cents "
        f"FROM {offering} WHERE {o('id')} = %(offering)s), "
        f"already AS (SELECT COALESCE(SUM({s('amount_cents')}), 0)::bigint AS cents "
        f"FROM {quote(Subscription._meta.db_table)} WHERE {s('offering')} = %(offering)s "
        f"AND {s('investor')} = %(investor)s AND {s('state')} = ANY(%(live_states)s::text[])), "
        # check_offering_open, check_purchaser_limit and check_offering_maximum, as they compare
        f"decision AS (SELECT offering.*, already.cents AS already_cents, "
        f"(offering.state = %(open)s::text AND offering.closes_at IS NOT NULL "
        f"AND %(as_of)s::timestamptz < offering.closes_at "
        f"AND already.cents + %(amount_cents)s::bigint <= %(limit_cents)s::bigint "
        f"AND offering.raised_cents + %(amount_cents)s::bigint <= offering.maximum_cents) "
        f"AS accepted FROM offering, already), "
        f"reserved AS (SELECT {reserve(Subscription, 'subscription_id')}, "
        f"{reserve(RiskAcknowledgement, 'acknowledgement_id')}, "
        f"{reserve(AuditEvent, 'event_id')}, head.* "
        f"FROM decision, ({audit_head_locked_sql()}) AS head "
        f"WHERE decision.accepted), "
        f"subscription AS ({insert_subscription}), "
        f"acknowledgement AS ({insert_acknowledgement}), "
        f"raised AS (UPDATE {offering} SET {o('raised_cents')} = {o('raised_cents')} "
        f"+ %(amount_cents)s::bigint FROM reserved WHERE {offering}.{o('id')} = %(offering)s), "
        f"{audit_append_ctes(source='reserved', subject_key='subscription_id')} "
        f"SELECT decision.state, decision.closes_at, decision.raised_cents, "
        f"decision.maximum_cents, decision.already_cents, decision.accepted, "
        f"CASE WHEN reserved.subscription_id IS NOT NULL THEN "
        f"ARRAY[reserved.subscription_id, reserved.acknowledgement_id] END "
        f"FROM decision LEFT JOIN reserved ON TRUE"
    )


def _sequence_of(model: type) -> str:
    """Return ``model``'s primary key sequence as a ``regclass`` literal, found once when the
    statement is written, so that executing it looks up nothing."""
    with connection.cursor() as cursor:
        (sequence,) = connection.introspection.get_sequences(cursor, model._meta.db_table)
    name = connection.ops.quote_name(sequence["name"]).replace("'", "''")
    return f"'{name}'::regclass"


def _insert_reserved(name: str, model: type, fields: list, reserved: dict[str, str]) -> str:
    """An INSERT of one row for the row of ``reserved`` (none without it): the ``reserved``
    columns from it, every other value the parameter ``{name}_{column}`` cast to its
    column's type (a varchar without its length, so that a value too long fails as the
    ORM's insert does rather than be cut)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in [*reserved, *(f.column for f in fields)])
    values = ", ".join(
        [
            *(f"reserved.{source}" for source in reserved.values()),
            *(f"%({name}_{field.column})s::{_cast(field)}" for field in fields),
        ]
    )
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {values} FROM reserved"  # noqa: S608


def _cast(field) -> str:
    db_type = field.db_type(connection)
    return "varchar" if db_type.startswith("varchar(") else db_type


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
