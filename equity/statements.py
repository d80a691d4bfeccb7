"""The few statements a hot offering sends most: prepared, sent together, their rows
converted as the ORM converts them.

Django sends every statement as text with its values merged in (psycopg's
client-side binding), so PostgreSQL parses and plans each one again; Django
also turns prepared statements off, so that a connection pooler in
transaction mode never sees a statement prepared on another connection. For
the statements of a subscription, parsing and planning cost PostgreSQL more
than executing them, on the cores the queue for the offering's lock shares.

:func:`prepared_cursor` returns a cursor whose statements PostgreSQL prepares
once per connection and then only binds and executes: values sent apart from
the text (server-side binding), never merged into it. It goes through
Django's cursor wrapper, so the debug log, ``execute_wrapper`` and database
error translation see these statements as any other. Elsewhere than on
PostgreSQL, or with ``EQUITY_PREPARED_STATEMENTS`` off (a pooler older than
PgBouncer 1.21, or one without ``max_prepared_statements``), it is the
ordinary cursor.

:func:`pipelined` saves round trips with psycopg's pipeline mode, where
each statement is still run after the one before (and under READ COMMITTED
reads from a snapshot taken then: a statement sent behind one that waited for
a row lock sees everything committed before the lock was granted);
:func:`converters_of` and :func:`converted` turn a written-out statement's
row into the values the ORM would have read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Field


class _PreparingCursor(psycopg.Cursor):
    """A psycopg cursor with server-side binding that prepares every statement it runs."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        return super().execute(query, params, prepare=True, **options)


def prepared_cursor() -> CursorWrapper:
    """Return a cursor of the default connection whose statements are prepared (see above)."""
    if connection.vendor != "postgresql" or not settings.EQUITY_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django's default turns psycopg's prepared statements off for the connection,
        # which also refuses ``prepare=True``. Its own cursors bind on the client and never
        # prepare; a threshold no statement reaches lets only this cursor's statements be.
        raw.prepare_threshold = _NEVER_BY_COUNT
    return connection._prepare_cursor(_PreparingCursor(raw))


_NEVER_BY_COUNT = 2**62


@contextmanager
def pipelined() -> Iterator[None]:
    """Send what the block sends without waiting for each answer, on PostgreSQL (psycopg's
    pipeline mode): a fetch, a commit and the end of the block wait for what came before.
    Around a transaction, its last statements whose results nobody fetches go in one
    round trip with its COMMIT."""
    if connection.vendor != "postgresql" or not psycopg.Pipeline.is_supported():
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


def quoted_table(model: type) -> str:
    """Return ``model``'s table name quoted for the default connection."""
    return connection.ops.quote_name(model._meta.db_table)


def quoted_column(model: type) -> Callable[[str], str]:
    """Return a function of a field's name giving its column quoted for the default
    connection, for written-out statements."""

    def column(name: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(name).column)

    return column


def converters_of(fields: Sequence[Field | None]) -> list[tuple[object, list]]:
    """Return each field's column and the converters the ORM applies to its values (none
    for ``None``: taken as it is), for a written-out statement's columns; found once per
    statement, as finding them cost as much as converting."""
    converters = []
    for field in fields:
        if field is None:
            converters.append((None, []))
            continue
        column = field.get_col(field.model._meta.db_table)
        converters.append(
            (
                column,
                [
                    *connection.ops.get_db_converters(column),
                    *column.get_db_converters(connection),
                ],
            )
        )
    return converters


def converted(converters: Sequence[tuple[object, list]], row: Sequence[object]) -> list[object]:
    """Return ``row`` converted column by column as the ORM converts each field's values
    (times and dates on SQLite, JSON, encrypted fields), ``converters`` from
    :func:`converters_of`."""
    values = []
    for (column, converters_of_column), value in zip(converters, row, strict=True):
        if value is not None:
            for converter in converters_of_column:
                value = converter(value, column, connection)
        values.append(value)
    return values
