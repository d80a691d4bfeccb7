"""Production: every secret from the environment, PostgreSQL, secure transport."""

from __future__ import annotations

from config.env import env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
EQUITY_FIELD_KEYS = env_list("EQUITY_FIELD_KEYS", [])  # no derived default in production
PAYMENT_WEBHOOK_SECRET = env_str("PAYMENT_WEBHOOK_SECRET")
EQUITY_SANDBOX = False  # never in production (CONTRACT.md, sandbox clock)
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
