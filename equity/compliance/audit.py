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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction

from equity import clock
from equity.compliance.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


def _canonical(
    *, seq: int, at: datetime, actor: str, action: str, subject: str, data: Mapping[str, object]
) -> bytes:
    payload = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "data": data,
    }
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


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


@transaction.atomic
def audit_append(
    *, actor: str, action: str, subject: str, data: Mapping[str, object] | None = None
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction and return it."""
    data = dict(data or {})
    _check_json_data(data)
    # The migration creates the head; get_or_create covers a test database flushed empty.
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    at = clock.now()
    seq = head.seq + 1
    digest = event_hash(
        head.hash, seq=seq, at=at, actor=actor, action=action, subject=subject, data=data
    )
    event = AuditEvent.objects.create(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=data,
        prev_hash=head.hash,
        hash=digest,
    )
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=digest)
    return event


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
    count = 0
    rows = AuditEvent.objects.order_by("seq").values_list(
        "seq", "at", "actor", "action", "subject", "data", "prev_hash", "hash"
    )
    for seq, at, actor, action, subject, data, prev_hash, stored in rows.iterator(
        chunk_size=settings.EQUITY_AUDIT_VERIFY_CHUNK
    ):
        if seq != expected_seq:
            return ChainReport(
                False, count, expected_prev, expected_seq, f"event {expected_seq} is missing"
            )
        if prev_hash != expected_prev:
            return ChainReport(
                False, count, expected_prev, seq, f"event {seq} does not link to event {seq - 1}"
            )
        if (
            event_hash(
                prev_hash, seq=seq, at=at, actor=actor, action=action, subject=subject, data=data
            )
            != stored
        ):
            return ChainReport(
                False, count, expected_prev, seq, f"event {seq} was altered after it was written"
            )
        expected_prev = stored
        expected_seq += 1
        count += 1
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
