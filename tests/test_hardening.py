"""Hardening (issue 9): the deploy check, rate limits, content security policy, no secret
in the repository."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from equity.documents.keys import write_development_pki
from equity.security import API_DOCS_POLICY, FRAMING_POLICY, SITE_POLICY

ROOT = Path(__file__).resolve().parent.parent


def production_environment(keys: Path) -> dict[str, str]:
    """Return the environment a production deployment gives the application."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "EQUITY_", "PAYMENT_", "DATABASE_URL"))
    }
    return {
        **environment,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "portail.example",
        "PAYMENT_WEBHOOK_SECRET": secrets.token_hex(32),
        "EQUITY_FIELD_KEYS": Fernet.generate_key().decode(),
        "EQUITY_SIGNING_KEY": str(keys / "signer.key.pem"),
        "EQUITY_SIGNING_CERT": str(keys / "signer.cert.pem"),
        "EQUITY_SIGNING_TRUST_ROOTS": str(keys / "ca.cert.pem"),
        "EQUITY_TSA_URL": "https://tsa.portail.example/tsr",
    }


def deploy_check(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- check --deploy ----------------------------------------------------------------


def test_the_deploy_check_is_clean_with_production_settings(tmp_path):
    write_development_pki(tmp_path)

    result = deploy_check(production_environment(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_refuses_production_without_field_keys(tmp_path):
    write_development_pki(tmp_path)
    environment = {**production_environment(tmp_path), "EQUITY_FIELD_KEYS": ""}

    result = deploy_check(environment)

    assert result.returncode != 0
    assert "equity.E001" in result.stderr


def test_the_deploy_check_warns_when_notifications_may_be_replayed(tmp_path):
    write_development_pki(tmp_path)
    environment = {**production_environment(tmp_path), "PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP": "0"}

    result = deploy_check(environment)

    assert result.returncode != 0
    assert "equity.W001" in result.stderr


def test_production_settings_refuse_to_start_without_secrets_from_the_environment():
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


# --- rate limits -------------------------------------------------------------------


def lowered(**rates: str):
    """Return override_settings that lowers the API's rate limits to ``rates``."""
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **rates,
            },
        }
    )


@pytest.fixture
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_token_requests_past_the_limit_are_refused_with_429(api, investor):
    body = {"email": investor.email, "password": "wrong-password-1"}
    with lowered(token="2/min"):
        statuses = [api().post("/api/v1/auth/token", body, format="json") for _ in range(3)]

    assert [response.status_code for response in statuses] == [401, 401, 429]
    refused = statuses[-1]
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_registrations_past_the_limit_are_refused_and_create_nothing(api, django_user_model):
    def register(number: int):
        body = {
            "email": f"nouvelle{number}@example.ca",
            "password": "correct-horse-battery",
            "role": "investor",
            "full_name": f"Nouvelle {number}",
            "province": "QC",
            "country": "CA",
            "birth_date": "1990-01-01",
        }
        return api().post("/api/v1/accounts/register", body, format="json")

    with lowered(register="1/hour"):
        first, second = register(1), register(2)

    assert (first.status_code, second.status_code) == (201, 429)
    assert not django_user_model.objects.filter(email="nouvelle2@example.ca").exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_subscriptions_past_the_limit_are_refused_per_purchaser(api, investor):
    with lowered(subscribe="1/min"):
        first = api(investor).post("/api/v1/offerings/999999/subscriptions", {}, format="json")
        second = api(investor).post("/api/v1/offerings/999999/subscriptions", {}, format="json")

    assert first.status_code != 429
    assert second.status_code == 429


@pytest.mark.django_db
def test_the_suite_runs_under_rates_no_test_reaches():
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    assert set(rates) == {"token", "register", "subscribe"}
    assert all(int(rate.split("/")[0]) >= 10_000 for rate in rates.values())


# --- content security policy -------------------------------------------------------


@pytest.mark.django_db
def test_pages_get_the_strict_content_security_policy(client):
    response = client.get("/comptes/login/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SITE_POLICY
    for directive in ("script-src 'self'", "style-src 'self'", "object-src 'none'"):
        assert directive in SITE_POLICY
    assert "unsafe-inline" not in SITE_POLICY


@pytest.mark.django_db
def test_the_api_docs_alone_get_their_own_policy(client):
    response = client.get("/api/docs/")

    assert response["Content-Security-Policy"] == API_DOCS_POLICY
    assert "connect-src 'self'" in API_DOCS_POLICY
    assert "frame-ancestors 'none'" in API_DOCS_POLICY


@pytest.mark.django_db
def test_api_responses_and_documents_only_say_who_may_frame_them(api):
    response = api().get("/api/v1/offerings/1")

    assert response["Content-Security-Policy"] == FRAMING_POLICY


@pytest.mark.django_db
def test_every_form_page_sets_a_csrf_token(client):
    response = client.get("/comptes/login/")

    assert "csrfmiddlewaretoken" in response.content.decode()
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


# --- no secret in the repository ---------------------------------------------------

PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
SECRET_NAME = re.compile(r"^(\w*(SECRET|PASSPHRASE|TOKEN)\w*|\w*_KEYS?)\s*=(?P<rest>.*)$", re.M)
LITERAL = re.compile(r"""["']([^"']*)["']""")


def tracked_files() -> list[Path]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
    )
    return [ROOT / name for name in listing.stdout.decode().split("\0") if name]


def test_no_private_key_is_tracked():
    files = tracked_files()
    assert len(files) > 50  # the listing worked

    holding_keys = [
        str(path.relative_to(ROOT))
        for path in files
        if path.is_file() and PRIVATE_KEY.search(path.read_bytes().decode("latin-1"))
    ]

    assert holding_keys == []


def test_settings_hard_code_only_clearly_named_development_secrets():
    literals = [
        (path.name, literal)
        for path in (ROOT / "config" / "settings").glob("*.py")
        for assignment in SECRET_NAME.finditer(path.read_text())
        for literal in LITERAL.findall(assignment["rest"])
        if literal
    ]
    environment_names = re.compile(r"^(DJANGO|EQUITY|PAYMENT)_[A-Z_]+$")
    defaults = [(name, value) for name, value in literals if not environment_names.match(value)]

    assert ("base.py", "development-webhook-secret") in defaults  # the scan sees defaults
    assert all("development" in value and name != "production.py" for name, value in defaults)
    production = (ROOT / "config" / "settings" / "production.py").read_text()
    for name in ("DJANGO_SECRET_KEY", "PAYMENT_WEBHOOK_SECRET"):
        assert f'env_str("{name}")' in production
