"""Development on a laptop: SQLite, debug on, sandbox clock available."""

from __future__ import annotations

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
EQUITY_SANDBOX = env_bool("EQUITY_SANDBOX", True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Until the worker runs beside the server, background jobs run inline at commit.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
