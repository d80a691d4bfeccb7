"""The test suite: fast hashing, in-memory mail, sandbox clock on."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from config.env import env_str

from .base import *  # noqa: F403

DEBUG = False
EQUITY_SANDBOX = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The suite registers, signs in and subscribes far faster than a person; the test of
# the limits lowers them with override_settings.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(("token", "register", "subscribe"), "100000/min"),
}
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

# Documents: a throwaway signing PKI (created on first use) and the stored PDFs live in
# a directory of this test process. pytest-xdist workers end without running atexit, so
# each test process also sweeps the directories of test processes that have ended.
_DOCUMENTS_DIR = Path(tempfile.gettempdir()) / f"equity-test-documents-{os.getpid()}"


def _sweep_ended_test_processes() -> None:
    for directory in _DOCUMENTS_DIR.parent.glob("equity-test-documents-*"):
        pid = directory.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(directory, ignore_errors=True)
        except PermissionError:
            pass  # alive, another user's


_sweep_ended_test_processes()
atexit.register(shutil.rmtree, _DOCUMENTS_DIR, True)
EQUITY_SIGNING_DIR = _DOCUMENTS_DIR / "signing"
EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS = True
EQUITY_SIGNING_KEY = ""
EQUITY_TSA_URL = ""
_stored = STORAGES["documents"]  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "documents": {
        **_stored,
        "OPTIONS": {**_stored["OPTIONS"], "location": _DOCUMENTS_DIR / "files"},
    },
}

# The real-worker tests use this broker (CI sets Redis; so does this default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
