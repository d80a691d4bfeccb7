"""Who may open what: every web page and each method it accepts × every persona.

The personas and their scene are the API matrix's (tests/test_authorization_matrix.py),
with an offering in each state a page needs. The table is checked against the URL
resolver both ways: every page of the portal's namespaces and its root has a row for
each method it accepts, and every row names a page that exists, so a new page (or a
new form on a page) without a row fails.

*Allowed* means the request got past authorization: 200, a redirect to anything but
the sign-in page, or, for a POST with an empty form, 400, 409 or 422. *Denied* means a
redirect to the sign-in page for the anonymous visitor, and 403 or 404 for a signed-in
persona (404 where the object is not theirs to learn of; a signed-in persona sent to
sign in again is refused too). A denied request changes nothing.

Every persona has acknowledged the portal's status (R19), so that its redirect does not
hide the authorization; one test checks that redirect on every page behind it. The
Django test client skips CSRF checks; one test checks that a form without its token is
refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.views.decorators.http import require_http_methods

from equity import clock
from equity.accounts.models import PortalStatusAcknowledgement, User
from equity.accounts.services import portal_status_acknowledge
from equity.accounts.views import portal_status_required
from equity.compliance.models import AuditEvent
from equity.documents.models import Document
from equity.investors.models import Subscription
from equity.offerings.models import Issuer, Offering, OfferingAmendment, OfferingState, Principal
from tests.factories import OfferingFactory
from tests.investors.scenes import purchaser
from tests.support.web import signed_in
from tests.test_authorization_matrix import (
    EVERYONE,
    ISSUERS,
    OFFICER,
    OWNER,
    PERSONAS,
    PURCHASERS,
    SIGNED_IN,
    cast,
)

PAGES: dict[tuple[str, str], frozenset[str]] = {
    # The root. Read-only pages answer GET only (require_GET); a POST to them is 405.
    ("home", "GET"): EVERYONE,
    ("portal-status", "GET"): EVERYONE,
    ("portal-status", "POST"): EVERYONE,
    ("signup", "GET"): EVERYONE,
    ("signup", "POST"): EVERYONE,
    # django-allauth: signing in and out, the second factor.
    ("account_login", "GET"): EVERYONE,
    ("account_login", "POST"): EVERYONE,
    ("account_logout", "GET"): EVERYONE,
    ("account_logout", "POST"): EVERYONE,
    # The second factor's step serves only in the middle of a sign-in; outside one it
    # sends the anonymous to sign in and the signed-in home, having shown nothing.
    ("mfa_authenticate", "GET"): SIGNED_IN,
    ("mfa_authenticate", "POST"): SIGNED_IN,
    # Signed in, a persona is first asked for their password again (allauth's reauthentication).
    ("mfa_activate_totp", "GET"): SIGNED_IN,
    ("mfa_activate_totp", "POST"): SIGNED_IN,
    # The back office: staff only (the officer).
    ("admin:index", "GET"): OFFICER,
    ("admin:index", "POST"): OFFICER,
    # Public offering pages.
    ("offerings:list", "GET"): EVERYONE,
    ("offerings:detail", "GET"): EVERYONE,
    # The purchaser's pages.
    ("investors:dashboard", "GET"): PURCHASERS,
    ("investors:subscribe", "GET"): PURCHASERS,
    ("investors:subscribe", "POST"): PURCHASERS,
    ("investors:payment", "GET"): frozenset({"purchaser"}),
    ("investors:withdraw", "POST"): frozenset({"purchaser"}),
    # The issuer's desk.
    ("issuers:dashboard", "GET"): ISSUERS,
    ("issuers:issuer-create", "GET"): ISSUERS,
    ("issuers:issuer-create", "POST"): ISSUERS,
    ("issuers:issuer-detail", "GET"): OWNER,
    ("issuers:issuer-detail", "POST"): OWNER,
    ("issuers:offering-create", "GET"): ISSUERS,
    ("issuers:offering-create", "POST"): ISSUERS,
    ("issuers:offering-preview", "POST"): ISSUERS,
    ("issuers:offering-detail", "GET"): OWNER,
    ("issuers:offering-edit", "GET"): OWNER,
    ("issuers:offering-edit", "POST"): OWNER,
    ("issuers:offering-submit", "POST"): OWNER,
    ("issuers:offering-open", "POST"): OWNER,
    ("issuers:offering-amend", "POST"): OWNER,
    ("issuers:offering-close", "POST"): OWNER,
    ("issuers:offering-cancel", "POST"): OWNER,
    ("issuers:offering-register", "GET"): OWNER,
    # The compliance officers' console.
    ("officers:queue", "GET"): OFFICER,
    ("officers:offering", "GET"): OFFICER,
    ("officers:approve", "POST"): OFFICER,
    ("officers:reject", "POST"): OFFICER,
    ("officers:suspend", "POST"): OFFICER,
    ("officers:resume", "POST"): OFFICER,
    ("officers:cancel", "POST"): OFFICER,
    ("officers:override", "POST"): OFFICER,
    ("officers:money", "GET"): OFFICER,
    ("officers:group", "GET"): OFFICER,
    ("officers:audit", "GET"): OFFICER,
    ("officers:audit-verify", "POST"): OFFICER,
    ("officers:exports", "GET"): OFFICER,
    ("officers:export", "POST"): OFFICER,
    ("officers:sandbox-clock", "GET"): OFFICER,
    ("officers:sandbox-clock", "POST"): OFFICER,
}
"""(URL name, method) → the personas allowed; every other persona is denied."""

PAGE_NAMESPACES = {"offerings", "investors", "issuers", "officers"}
"""Every page of these namespaces, and every named page at the root, must have rows."""

OFFERING_IN_STATE = {
    "issuers:offering-edit": "draft",
    "issuers:offering-submit": "draft",
    "issuers:offering-open": "draft",
    "issuers:offering-register": "closed",
    "officers:approve": "under_review",
    "officers:reject": "under_review",
}
"""Pages shown for an offering in another state than the open one."""

EXPORT = {"name": "offerings", "file_format": "csv"}
"""The export downloaded in the matrix."""

WEB_METHODS = {"GET", "POST"}

_METHODS_GUARD = require_http_methods(["GET"])(lambda request: None).__code__
_PORTAL_STATUS_GUARD = portal_status_required(lambda request: None).__code__


def _decorated(view: Callable) -> Iterator[Callable]:
    """Yield the view and each function it wraps, outermost first."""
    while view is not None:
        yield view
        view = getattr(view, "__wrapped__", None)


def accepted_methods(view: Callable) -> set[str]:
    """Return the methods the view answers: its class's handlers or its decorator's list.

    A function view without ``require_http_methods`` answers both.
    """
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return {method for method in WEB_METHODS if hasattr(view_class, method.lower())}
    for function in _decorated(view):
        code = getattr(function, "__code__", None)
        if code is _METHODS_GUARD:
            cells = dict(zip(code.co_freevars, function.__closure__, strict=True))
            return set(cells["request_method_list"].cell_contents) & WEB_METHODS
    return set(WEB_METHODS)


def behind_portal_status(view: Callable) -> bool:
    """Return whether ``portal_status_required`` is among the view's decorators (R19)."""
    return any(
        getattr(function, "__code__", None) is _PORTAL_STATUS_GUARD for function in _decorated(view)
    )


def portal_pages() -> dict[str, URLPattern]:
    """Return the portal's own pages by URL name: its namespaces and its root, not the API."""
    found: dict[str, URLPattern] = {}
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in PAGE_NAMESPACES:
                for page in pattern.url_patterns:
                    assert page.name, f"the page {pattern.pattern}{page.pattern} has no name"
                    found[f"{pattern.namespace}:{page.name}"] = page
        elif not str(pattern.pattern).startswith("api/"):  # the API's schema and its docs
            found[pattern.name] = pattern
    return found


def url_arguments(name: str) -> list[str]:
    """Return the names of the page's URL arguments (none for allauth's and the admin's)."""
    page = portal_pages().get(name)
    if page is None:
        return []
    converters = getattr(page.pattern, "converters", None)
    return list(converters) if converters else list(page.pattern.regex.groupindex)


def test_every_page_and_method_has_a_row_and_every_row_a_page():
    named = set(portal_pages()) | {name for name, _ in PAGES}
    served = set()
    for name in named:
        view = resolve(
            reverse(name, kwargs={arg: EXPORT.get(arg, 1) for arg in url_arguments(name)})
        ).func
        served |= {(name, method) for method in accepted_methods(view)}

    assert served - set(PAGES) == set(), "pages without a row in the matrix"
    assert set(PAGES) - served == set(), "rows for pages (or methods) that are not served"


# --- the scene -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker) -> Iterator[dict[str, object]]:
    """Build the API matrix's scene once for the module, in a transaction rolled back after.

    Each test runs in a savepoint inside it (the ``db`` fixture), so what an allowed
    POST changes is undone before the next row. Opening the offering renders its
    document; the other states are set down directly.
    """
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        clock.travel_to(datetime(2026, 3, 2, 15, 0, tzinfo=UTC)),
    ):
        portal = cast()
        ids = portal["ids"]
        open_offering = Offering.objects.get(pk=ids["offering_id"])
        issuer, rulebook = open_offering.issuer, open_offering.rulebook
        now = clock.now()
        offerings = {
            "draft": OfferingFactory(issuer=issuer),
            "under_review": OfferingFactory(
                issuer=issuer,
                state=OfferingState.UNDER_REVIEW,
                rulebook=rulebook,
                submitted_at=now - timedelta(days=1),
            ),
            "closed": OfferingFactory(
                issuer=issuer,
                state=OfferingState.CLOSED,
                rulebook=rulebook,
                submitted_at=now - timedelta(days=80),
                approved_at=now - timedelta(days=75),
                opened_at=now - timedelta(days=70),
                closes_at=now - timedelta(days=10),
                closed_at=now - timedelta(days=10),
            ),
        }
        for user in portal["users"].values():
            if user is not None:
                portal_status_acknowledge(
                    user=user, language=user.language, ip_address=None, user_agent="pytest"
                )
        yield {
            **portal,
            "ids": {**ids, **EXPORT},
            "offerings": {state: offering.pk for state, offering in offerings.items()},
        }
        transaction.set_rollback(True)


def url_of(name: str, scene: dict[str, object]) -> str:
    values = dict(scene["ids"])
    if name in OFFERING_IN_STATE:
        values["offering_id"] = scene["offerings"][OFFERING_IN_STATE[name]]
    return reverse(name, kwargs={arg: values[arg] for arg in url_arguments(name)})


def client_of(user: User | None) -> Client:
    """Return a client signed in as ``user`` through the web session, status acknowledged."""
    if user is not None:
        return signed_in(user)
    client = Client()
    client.post(reverse("portal-status"), {"acknowledge": "yes"})
    return client


def snapshot() -> dict[str, object]:
    """Return what a refused request must leave as it was."""
    return {
        "audit events": AuditEvent.objects.count(),
        "users": User.objects.count(),
        "issuers": Issuer.objects.count(),
        "principals": Principal.objects.count(),
        "offerings": sorted(Offering.objects.values_list("pk", "state")),
        "amendments": OfferingAmendment.objects.count(),
        "subscriptions": sorted(Subscription.objects.values_list("pk", "state")),
        "documents": Document.objects.count(),
        "acknowledgements": PortalStatusAcknowledgement.objects.count(),
        "authenticators": Authenticator.objects.count(),
    }


SIGN_IN_PAGES = {reverse("account_login")}
ALLOWED_STATUSES = {"GET": {200, 302}, "POST": {200, 302, 400, 409, 422}}


def outcome(client: Client, method: str, response) -> str:
    """Return "allowed", "sign in" (sent to the sign-in page) or "denied" (403, 404)."""
    if response.status_code in {403, 404}:
        return "denied"
    assert response.status_code in ALLOWED_STATUSES[method], response.status_code
    if response.status_code != 302:
        return "allowed"
    target = urlsplit(response["Location"]).path
    if target == reverse("admin:login"):
        # The admin sends non-staff to its own sign-in, which refuses the signed-in.
        return outcome(client, "GET", client.get(response["Location"]))
    return "sign in" if target in SIGN_IN_PAGES else "allowed"


@pytest.mark.parametrize(("name", "method"), sorted(PAGES), ids=lambda value: value)
def test_each_persona_is_allowed_or_denied_as_the_page_matrix_says(scene, db, name, method):
    allowed = PAGES[(name, method)]
    url = url_of(name, scene)
    answers, actual = {}, {}
    # Denied personas first: an allowed request may change the scene (a withdrawal).
    for persona in sorted(PERSONAS, key=lambda persona: persona in allowed):
        client = client_of(scene["users"][persona])
        before = snapshot()
        response = getattr(client, method.lower())(url)
        answers[persona] = (response.status_code, response.get("Location", ""))
        actual[persona] = outcome(client, method, response)
        if persona not in allowed:
            assert snapshot() == before, f"{persona} was refused but changed something"

    expected = {
        persona: "allowed"
        if persona in allowed
        else "sign in"
        if persona == "anonymous"
        else "denied"
        for persona in PERSONAS
    }
    # A signed-in persona sent to sign in again is refused as well.
    actual = {
        persona: "denied" if result == "sign in" and persona != "anonymous" else result
        for persona, result in actual.items()
    }
    assert actual == expected, answers


def test_r19_every_page_behind_the_portal_status_sends_a_newcomer_to_it_first(scene, db):
    newcomer = purchaser()  # who has not acknowledged the portal's status
    guarded = sorted(
        name for name, page in portal_pages().items() if behind_portal_status(page.callback)
    )
    assert {"offerings:list", "offerings:detail", "investors:subscribe"} <= set(guarded)

    for name in guarded:
        url = url_of(name, scene)
        method = "GET" if (name, "GET") in PAGES else "POST"
        before = snapshot()
        response = getattr(signed_in(newcomer), method.lower())(url)

        assert response.status_code == 302, name
        assert response["Location"] == f"{reverse('portal-status')}?next={url}", name
        assert snapshot() == before, name


def test_a_page_form_without_its_csrf_token_is_refused_and_changes_nothing(scene, db):
    client = signed_in(scene["users"]["issuer"], client=Client(enforce_csrf_checks=True))
    before = snapshot()

    response = client.post(
        url_of("issuers:offering-cancel", scene), {"reason": "Le projet est abandonné."}
    )

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", ["home", "offerings:list"])
def test_read_only_pages_refuse_a_post_with_405(name, db):
    assert Client().post(reverse(name)).status_code == 405
