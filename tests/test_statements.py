"""Prepared statements and statements sent together (equity.statements), as a subscription
uses them: same rows as the ordinary cursor, prepared once per connection on PostgreSQL,
nothing prepared when the setting is off, and a statement sent behind a lock wait reading
what was committed while it waited."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction
from django.test.utils import override_settings

from equity.compliance.models import IdempotencyRecord
from equity.investors.services import subscription_create
from equity.offerings.models import Offering
from equity.statements import pipelined, prepared_cursor
from tests.factories import UserFactory
from tests.investors.scenes import open_offering, purchaser, signed_by

POSTGRESQL = "postgresql"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY statement")
        return [statement for (statement,) in cursor.fetchall()]


def _subscribe(offering: Offering) -> None:
    buyer = purchaser()
    subscription_create(
        offering_id=offering.pk,
        investor=buyer,
        amount_cents=10_000,
        acknowledgement=signed_by(buyer),
    )


@pytest.mark.django_db
def test_prepared_cursor_returns_the_rows_the_ordinary_cursor_returns():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    table = connection.ops.quote_name(Offering._meta.db_table)
    sql = (
        f"SELECT id, state, raised_cents, closes_at, title FROM {table} "
        "WHERE id = %s AND state = %s AND closes_at > %s"
    )
    parameters = [offering.pk, "open", datetime(2000, 1, 1, tzinfo=UTC)]
    rows = []
    for make_cursor in (connection.cursor, prepared_cursor, prepared_cursor):
        with make_cursor() as cursor:
            cursor.execute(sql, parameters)
            rows.append(cursor.fetchall())

    assert rows[0] == rows[1] == rows[2]
    assert rows[0][0][:3] == (offering.pk, "open", 0)


@pytest.mark.django_db(transaction=True)
def test_a_subscription_prepares_its_statements_once_per_connection():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    if connection.vendor != POSTGRESQL:
        # Nothing to prepare: the ordinary cursor, statements sent as written.
        with prepared_cursor() as prepared, connection.cursor() as ordinary:
            assert type(prepared.cursor) is type(ordinary.cursor)
        _subscribe(offering)
        return
    connection.close()

    _subscribe(offering)
    after_one = _prepared_statements()
    _subscribe(offering)
    after_two = _prepared_statements()

    # The facts read before the lock, the lock, and the decision with the write.
    assert len(after_one) == 3, after_one
    assert any("FOR UPDATE" in statement and "raised_cents" in statement for statement in after_one)
    assert any(statement.startswith("WITH offering AS (SELECT") for statement in after_one)
    assert after_two == after_one


@pytest.mark.django_db(transaction=True)
@override_settings(EQUITY_PREPARED_STATEMENTS=False)
def test_with_prepared_statements_off_a_subscription_prepares_nothing():
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    connection.close()

    _subscribe(offering)

    assert Offering.objects.get(pk=offering.pk).raised_cents == 10_000
    if connection.vendor == POSTGRESQL:
        assert _prepared_statements() == []
    with prepared_cursor() as prepared, connection.cursor() as ordinary:
        assert type(prepared.cursor) is type(ordinary.cursor)


@pytest.mark.django_db(transaction=True)
def test_a_statement_sent_behind_a_lock_wait_reads_what_was_committed_while_it_waited():
    """The read after the lock must count the row the lock holder committed meanwhile:
    a single statement would read from a snapshot taken before it waited."""
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=500_000)
    user = UserFactory()
    offerings = connection.ops.quote_name(Offering._meta.db_table)
    records = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    for_update = " FOR UPDATE" if connection.vendor == POSTGRESQL else ""
    lock = (f"SELECT id FROM {offerings} WHERE id = %s{for_update}", [offering.pk])
    count = (f"SELECT COUNT(*) FROM {records}", [])
    holding, waiter_started = threading.Event(), threading.Event()
    seen: list[tuple | None] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(*lock)
                holding.set()
                waiter_started.wait(10)
                _wait_until_a_session_waits_for_a_lock()
                IdempotencyRecord.objects.create(
                    user=user,
                    scope="test",
                    key="while-waiting",
                    fingerprint="0" * 64,
                    response_status=201,
                    response_body={},
                    created_at=datetime(2026, 3, 2, tzinfo=UTC),
                )
        finally:
            connections.close_all()

    def waiter() -> None:
        try:
            holding.wait(10)
            waiter_started.set()
            # As the locked section sends them: together with the COMMIT, read after it.
            with pipelined(), prepared_cursor() as locking, prepared_cursor() as counting:
                with transaction.atomic():
                    locking.execute(*lock)
                    counting.execute(*count)
                seen.extend([locking.fetchone(), counting.fetchone()])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert seen == [(offering.pk,), (1,)]


def _wait_until_a_session_waits_for_a_lock() -> None:
    """On PostgreSQL, return once another session is blocked on a lock (the waiter's
    statement queued behind ours); elsewhere give the waiter a moment to queue (SQLite
    queues the whole transaction, which then reads after our commit either way)."""
    if connection.vendor != POSTGRESQL:
        time.sleep(0.2)
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Within a transaction PostgreSQL shows the same sessions until told to look again.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError("the waiter never queued for the lock")
