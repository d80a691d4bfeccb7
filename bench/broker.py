"""Where the benchmarks publish tasks: a broker in memory, as production publishes to Redis.

The test settings run every task inline at commit, so that a test sees its
effects. A benchmark of a request or a settlement measures what production
does in that request or transaction: it publishes its tasks, and a worker
renders and signs the documents later. The broker here keeps the messages in
memory, never runs them, and needs neither a worker nor Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from config.celery import app as celery_app

TASK_BROKER = "memory://localhost/"


@contextmanager
def tasks_published() -> Iterator[None]:
    """Publish tasks to the in-memory broker instead of running them inline."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, TASK_BROKER
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url = saved
