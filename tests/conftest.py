"""Personas, API clients and the suite-wide rules (no skipped test in CI)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from equity import clock
from equity.accounts.models import Role, User
from equity.compliance.models import Rulebook
from equity.compliance.shipped import install_shipped_rulebooks
from equity.investors.models import RiskAcknowledgementForm
from equity.investors.shipped import install_shipped_form
from tests.factories import IssuerFactory, PrincipalFactory, UserFactory

PASSWORD = "correct-horse-battery"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when any test was skipped and ``EQUITY_FAIL_ON_SKIP`` is set (CI)."""
    if os.environ.get("EQUITY_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = len(reporter.stats.get("skipped", [])) + len(reporter.stats.get("xfailed", []))
    if skipped:
        reporter.write_line(f"EQUITY_FAIL_ON_SKIP: {skipped} test(s) skipped; failing the run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _shipped_data(request: pytest.FixtureRequest) -> None:
    """Put the shipped data back after a transactional test flushed the database."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if transactional or {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        install_shipped_rulebooks(Rulebook)
        install_shipped_form(RiskAcknowledgementForm)


@pytest.fixture
def frozen_now() -> Iterator[datetime]:
    """Pin the module's clock at 2026-03-02 15:00 UTC for the test."""
    moment = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    with clock.travel_to(moment):
        yield moment


@pytest.fixture
def issuer_user(db) -> User:
    return UserFactory(role=Role.ISSUER, email="camille@velo-cargo.example", full_name="Camille")


@pytest.fixture
def other_issuer_user(db) -> User:
    return UserFactory(role=Role.ISSUER, email="autre@example.ca", full_name="Autre émetteur")


@pytest.fixture
def investor(db) -> User:
    return UserFactory(role=Role.INVESTOR, email="lea@example.ca", full_name="Léa Tremblay")


@pytest.fixture
def officer(db) -> User:
    return UserFactory(
        role=Role.COMPLIANCE_OFFICER,
        email="conformite@portail.example",
        full_name="Agente de conformité",
        is_staff=True,
    )


@pytest.fixture
def issuer(issuer_user):
    """An eligible Québec corporation with one founder."""
    company = IssuerFactory(owner=issuer_user, legal_name="Vélo-Cargo Québec inc.")
    PrincipalFactory(issuer=company, full_name="Camille Gagnon", is_founder=True, is_director=True)
    return company


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """Return a factory of API clients, authenticated as ``user`` when given."""

    def make(user: User | None = None, language: str = "en") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
