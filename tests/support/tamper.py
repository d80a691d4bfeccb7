"""Alter stored audit events the way an intruder with database access would.

The append-only triggers refuse UPDATE and DELETE, so the intruder first
lifts them, inside the test's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def triggers_lifted() -> Iterator[None]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE compliance_auditevent "
                "DISABLE TRIGGER compliance_auditevent_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER compliance_auditevent_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE compliance_auditevent "
                    "ENABLE TRIGGER compliance_auditevent_append_only"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER compliance_auditevent_append_only "
                    "BEFORE UPDATE ON compliance_auditevent "
                    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (P02)'); END;"
                )


def tamper(sql: str, params: list[object]) -> None:
    """Run one statement against the audit table with its protection lifted."""
    with triggers_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)
