"""The Celery application; tasks live in each app's ``tasks.py``.

Every task acknowledges late and is rejected back to the queue if its worker
dies, so a killed worker's task runs again elsewhere; tasks are idempotent, so
running again has one effect. A task that hits a lost database connection is
retried with exponential backoff.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from functools import cached_property

from celery import Celery
from django.conf import settings
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class _CelerySettings(Mapping):
    """Django's settings, read once on first use into a plain mapping (Celery takes the
    ``CELERY_`` ones, as from ``django.conf:settings``).

    Given Django's settings object itself, Celery looks each key up in it on every use,
    several times per message published (a failed attribute lookup for every key left
    at its default), and that was a quarter of what publishing a message cost. Read
    lazily, as Django's settings may not be configured yet when this module is imported.
    """

    @cached_property
    def _values(self) -> dict[str, object]:
        return {name: getattr(settings, name) for name in dir(settings) if name.isupper()}

    def __getitem__(self, key: str) -> object:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


app = Celery("equity")
app.config_from_object(_CelerySettings(), namespace="CELERY")
app.conf.task_annotations = {
    "*": {
        "autoretry_for": (OperationalError, InterfaceError),
        "retry_backoff": True,
        "retry_backoff_max": 300,
        "retry_jitter": True,
        "max_retries": 5,
    }
}
app.autodiscover_tasks()
