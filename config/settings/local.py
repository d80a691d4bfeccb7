"""Development on a laptop: SQLite, debug on, sandbox clock available."""

from __future__ import annotations

from config.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
EQUITY_SANDBOX = env_bool("EQUITY_SANDBOX", True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# No broker to install: `python3 dev.py run` starts a worker with beat beside the
# server, and they pass tasks through files under var/celery (kombu's filesystem
# transport). Set CELERY_BROKER_URL=redis://... to use Redis instead.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue = BASE_DIR / "var" / "celery"  # noqa: F405
    for _folder in ("queue", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),  # broadcasts (worker pings, beat)
        "store_processed": False,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")  # noqa: F405

# A made-up trust account, so that the demo's payment instructions read like real ones.
if not EQUITY_TRUST_ACCOUNT["holder"]:  # noqa: F405
    EQUITY_TRUST_ACCOUNT = {
        "holder": "La Ruche Investissement — compte en fiducie (démo)",
        "bank": "Caisse de démonstration",
        "institution": "815",
        "transit": "00000",
        "account": "0000000",
    }
