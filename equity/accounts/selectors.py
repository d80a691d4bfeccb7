"""Reads of accounts."""

from __future__ import annotations

from functools import cache

from django.db import connection
from rest_framework.authtoken.models import Token

from equity.accounts.models import User
from equity.statements import converted, converters_of, prepared_cursor

_TOKEN_FIELDS = tuple(Token._meta.concrete_fields)
_USER_FIELDS = tuple(User._meta.concrete_fields)
_TOKEN_ATTNAMES = [field.attname for field in _TOKEN_FIELDS]
_USER_ATTNAMES = [field.attname for field in _USER_FIELDS]


def api_token_with_user(key: str) -> Token | None:
    """Return the API token ``key`` with its user loaded, None when there is none.

    What DRF's token authentication reads for every API request (one query, the
    user joined), written out and prepared: the ORM compiling it cost more than
    the rest of authenticating.
    """
    with prepared_cursor() as cursor:
        cursor.execute(_token_statement(), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = converted(_token_converters(), row)
    token = Token.from_db(connection.alias, _TOKEN_ATTNAMES, values[: len(_TOKEN_FIELDS)])
    token.user = User.from_db(connection.alias, _USER_ATTNAMES, values[len(_TOKEN_FIELDS) :])
    return token


@cache
def _token_statement() -> str:
    quote = connection.ops.quote_name
    token, user = quote(Token._meta.db_table), quote(User._meta.db_table)
    columns = [
        *(f"{token}.{quote(field.column)}" for field in _TOKEN_FIELDS),
        *(f"{user}.{quote(field.column)}" for field in _USER_FIELDS),
    ]
    user_of_token = quote(Token._meta.get_field("user").column)
    return (
        f"SELECT {', '.join(columns)} FROM {token} "  # noqa: S608 - names from _meta
        f"JOIN {user} ON {user}.{quote(User._meta.pk.column)} = {token}.{user_of_token} "
        f"WHERE {token}.{quote(Token._meta.pk.column)} = %s"
    )


@cache
def _token_converters() -> list[tuple[object, list]]:
    return converters_of([*_TOKEN_FIELDS, *_USER_FIELDS])
