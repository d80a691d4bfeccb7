"""P02: storing event data as canonical text keeps every chain written before it verifying."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from equity.compliance.audit import GENESIS_HASH, verify_chain
from equity.compliance.models import AuditEvent

BEFORE = [("compliance", "0003_idempotencyrecord")]
AFTER = [("compliance", "0004_auditevent_data_json")]


def _hash_as_written_before(prev_hash: str, **fields: object) -> str:
    """Return the hash the chain had before: the canonical JSON as its format names it."""
    at = fields["at"].astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(
        {**fields, "at": at}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def _latest_schema_after() -> Iterator[None]:
    """Migrate the test database forward again, whichever migration the test left it at."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_latest_schema_after")
def test_p02_a_chain_written_before_the_migration_verifies_after_it():
    old_apps = _migrate(BEFORE)
    OldEvent = old_apps.get_model("compliance", "AuditEvent")
    OldHead = old_apps.get_model("compliance", "AuditHead")
    digest, start = GENESIS_HASH, datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    data_of = [
        {},
        {"note": "Préciser le rendement", "amount_cents": 150_000, "quantity": 150},
        {"documents": [{"language": "fr", "sha256": "ab" * 32}], "z": None, "a": True},
        {"quote": 'dit "oui"\n', "tab": "\t", "emoji": "🐝", "nested": {"b": 2, "a": 1}},
    ]
    for seq, data in enumerate(data_of, start=1):
        fields = {
            "seq": seq,
            "at": start + timedelta(seconds=seq, microseconds=0 if seq == 2 else seq),
            "actor": "user:7",
            "action": "test.before",
            "subject": "offering:1",
            "data": data,
        }
        previous, digest = digest, _hash_as_written_before(digest, **fields)
        OldEvent.objects.create(**fields, prev_hash=previous, hash=digest)
    OldHead.objects.update_or_create(pk=1, defaults={"seq": len(data_of), "hash": digest})

    _migrate(AFTER)

    report = verify_chain()
    assert (report.ok, report.events, report.head) == (True, len(data_of), digest)
    assert [event.data for event in AuditEvent.objects.order_by("seq")] == data_of
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE compliance_auditevent SET actor = 'x' WHERE seq = 1")
