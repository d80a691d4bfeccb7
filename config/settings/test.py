"""The test suite: fast hashing, in-memory mail, sandbox clock on."""

from __future__ import annotations

import os

from .base import *  # noqa: F403

DEBUG = False
EQUITY_SANDBOX = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run inline at commit; the tests that need a real worker start one.
CELERY_TASK_ALWAYS_EAGER = True

# A file, not shared-cache memory, so threads in the race tests get real
# IMMEDIATE transactions with a busy timeout (pytest-xdist suffixes the name).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    # One file per test process, so two suites running at once never share one.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "var" / f"test_equity_{os.getpid()}.sqlite3")  # noqa: F405
    }
