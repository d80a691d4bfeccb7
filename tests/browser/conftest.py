"""Browser tests: the real pages in Debian's headless Chromium, driven by Playwright.

Each test gets pages on the live test server (pytest-django's ``live_server``),
in French unless it asks otherwise, and writes a screenshot of every page it
looks at under ``artifacts/screenshots/<test name>/``. Chromium missing is an
error, never a skip.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = os.environ.get("EQUITY_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Start Chromium for one test.

    Playwright's sync API runs an event loop in this thread while it is started,
    so it lives only as long as the test: a loop left running would break later
    tests in the same process that run their own (pyHanko signs with asyncio.run).
    The test's own ORM calls are plain synchronous code, hence the flag.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()
        # With the loop running, Django keeps this thread's connections per context
        # (asgiref's Local), apart from the ones it closes when it drops the test
        # database: closed here, in that context, PostgreSQL is not left a session that
        # keeps the database from being dropped.
        connections.close_all()


class Screens:
    """Numbered full-page screenshots of one test, in the artifacts folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def take(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Screens:
    return Screens(ARTIFACTS / re.sub(r"[^\w-]", "_", request.node.name))


@pytest.fixture
def new_page(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """Return a factory of pages, each in its own browser context (its own cookies).

    A page that breaks the content security policy or throws a script error fails
    the test: the policy must never silently disable part of a page.
    """
    contexts = []
    problems: list[str] = []

    def make(locale: str = "fr-CA") -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == []


def totp_code(secret: str) -> str:
    """Return the authenticator app's current code for ``secret``."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the French sign-in page."""
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()


def acknowledge_portal_status(page: Page) -> None:
    """Tick and confirm the portal's status (R19) when the portal asks."""
    expect(page.get_by_role("heading", name="Avant de consulter les placements")).to_be_visible()
    page.get_by_label("J'ai lu et compris le statut du portail.").check()
    page.get_by_role("button", name="Continuer vers les placements").click()
