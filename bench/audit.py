"""Audit chain verification speed, against bare SHA-256 over the same bytes.

The events are written in bulk, continuing the chain from its head (earlier
sections have appended events of their own), with the hashes computed by the
module's own ``event_hash``. The reference hashes exactly the bytes the
verifier hashes (previous hash + canonical JSON of each event), already in
memory: the ratio says what reading the rows and putting their canonical
form together (the stored canonical text of ``data`` with the other fields)
cost on top of the hashing itself. A third figure does that and hashes the
rows already in memory, which parts the database's share from Python's.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction

from bench.table import Row, ratio
from equity import clock
from equity.compliance.audit import (
    _canonical_text,
    _utc_text,
    canonical_data,
    event_hash,
    verify_chain,
)
from equity.compliance.models import AuditEvent, AuditHead

TARGET_RATIO = 0.1
REPEATS = 5
BATCH = 2_000


def run(*, smoke: bool) -> list[Row]:
    size = 2_000 if smoke else 20_000
    append_events(size)
    events = stored_events()
    chained = [(prev_hash + _canonical_text(*fields)).encode() for *fields, prev_hash in events]

    def verify() -> None:
        report = verify_chain()
        assert report.ok and report.events == len(events), report

    def bare() -> None:
        for blob in chained:
            hashlib.sha256(blob).hexdigest()

    def rebuild() -> None:
        for *fields, prev_hash in events:
            hashlib.sha256((prev_hash + _canonical_text(*fields)).encode()).hexdigest()

    bare_rate = len(events) / best_seconds(bare)
    label = f"{len(events):,} events"
    rows = [
        Row(
            "audit chain",
            label,
            "reference: bare SHA-256 over the same bytes",
            f"{bare_rate:,.0f} events/s",
            "reference",
            True,
            "1.00×",
        )
    ]
    for measure, step, target in (
        ("verify_chain()", verify, TARGET_RATIO),
        ("of which canonical JSON + SHA-256, rows already in memory", rebuild, None),
    ):
        rate = len(events) / best_seconds(step)
        rows.append(
            Row(
                "audit chain",
                label,
                measure,
                f"{rate:,.0f} events/s",
                "—" if target is None else f"≥ {target}× bare",
                None if target is None else rate >= target * bare_rate,
                ratio(rate, bare_rate),
            )
        )
    return rows


def best_seconds(step: Callable[[], None]) -> float:
    """Return the fastest of ``REPEATS`` runs of ``step``: the figure least disturbed by
    whatever else the machine was doing, for the verifier and the reference alike."""
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        step()
        samples.append(time.perf_counter() - started)
    return min(samples)


@transaction.atomic
def append_events(count: int) -> None:
    """Append ``count`` subscription events to the chain in bulk, with their true hashes."""
    head = AuditHead.objects.select_for_update().get(pk=1)
    seq, digest = head.seq, head.hash
    start = clock.now()
    events = []
    for n in range(count):
        seq += 1
        at = start + timedelta(milliseconds=n)
        fields = {
            "seq": seq,
            "at": at,
            "actor": f"user:{1_000 + n % 500}",
            "action": "subscription.created",
            "subject": f"subscription:{seq}",
            "data_json": canonical_data(
                {
                    "offering": 1 + n % 40,
                    "amount_cents": 25_000,
                    "quantity": 25,
                    "withdrawal_deadline": (at + timedelta(hours=48)).isoformat(),
                    "risk_form": "45-110F2-2025",
                    "risk_text_sha256": hashlib.sha256(str(n).encode()).hexdigest(),
                }
            ),
        }
        previous, digest = digest, event_hash(digest, **fields)
        events.append(AuditEvent(**fields, prev_hash=previous, hash=digest))
    AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=digest)


def stored_events() -> list[tuple[int, str, str, str, str, str, str]]:
    """Return every event's hashed fields as the verifier reads them, and its previous hash."""
    rows = AuditEvent.objects.order_by("seq").values_list(
        "seq", "at", "actor", "action", "subject", "data_json", "prev_hash"
    )
    return [
        (seq, _utc_text(at), actor, action, subject, data_json, prev_hash)
        for seq, at, actor, action, subject, data_json, prev_hash in rows.iterator(chunk_size=BATCH)
    ]
