"""The audit chain: appending events and verifying the chain (P02).

Design overview: each event stores ``prev_hash`` and
``hash = sha256(prev_hash + canonical_json(seq, at, actor, action, subject, data))``.
Appends lock the single :class:`AuditHead` row, so the sequence has no gaps or
forks under concurrent writers; the append runs in the caller's transaction,
so an event exists exactly when the change it records was committed.
Verification walks the chain in sequence order and names the first event
whose stored fields no longer hash to its stored hash, whose link to the
previous event is broken, or whose sequence number skips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from equity import clock
from equity.compliance.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


# One encoder, built once: ``json.dumps`` with options builds a new one per call.
_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def _canonical(
    *, seq: int, at: datetime, actor: str, action: str, subject: str, data: Mapping[str, object]
) -> bytes:
    """Return the canonical JSON of an event: its fields with sorted keys, compact, UTF-8.

    Byte for byte ``json.dumps({"seq": ..., "at": ..., ...}, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` with ``at`` in UTC to the
    microsecond (a test holds it to that), written out with the six keys in
    their sorted order: verification builds it once per event, and the
    generic encoder was most of the cost.
    """
    return (
        f'{{"action":{_JSON(action)},"actor":{_JSON(actor)},"at":"{_utc_text(at)}",'
        f'"data":{_JSON(data)},"seq":{int(seq)},"subject":{_JSON(subject)}}}'
    ).encode()


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite stores UTC without an offset
        moment = moment.replace(tzinfo=UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def event_hash(prev_hash: str, **fields: object) -> str:
    """Return the chain hash of an event given the previous event's hash."""
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
    data = dict(data or {})
    _check_json_data(data)
    with transaction.atomic(savepoint=False):
        head = AuditHead.objects.select_for_update().values_list("seq", "hash").filter(pk=1)
        # The migration creates the head; the fallback covers a test database flushed empty.
        seq, prev_hash = head.first() or _new_head()
        seq += 1
        at = clock.now()  # read under the lock, so times never go back along the chain
        digest = event_hash(
            prev_hash, seq=seq, at=at, actor=actor, action=action, subject=subject, data=data
        )
        event = AuditEvent.objects.create(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            data=data,
            prev_hash=prev_hash,
            hash=digest,
        )
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=digest)
    return event


def _new_head() -> tuple[int, str]:
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    return head.seq, head.hash


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of verifying the chain."""

    ok: bool
    events: int
    head: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Walk the whole chain and return where, if anywhere, it was altered."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    # The time as text: the driver's own conversion of a timestamp costs more than the
    # rest of the row together.
    events = (
        AuditEvent.objects.order_by("seq")
        .annotate(at_text=Cast("at", TextField()))
        .values_list("seq", "at_text", "actor", "action", "subject", "data", "prev_hash", "hash")
    )
    for seq, at, actor, action, subject, data, prev_hash, stored in _stored_rows(events):
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
        canonical = _canonical(
            seq=seq,
            at=datetime.fromisoformat(at),
            actor=actor,
            action=action,
            subject=subject,
            data=json.loads(data),
        )
        if hashlib.sha256(prev_hash.encode() + canonical).hexdigest() != stored:
            return ChainReport(
                False, seq - 1, expected_prev, seq, f"event {seq} was altered after it was written"
            )
        expected_prev = stored
        expected_seq += 1
    count = expected_seq - 1
    head = AuditHead.objects.values_list("seq", "hash").filter(pk=1).first() or (0, GENESIS_HASH)
    if head != (count, expected_prev):
        return ChainReport(
            False,
            count,
            expected_prev,
            count + 1,
            f"the chain ends at event {count} but its head says {head[0]}",
        )
    return ChainReport(True, count, expected_prev)


def _stored_rows(events: QuerySet) -> Iterator[tuple]:
    """Yield the rows of ``events`` as the driver returns them, a chunk at a time.

    The ORM's per-row conversions were most of the cost of verifying: the
    verifier decodes the JSON and the time itself. The next chunk is fetched
    on another thread while this one is checked, so the database's share of
    the work overlaps with Python's instead of adding to it.
    """
    sql, params = events.query.sql_with_params()
    chunk = settings.EQUITY_AUDIT_VERIFY_CHUNK
    with (
        connection.chunked_cursor() as cursor,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-fetch") as reader,
    ):
        cursor.execute(sql, params)
        pending = reader.submit(cursor.fetchmany, chunk)
        while rows := pending.result():
            pending = reader.submit(cursor.fetchmany, chunk)
            yield from rows
