"""The audit chain: appending events and verifying the chain (P02).

Design overview: each event stores ``prev_hash`` and
``hash = sha256(prev_hash + canonical_json(seq, at, actor, action, subject, data))``.
Hash what you store, store what you hash: an event's ``data`` is kept as its
canonical JSON text (``AuditEvent.data_json``), so the canonical form of an
event is the stored text put together with its other fields, and verification
decodes and encodes no JSON.
Appends lock the single :class:`AuditHead` row, so the sequence has no gaps or
forks under concurrent writers; the append runs in the caller's transaction,
so an event exists exactly when the change it records was committed. The head
also keeps the last event's time, and no event is earlier than the one before.
A subscription on PostgreSQL appends its event inside the statement that writes
it, the database hashing the same canonical text (:func:`audit_append_ctes`).
Verification walks the chain in sequence order and names the first event
whose stored fields no longer hash to its stored hash, whose link to the
previous event is broken, or whose sequence number skips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import psycopg
from django.conf import settings
from django.db import NotSupportedError, connection, transaction
from django.db.models import Func, QuerySet, TextField

from equity import clock
from equity.compliance.models import AuditEvent, AuditHead
from equity.statements import converted, converters_of, quoted_column

GENESIS_HASH = "0" * 64


# One encoder, built once: ``json.dumps`` with options builds a new one per call.
_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
# What that encoder does with a string, without its per-call dispatch: verification
# quotes three strings per event.
_quote = json.encoder.encode_basestring


def canonical_data(data: Mapping[str, object]) -> str:
    """Return the canonical JSON text of an event's data: sorted keys, compact, no floats.

    The text is stored as it is (``AuditEvent.data_json``) and hashed as it is.
    """
    _check_json_data(data)
    return _JSON(dict(data))


def _canonical(
    *, seq: int, at: datetime, actor: str, action: str, subject: str, data_json: str
) -> bytes:
    """Return the canonical JSON of an event: its fields with sorted keys, compact, UTF-8.

    Byte for byte ``json.dumps({"seq": ..., "at": ..., ...}, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` with ``at`` in UTC to the
    microsecond and ``data`` as :func:`canonical_data` wrote it (a test holds
    it to that).
    """
    return _canonical_text(seq, _utc_text(at), actor, action, subject, data_json).encode()


def _canonical_text(
    seq: int, utc_text: str, actor: str, action: str, subject: str, data_json: str
) -> str:
    # The six keys written out in their sorted order, the stored text of ``data`` as it is:
    # verification builds this once per event from the columns as the database returns them.
    return (
        f'{{"action":{_quote(action)},"actor":{_quote(actor)},"at":"{utc_text}+00:00",'
        f'"data":{data_json},"seq":{seq},"subject":{_quote(subject)}}}'
    )


def _utc_text(moment: datetime) -> str:
    """Return ``moment`` in UTC as ``2026-03-02T15:00:00.000000`` (the offset is implied)."""
    # A naive reading is UTC already: SQLite stores UTC without an offset.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


class _UTCText(Func):
    """A stored time as :func:`_utc_text` writes it, computed by the database.

    The driver's own conversion of a timestamp costs more than the rest of the
    row together, and text in the canonical shape needs no parsing either.
    """

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("audit verification supports PostgreSQL and SQLite")

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django writes a naive UTC time as str(): a space for the T, no fraction on the second.
        template = (
            "replace(%(expressions)s, ' ', 'T')"
            " || CASE WHEN instr(%(expressions)s, '.') THEN '' ELSE '.000000' END"
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)


def event_hash(prev_hash: str, **fields: object) -> str:
    """Return the chain hash of an event given the previous event's hash.

    ``fields`` are ``seq``, ``at``, ``actor``, ``action``, ``subject`` and
    ``data_json`` (the text :func:`canonical_data` returns).
    """
    return hashlib.sha256(prev_hash.encode() + _canonical(**fields)).hexdigest()


def _check_json_data(value: object, path: str = "data") -> None:
    # Floats do not round-trip exactly through every database's JSON type.
    if isinstance(value, float):
        raise TypeError(f"{path} holds a float; audit data holds ints and strings")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_json_data(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json_data(item, f"{path}[{index}]")


def actor_of(user: object | None) -> str:
    """Return the audit actor label for a user, or ``system`` for the module itself."""
    if user is None:
        return "system"
    return f"user:{user.pk}"


def audit_append(
    *, actor: str, action: str, subject: str, data: Mapping[str, object] | None = None
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction and return it.

    No savepoint of its own: an append that fails fails the change it records.
    """
    data_json = canonical_data(data or {})
    lock_head, insert_event, move_head = _append_statements()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(lock_head)
        head = cursor.fetchone()
        # The migration creates the head; the fallback covers a test database flushed empty.
        event = _event_after(
            converted(_head_converters(), head) if head else audit_head_created(),
            actor=actor,
            action=action,
            subject=subject,
            data_json=data_json,
        )
        cursor.execute(insert_event, _event_values(event))
        event.pk = cursor.fetchone()[0]
        event._state.adding, event._state.db = False, connection.alias
        cursor.execute(
            move_head, [event.seq, event.hash, _HEAD_AT.get_db_prep_save(event.at, connection)]
        )
    return event


def _event_after(
    head: Sequence[object], *, actor: str, action: str, subject: str, data_json: str
) -> AuditEvent:
    prev_seq, prev_hash, prev_at = head
    seq = prev_seq + 1
    # Read under the lock, and never before the last event (a clock set back, or the
    # PostgreSQL locked section's time, read before its lock): times never go back.
    at = clock.now()
    if prev_at is not None and prev_at > at:
        at = prev_at
    digest = event_hash(
        prev_hash,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data_json=data_json,
    )
    return AuditEvent(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data_json=data_json,
        prev_hash=prev_hash,
        hash=digest,
    )


def audit_append_ctes(*, source: str, subject_key: str) -> str:
    """Return the data-modifying CTEs that append one event for the row of the CTE
    ``source``, if it has one, with the event's hash computed by the database exactly as
    :func:`event_hash` computes it: for a PostgreSQL statement that decides and writes a
    change with no round trip between taking its locks and its COMMIT (see
    ``equity.investors.services.locked_section``). Its named parameters are those
    :func:`audit_append_parameters` returns.

    ``source`` has the columns ``event_id`` (reserved with ``nextval``), the column named
    ``subject_key`` (what follows the subject's prefix) and the head's ``head_seq``,
    ``head_hash`` and ``head_at``, read with :func:`audit_head_locked_sql`. The event's
    time is the later of the one given and the head's: times never go back along the chain.
    """
    quote = connection.ops.quote_name
    e = quoted_column(AuditEvent)
    h = quoted_column(AuditHead)
    utc_text = "to_char(audit_new.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    columns = ", ".join(
        e(name)
        for name in (
            "id", "seq", "at", "actor", "action", "subject", "data_json", "prev_hash", "hash"
        )
    )  # fmt: skip
    # The canonical text in its order: what comes before the time, the time, what comes
    # before the sequence number, the number, what comes before the subject's key, the key,
    # and what follows it (_canonical_text, cut at those three places).
    canonical = (
        f"%(audit_before_at)s::text || {utc_text} || %(audit_before_seq)s::text || seq::text "
        f"|| %(audit_before_key)s::text || subject_key::text || %(audit_after_key)s::text"
    )
    return (
        f"audit_new AS (SELECT event_id, {subject_key} AS subject_key, head_seq + 1 AS seq, "  # noqa: S608 - _meta
        f"head_hash AS prev_hash, "
        f"%(audit_subject_prefix)s::text || {subject_key}::text AS subject, "
        f"GREATEST(%(audit_at)s::timestamptz, head_at) AS at FROM {source}), "
        f"audit_hashed AS (SELECT audit_new.*, "
        f"encode(sha256(convert_to(prev_hash || {canonical}, 'UTF8')), 'hex') AS hash "
        f"FROM audit_new), "
        f"audit_event AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "
        f"SELECT event_id, seq, at, %(audit_actor)s::text, %(audit_action)s::text, subject, "
        f"%(audit_data_json)s::text, prev_hash, hash FROM audit_hashed), "
        f"audit_head AS (UPDATE {_head_table()} SET {h('seq')} = audit_hashed.seq, "
        f"{h('hash')} = audit_hashed.hash, {h('at')} = audit_hashed.at FROM audit_hashed "
        f"WHERE {_head_table()}.{h('id')} = 1)"
    )


def audit_append_parameters(
    *, at: datetime, actor: str, action: str, subject_prefix: str, data_json: str
) -> dict[str, object]:
    """Return the named parameters of :func:`audit_append_ctes`: the event's fields but
    its sequence number, time and subject's key, which the database fills in, and the
    canonical text around those three, cut from :func:`_canonical_text` itself."""
    marks = ("\u27e6seq\u27e7", "\u27e6at\u27e7", "\u27e6key\u27e7")
    text = _canonical_text(*marks[:2], actor, action, f"{subject_prefix}{marks[2]}", data_json)
    if any(text.count(mark) != 1 for mark in marks):
        raise ValueError("an event's fields may not hold the marks the canonical text is cut at")
    before_at, rest = text.split(marks[1])
    before_seq, rest = rest.split(marks[0])
    before_key, after_key = rest.split(marks[2])
    return {
        "audit_subject_prefix": subject_prefix,
        "audit_at": at,
        "audit_before_at": before_at,
        "audit_before_seq": before_seq,
        "audit_before_key": before_key,
        "audit_after_key": after_key,
        "audit_actor": actor,
        "audit_action": action,
        "audit_data_json": data_json,
    }


def audit_head_locked_sql() -> str:
    """Return a PostgreSQL subquery of the head's ``head_seq``, ``head_hash`` and
    ``head_at``, its row locked, for :func:`audit_append_ctes`."""
    h = quoted_column(AuditHead)
    return (
        f"SELECT {h('seq')} AS head_seq, {h('hash')} AS head_hash, {h('at')} AS head_at "  # noqa: S608
        f"FROM {_head_table()} WHERE {h('id')} = 1 FOR UPDATE"
    )


_EVENT_FIELDS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]


_HEAD_AT = AuditHead._meta.get_field("at")


def _event_values(event: AuditEvent) -> list[object]:
    return [
        field.get_db_prep_save(getattr(event, field.attname), connection) for field in _EVENT_FIELDS
    ]


@cache
def _append_statements() -> tuple[str, str, str]:
    """Return the three statements of an append: lock the head, insert the event, move the
    head. Written out: every audited change sends them, most with a hot lock held, and
    the ORM compiling them cost several times what the database did."""
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return (
        f"SELECT {quote('seq')}, {quote('hash')}, {quote('at')} FROM {_head_table()} "  # noqa: S608
        f"WHERE {quote('id')} = 1{lock}",
        f"{_insert_event()} RETURNING {quote('id')}",
        _move_head(),
    )


@cache
def _head_converters() -> list[tuple[object, list]]:
    return converters_of([None, None, _HEAD_AT])


def _head_table() -> str:
    return connection.ops.quote_name(AuditHead._meta.db_table)


def _insert_event() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _EVENT_FIELDS)
    values = ", ".join(["%s"] * len(_EVENT_FIELDS))
    return f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608


def _move_head() -> str:
    quote = connection.ops.quote_name
    return (
        f"UPDATE {_head_table()} SET {quote('seq')} = %s, {quote('hash')} = %s, "  # noqa: S608
        f"{quote('at')} = %s "
        f"WHERE {quote('id')} = 1"
    )


def audit_head_created() -> tuple[int, str, datetime | None]:
    """Create the head if it is missing (a test database flushed empty; the migration
    creates it) and return its seq, hash and time, its row locked."""
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    return head.seq, head.hash, head.at


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of verifying the chain."""

    ok: bool
    events: int
    head: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Walk the whole chain and return where, if anywhere, it was altered.

    The head is read after the events it should end with. When it has moved on
    meanwhile (events appended during the walk), the walk goes on from where it
    stopped up to the new head, so a busy portal never reports a false break,
    while an event stored beyond the head is still one too many.
    """
    walked = _Walk()
    head_before: int | None = None
    while True:
        events = (
            AuditEvent.objects.filter(seq__gte=walked.next_seq)
            .order_by("seq")
            .annotate(utc_text=_UTCText("at"))
            .values_list(
                "seq", "utc_text", "actor", "action", "subject", "data_json", "prev_hash", "hash"
            )
        )
        # A verdict found early leaves rows unread: closing them frees the connection.
        with closing(_stored_rows(events)) as rows:
            broken = walked.through(rows)
        if broken is not None:
            return broken
        count = walked.next_seq - 1
        head = AuditHead.objects.values_list("seq", "hash").filter(pk=1).first() or (
            0,
            GENESIS_HASH,
        )
        if head == (count, walked.prev_hash):
            return ChainReport(True, count, walked.prev_hash)
        if head[0] < count:
            return ChainReport(
                False,
                head[0],
                head[1],
                head[0] + 1,
                f"event {head[0] + 1} lies beyond the head (event {head[0]})",
            )
        # Go on only while the head moves: a head that stays beyond the last event
        # means events are missing from the tail, not still being written.
        if head[0] == count or head[0] == head_before:
            return ChainReport(
                False,
                count,
                walked.prev_hash,
                count + 1,
                f"the chain ends at event {count} but its head says {head[0]}",
            )
        head_before = head[0]


class _Walk:
    """Where a walk along the chain has got to: the next sequence number and the last hash."""

    __slots__ = ("next_seq", "prev_hash")

    def __init__(self) -> None:
        self.next_seq = 1
        self.prev_hash = GENESIS_HASH

    def through(self, rows: Iterator[tuple]) -> ChainReport | None:
        """Check ``rows`` in order from here; return the first break, or None and move on."""
        expected_seq, expected_prev = self.next_seq, self.prev_hash
        sha256 = hashlib.sha256
        for seq, utc_text, actor, action, subject, data_json, prev_hash, stored in rows:
            if seq != expected_seq:
                return ChainReport(
                    False,
                    expected_seq - 1,
                    expected_prev,
                    expected_seq,
                    f"event {expected_seq} is missing",
                )
            if prev_hash != expected_prev:
                return ChainReport(
                    False,
                    seq - 1,
                    expected_prev,
                    seq,
                    f"event {seq} does not link to event {seq - 1}",
                )
            canonical = _canonical_text(seq, utc_text, actor, action, subject, data_json)
            if sha256((prev_hash + canonical).encode()).hexdigest() != stored:
                return ChainReport(
                    False,
                    seq - 1,
                    expected_prev,
                    seq,
                    f"event {seq} was altered after it was written",
                )
            expected_prev = stored
            expected_seq += 1
        self.next_seq, self.prev_hash = expected_seq, expected_prev
        return None


def _stored_rows(events: QuerySet) -> Iterator[tuple]:
    """Yield the rows of ``events`` as the driver returns them, a chunk at a time.

    The ORM's per-row conversions were most of the cost of verifying: the
    verifier hashes the stored text as it is. PostgreSQL streams the rows
    (psycopg's chunked rows mode; a row at a time before libpq 17): the server
    computes and sends them while the verifier hashes those already received,
    with no cursor to declare and no round trip per chunk.
    """
    sql, params = events.query.sql_with_params()
    chunk = settings.EQUITY_AUDIT_VERIFY_CHUNK
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            size = chunk if psycopg.pq.version() >= 170000 else 1
            yield from cursor.cursor.stream(sql, params, size=size)
            return
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows
