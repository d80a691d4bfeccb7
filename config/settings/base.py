"""Settings shared by every environment; each environment module imports these."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-never-used-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "equity.accounts",
    "equity.compliance",
    "equity.offerings",
    "equity.investors",
    "equity.escrow",
    "equity.documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "equity.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "equity.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "equity.accounts.middleware.OfficerMfaMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "equity.accounts.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///var/equity.sqlite3"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French is the default (P05); English by Accept-Language or the switch.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = BASE_DIR / "var" / "media"

# --- accounts on the web pages (django-allauth) -------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "equity.accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Failed logins are limited per address and per account; sign-ups per address.
ACCOUNT_RATE_LIMITS = {
    "login": env_str("EQUITY_RATE_LOGIN", "30/m/ip"),
    "login_failed": env_str("EQUITY_RATE_LOGIN_FAILED", "10/m/ip,5/300s/key"),
    "signup": env_str("EQUITY_RATE_SIGNUP", "20/h/ip"),
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("EQUITY_PORTAL_NAME", "La Ruche Investissement")
# Subscriptions through the web pages are limited per purchaser (the API has its own).
EQUITY_RATE_SUBSCRIBE = env_str("EQUITY_RATE_SUBSCRIBE", "30/h/user")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "equity.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "equity.rest.AutoSchema",
    "EXCEPTION_HANDLER": "equity.rest.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per user, or per address when anonymous (equity.rest.ScopedRateThrottle); the
    # counters live in the default cache, which production puts in Redis.
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("EQUITY_API_RATE_TOKEN", "10/min"),
        "register": env_str("EQUITY_API_RATE_REGISTER", "20/hour"),
        "subscribe": env_str("EQUITY_API_RATE_SUBSCRIBE", "30/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Equity crowdfunding compliance API",
    "DESCRIPTION": "Offerings, subscriptions, trust ledger and audit under NI 45-110.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The Swagger UI's files are served from here (no CDN; the policy allows 'self').
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# The module's own settings. Regulatory values live in rulebooks (data), not here.
# Fernet keys for personal data at rest, newest first (equity/crypto.py). The
# default derives one from the development SECRET_KEY; production sets its own.
EQUITY_FIELD_KEYS = env_list(
    "EQUITY_FIELD_KEYS",
    [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()],
)
# R19: whether the portal is a registered dealer that gives suitability advice.
EQUITY_PORTAL_REGISTERED_DEALER = env_bool("EQUITY_PORTAL_REGISTERED_DEALER", False)
EQUITY_PORTAL_NAME = env_str("EQUITY_PORTAL_NAME", "La Ruche Investissement")
# The trust account purchasers pay into (R13), shown on the payment instructions;
# without a holder the page gives the amount and reference and says the portal
# sends the account's details.
EQUITY_TRUST_ACCOUNT = {
    "holder": env_str("EQUITY_TRUST_ACCOUNT_HOLDER", ""),
    "bank": env_str("EQUITY_TRUST_ACCOUNT_BANK", ""),
    "institution": env_str("EQUITY_TRUST_ACCOUNT_INSTITUTION", ""),
    "transit": env_str("EQUITY_TRUST_ACCOUNT_TRANSIT", ""),
    "account": env_str("EQUITY_TRUST_ACCOUNT_NUMBER", ""),
}
# The payment processor signs its notifications with this secret (HMAC-SHA256).
PAYMENT_WEBHOOK_SECRET = env_str("PAYMENT_WEBHOOK_SECRET", "development-webhook-secret")

# --- documents (equity/documents) ---------------------------------------------
# Every generated PDF is signed (PAdES B-T) with the portal's key. Without
# EQUITY_SIGNING_KEY, development and tests sign with a local CA, signer and
# timestamp authority that `manage.py init_signing_keys` creates, or that are
# created on first use, under EQUITY_SIGNING_DIR. Production names its own key,
# certificate chain and timestamp authority (config/settings/production.py).
EQUITY_SIGNING_DIR = Path(env_str("EQUITY_SIGNING_DIR", str(BASE_DIR / "var" / "signing")))
EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS = env_bool("EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS", True)
EQUITY_SIGNING_KEY = env_str("EQUITY_SIGNING_KEY", "")  # PEM or DER private key (RSA or ECDSA)
EQUITY_SIGNING_KEY_PASSPHRASE = env_str("EQUITY_SIGNING_KEY_PASSPHRASE", "")
EQUITY_SIGNING_CERT = env_str("EQUITY_SIGNING_CERT", "")
EQUITY_SIGNING_CHAIN = env_list("EQUITY_SIGNING_CHAIN", [])  # intermediate and root certificates
EQUITY_SIGNING_TRUST_ROOTS = env_list("EQUITY_SIGNING_TRUST_ROOTS", [])  # for verification
EQUITY_TSA_URL = env_str("EQUITY_TSA_URL", "")  # RFC 3161; empty: the local development TSA
EQUITY_DOCUMENT_VERIFY_MAX_BYTES = env_int("EQUITY_DOCUMENT_VERIFY_MAX_BYTES", 20 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Signed documents, named by their SHA-256; never overwritten, never deleted.
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env_str("EQUITY_DOCUMENTS_DIR", str(BASE_DIR / "var" / "documents")),
            "file_permissions_mode": 0o444,
        },
    },
}
# --- end of documents ---------------------------------------------------------
EQUITY_SANDBOX = env_bool("EQUITY_SANDBOX", False)
EQUITY_AUDIT_VERIFY_CHUNK = env_int("EQUITY_AUDIT_VERIFY_CHUNK", 2000)
# Prepare a subscription's statements on PostgreSQL (equity/statements.py); off behind a
# connection pooler in transaction mode that cannot keep prepared statements.
EQUITY_PREPARED_STATEMENTS = env_bool("EQUITY_PREPARED_STATEMENTS", True)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 270)
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged task to another worker after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_BEAT_SCHEDULE = {
    "run-due-jobs": {
        "task": "equity.compliance.tasks.run_due_jobs",
        "schedule": env_int("EQUITY_JOBS_INTERVAL_SECONDS", 60),
    },
    "nightly-integrity-check": {
        "task": "equity.compliance.tasks.nightly_integrity_check",
        "schedule": crontab(hour=3, minute=17),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
