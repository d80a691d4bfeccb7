"""The sandbox clock of CONTRACT.md: forward only, officers only, absent outside sandbox mode."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta

import pytest

from equity import clock
from equity.compliance.models import AuditEvent, SandboxClock

pytestmark = pytest.mark.django_db


def test_officer_moves_the_module_clock_forward(api, officer):
    before = clock.now()

    response = api(officer).post(
        "/api/v1/sandbox/clock", {"advance_seconds": 48 * 3600}, format="json"
    )

    assert response.status_code == 200
    answered = datetime.fromisoformat(response.json()["now"])
    assert timedelta(hours=48) <= answered - before < timedelta(hours=48, minutes=1)
    assert clock.now() - before >= timedelta(hours=48)
    assert AuditEvent.objects.get(action="sandbox.clock_advanced").data["seconds"] == 172_800


@pytest.mark.parametrize("seconds", [0, -60, 1.5, "3600", None])
def test_p04_the_clock_never_goes_back_and_takes_only_whole_seconds(api, officer, seconds):
    response = api(officer).post(
        "/api/v1/sandbox/clock", {"advance_seconds": seconds}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not SandboxClock.objects.filter(offset_seconds__gt=0).exists()
    assert not AuditEvent.objects.exists()


def test_only_a_compliance_officer_moves_the_clock(api, investor, issuer_user):
    for user in (investor, issuer_user):
        assert (
            api(user)
            .post("/api/v1/sandbox/clock", {"advance_seconds": 60}, format="json")
            .status_code
            == 403
        )
    assert (
        api().post("/api/v1/sandbox/clock", {"advance_seconds": 60}, format="json").status_code
        == 401
    )
    assert not SandboxClock.objects.filter(offset_seconds__gt=0).exists()


def test_without_sandbox_mode_the_endpoint_does_not_exist(api, officer, settings):
    settings.EQUITY_SANDBOX = False

    response = api(officer).post("/api/v1/sandbox/clock", {"advance_seconds": 60}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not SandboxClock.objects.exists()


def test_production_settings_never_enable_the_sandbox(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("EQUITY_SANDBOX", "true")
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", "y" * 40)
    production = importlib.import_module("config.settings.production")
    production = importlib.reload(production)

    assert production.EQUITY_SANDBOX is False
