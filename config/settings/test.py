"""The test suite: fast hashing, in-memory mail, sandbox clock on."""

from __future__ import annotations

from .base import *  # noqa: F403

DEBUG = False
EQUITY_SANDBOX = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
