"""``Idempotency-Key`` for writes that create money obligations (P03, CONTRACT.md).

The first response to a key is stored in the same transaction as the write it
reports, so a crash never leaves a write without its record or a record
without its write. A repeat with the same key and body returns that response;
the same key with another body is refused with ``idempotency_key_reused``.
Two requests racing with one key: the database's unique constraint lets one
commit and rolls the other back whole, which then returns the winner's response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from equity import clock
from equity.compliance.models import IdempotencyRecord
from equity.exceptions import Conflict, InvalidInput
from equity.statements import prepared_cursor

MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(Conflict):
    """Raised when an ``Idempotency-Key`` comes back with a different request body."""

    code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used with a different request.")


def _fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: tuple[str, int, Any], fingerprint: str) -> Response:
    stored_fingerprint, status, body = record
    if stored_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Response(body, status=status)


def idempotent(
    *, user: Any, scope: str, key: str | None, body: Any, write: Callable[[], Response]
) -> Response:
    """Run ``write`` once per (user, scope, key) and return its first response ever after."""
    if key is None:
        return write()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput({"Idempotency-Key": [_("Between 1 and 255 characters.")]}, rule="P03")
    fingerprint = _fingerprint(body)
    record = _stored_record(user_id=user.pk, scope=scope, key=key)
    if record is not None:
        return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            response = write()
            _store_record(
                IdempotencyRecord(
                    user_id=user.pk,
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    response_status=response.status_code,
                    response_body=response.data,
                    created_at=clock.now(),
                )
            )
    except IntegrityError:
        record = _stored_record(user_id=user.pk, scope=scope, key=key)
        if record is None:
            raise
        return _replay(record, fingerprint)
    return response


# Written out, the lookup and the insert: every subscription over HTTP sends both, the
# insert with the offering's row lock held, and the ORM compiling them cost more than the
# database did. Values bound, names from the model.

_RECORD_FIELDS = [
    field for field in IdempotencyRecord._meta.concrete_fields if not field.primary_key
]
_RESPONSE_BODY = IdempotencyRecord._meta.get_field("response_body")


def _stored_record(*, user_id: int, scope: str, key: str) -> tuple[str, int, Any] | None:
    """Return the fingerprint, status and body stored for the key, None when there is none."""
    with prepared_cursor() as cursor:
        cursor.execute(_lookup_sql(), [user_id, scope, key])
        row = cursor.fetchone()
    if row is None:
        return None
    fingerprint, status, body = row
    return fingerprint, status, _RESPONSE_BODY.from_db_value(body, None, connection)


def _store_record(record: IdempotencyRecord) -> None:
    with prepared_cursor() as cursor:
        cursor.execute(
            _insert_sql(),
            [
                field.get_db_prep_save(getattr(record, field.attname), connection)
                for field in _RECORD_FIELDS
            ],
        )


@cache
def _lookup_sql() -> str:
    quote = connection.ops.quote_name
    column = _column_of
    return (
        f"SELECT {column('fingerprint')}, {column('response_status')}, "  # noqa: S608 - _meta
        f"{column('response_body')} FROM {quote(IdempotencyRecord._meta.db_table)} "
        f"WHERE {column('user')} = %s AND {column('scope')} = %s AND {column('key')} = %s"
    )


@cache
def _insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _RECORD_FIELDS)
    values = ", ".join(["%s"] * len(_RECORD_FIELDS))
    return f"INSERT INTO {quote(IdempotencyRecord._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608


def _column_of(name: str) -> str:
    return connection.ops.quote_name(IdempotencyRecord._meta.get_field(name).column)
