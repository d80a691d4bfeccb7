"""The Celery application; tasks live in each app's ``tasks.py``.

Every task acknowledges late and is rejected back to the queue if its worker
dies, so a killed worker's task runs again elsewhere; tasks are idempotent, so
running again has one effect. A task that hits a lost database connection is
retried with exponential backoff.
"""

from __future__ import annotations

import os

from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("equity")
app.config_from_object("django.conf:settings", namespace="CELERY")
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
