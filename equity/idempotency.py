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
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from equity import clock
from equity.compliance.models import IdempotencyRecord
from equity.exceptions import Conflict, InvalidInput

MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(Conflict):
    """Raised when an ``Idempotency-Key`` comes back with a different request body."""

    code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used with a different request.")


def _fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Response(record.response_body, status=record.response_status)


def idempotent(
    *, user: Any, scope: str, key: str | None, body: Any, write: Callable[[], Response]
) -> Response:
    """Run ``write`` once per (user, scope, key) and return its first response ever after."""
    if key is None:
        return write()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput({"Idempotency-Key": [_("Between 1 and 255 characters.")]}, rule="P03")
    fingerprint = _fingerprint(body)
    record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if record is not None:
        return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            response = write()
            IdempotencyRecord.objects.create(
                user=user,
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                response_status=response.status_code,
                response_body=response.data,
                created_at=clock.now(),
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if record is None:
            raise
        return _replay(record, fingerprint)
    return response
