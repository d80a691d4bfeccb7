"""The one clock of the module.

Every rule, deadline and audit event reads the time from :func:`now`, so time
can be faked in exactly one place:

* tests pin or move it with :func:`travel_to` / :func:`advance` (process-wide,
  so worker threads in race tests see the same instant);
* in sandbox mode (``EQUITY_SANDBOX``, never in production) an operator moves
  it forward through the API; the offset lives in the database so the web
  process and the background workers agree on the time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

_lock = threading.Lock()
_pinned: datetime | None = None


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    pinned = _pinned
    if pinned is not None:
        return pinned
    current = datetime.now(UTC)
    if settings.EQUITY_SANDBOX:
        current += _sandbox_offset()
    return current


def today() -> date:
    """Return the current date where the portal operates (``TIME_ZONE``)."""
    return timezone.localtime(now()).date()


def _sandbox_offset() -> timedelta:
    from equity.compliance.models import SandboxClock

    offset = SandboxClock.objects.values_list("offset_seconds", flat=True).first()
    return timedelta(seconds=offset or 0)


@contextmanager
def travel_to(moment: datetime) -> Iterator[None]:
    """Pin the clock at ``moment`` for the duration of the block (tests only)."""
    global _pinned
    if moment.tzinfo is None:
        raise ValueError("travel_to needs a timezone-aware datetime")
    with _lock:
        previous, _pinned = _pinned, moment.astimezone(UTC)
    try:
        yield
    finally:
        with _lock:
            _pinned = previous


def advance(delta: timedelta) -> datetime:
    """Move a pinned clock forward by ``delta`` and return the new instant (tests only)."""
    global _pinned
    if delta < timedelta(0):
        raise ValueError("the clock never goes back")
    with _lock:
        if _pinned is None:
            raise RuntimeError("advance() needs a pinned clock: use travel_to() first")
        _pinned += delta
        return _pinned


def add_business_days(moment: datetime, days: int) -> datetime:
    """Return ``moment`` plus ``days`` business days where the portal operates.

    Days are counted Monday to Friday on the portal's calendar (``TIME_ZONE``),
    keeping the wall-clock time; public holidays are not counted.
    """
    local = timezone.localtime(moment)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    wall_clock = datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(wall_clock, local.tzinfo).astimezone(UTC)
