"""Production: every secret from the environment, PostgreSQL, secure transport."""

from __future__ import annotations

from config.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
# Fernet keys, newest first; never derived from another secret here. Without them the
# deploy check fails (equity.E001) and personal data can be neither written nor read.
EQUITY_FIELD_KEYS = env_list("EQUITY_FIELD_KEYS", [])
PAYMENT_WEBHOOK_SECRET = env_str("PAYMENT_WEBHOOK_SECRET")
# Only timestamped signatures (t=...,v1=...), fresh within the tolerance: no replays
# (equity/security.py). Set false only for a processor that cannot send them yet.
PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP = env_bool("PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP", True)
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env_int("PAYMENT_WEBHOOK_TOLERANCE_SECONDS", 300)
EQUITY_SANDBOX = False  # never in production (CONTRACT.md, sandbox clock)
# Each gunicorn (sync) worker keeps its connection between requests: opening a PostgreSQL
# connection per request costs more than the subscription it carries. A DATABASE_URL with
# ?conn_max_age=N still decides; a connection is checked before reuse after an error.
# (A psycopg pool, OPTIONS["pool"], would only help threaded workers: a sync worker holds
# one connection at a time.)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    if not DATABASES["default"]["CONN_MAX_AGE"]:  # noqa: F405
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# Documents are signed with the portal's own key and certificate chain and timestamped by
# a real RFC 3161 authority; keys are never generated here (`manage.py check` names what
# is missing). The trust roots verify both the signer's and the TSA's chains.
EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS = False
EQUITY_SIGNING_KEY = env_str("EQUITY_SIGNING_KEY", "")
EQUITY_SIGNING_KEY_PASSPHRASE = env_str("EQUITY_SIGNING_KEY_PASSPHRASE", "")
EQUITY_SIGNING_CERT = env_str("EQUITY_SIGNING_CERT", "")
EQUITY_SIGNING_CHAIN = env_list("EQUITY_SIGNING_CHAIN", [])
EQUITY_SIGNING_TRUST_ROOTS = env_list("EQUITY_SIGNING_TRUST_ROOTS", [])
EQUITY_TSA_URL = env_str("EQUITY_TSA_URL", "")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Older browsers refuse all framing; current ones follow the content security policy's
# frame-ancestors 'self' (equity/security.py), which lets our pages frame our own PDFs.
X_FRAME_OPTIONS = "DENY"

# Rate-limit counters (the API's throttles, allauth's limits) and sessions' cache must
# be shared by every web process: Redis, not the per-process memory cache.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("DJANGO_CACHE_URL", "redis://127.0.0.1:6379/1"),
    }
}
# The limits count per client address: behind the TLS proxy, read it from the proxy's
# X-Forwarded-For (set the number of proxies in front of the application).
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": env_int("DJANGO_NUM_PROXIES", 1)}  # noqa: F405
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_NUM_PROXIES", 1)
