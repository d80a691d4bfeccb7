"""Typed readers of the environment, used only by the settings modules.

Each helper raises ``ImproperlyConfigured`` on a value it cannot parse, so a
typo in a deployment fails at start-up with the variable's name, never later.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


def env_str(name: str, default: str | object = _UNSET) -> str:
    """Return the variable ``name``, or ``default``; raise if unset without default."""
    value = os.environ.get(name)
    if value is not None:
        return value
    if default is _UNSET:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return str(default)


def env_bool(name: str, default: bool) -> bool:
    """Return the variable ``name`` read as a boolean (1/0, true/false, yes/no, on/off)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_int(name: str, default: int) -> int:
    """Return the variable ``name`` read as an integer."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the variable ``name`` split on commas, blanks dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, base_dir: Path) -> dict[str, object]:
    """Return a Django ``DATABASES`` entry for a ``postgres://`` or ``sqlite:///`` URL.

    SQLite runs its transactions in IMMEDIATE mode, so two writers never both
    read a total and then both add to it: the second waits for the first.
    """
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme in {"postgres", "postgresql"}:
        try:
            port = parts.port
            conn_max_age = int(options.pop("conn_max_age", 0))
        except ValueError as error:
            raise ImproperlyConfigured(f"DATABASE_URL has a malformed number: {error}") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "OPTIONS": options,
        }
    if parts.scheme == "sqlite":
        # sqlite:///relative.db is under the project; sqlite:////abs/path.db is absolute.
        path = unquote(parts.path)
        database = Path(path[1:]) if path.startswith("//") else base_dir / path.lstrip("/")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(database),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres:// or sqlite:///)."
    )
