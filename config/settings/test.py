"""The test suite: fast hashing, in-memory mail, sandbox clock on."""

from __future__ import annotations

from .base import *  # noqa: F403

DEBUG = False
EQUITY_SANDBOX = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False

# A file, not shared-cache memory, so threads in the race tests get real
# IMMEDIATE transactions with a busy timeout (pytest-xdist suffixes the name).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test_equity.sqlite3")}  # noqa: F405
