"""Personal data encrypted at rest with a rotating key set (Fernet through MultiFernet).

``EQUITY_FIELD_KEYS`` lists Fernet keys, newest first: values are encrypted
with the first and decrypted with any, so a new key is added at the front,
``python manage.py rotate_field_keys`` re-encrypts every value with it, and
the old key can then be retired.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("EQUITY_FIELD_KEYS must list at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured("EQUITY_FIELD_KEYS holds a non-Fernet key.") from None


def field_cipher() -> MultiFernet:
    """Return the cipher of the configured key set."""
    return _cipher(tuple(settings.EQUITY_FIELD_KEYS))


def encrypt(text: str) -> str:
    return field_cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return field_cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An encrypted value cannot be read with EQUITY_FIELD_KEYS: was a key retired "
            "before rotate_field_keys ran?"
        ) from None


class EncryptedDateField(models.TextField):
    """A date stored as a Fernet token; it cannot be filtered on, only read and written."""

    description = "A date encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> date | None:
        if value is None:
            return None
        return date.fromisoformat(decrypt(value))

    def to_python(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        return date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        value = self.to_python(value)
        return None if value is None else encrypt(value.isoformat())
