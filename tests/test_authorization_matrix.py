"""Who may call what: every API route and method × every persona, allowed or denied.

The table is checked against the URL resolver both ways: a new route (or a new method
on a route) without a row fails, and so does a row for a route that no longer exists.
No route offers DELETE, PUT or PATCH (R20: records are superseded, never deleted).

*Allowed* means the call got past authorization: any answer but 401 and 403 (the
empty body usually makes it 400, 409 or 422). *Denied* means 401 for the anonymous
visitor and 403 or 404 for a signed-in persona (404 where the object's existence is
not theirs to learn). The payment webhook answers to its signature, not to a token:
every persona gets 401 without one.

The web pages have their own matrix, with the same personas and scene:
tests/test_page_authorization_matrix.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView

from equity.accounts.models import Role
from equity.documents.models import Document
from equity.escrow.models import Disbursement
from equity.escrow.services import payment_record
from equity.investors.services import subscription_create, subscription_withdraw
from equity.offerings.models import Principal
from tests.factories import IssuerFactory, UserFactory
from tests.investors.scenes import open_offering, purchaser, signed_by

PERSONAS = ["anonymous", "purchaser", "other_purchaser", "issuer", "other_issuer", "officer"]
EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}
PURCHASERS = frozenset({"purchaser", "other_purchaser"})
ISSUERS = frozenset({"issuer", "other_issuer"})
OWNER = frozenset({"issuer"})
OFFICER = frozenset({"officer"})
OWNER_OR_OFFICER = OWNER | OFFICER
SIGNATURE = frozenset()  # the webhook: no persona; see the module's docstring

API: dict[tuple[str, str], frozenset[str]] = {
    ("account-register", "POST"): EVERYONE,
    ("auth-token", "POST"): EVERYONE,
    ("issuer-create", "POST"): ISSUERS,
    ("issuer-detail", "GET"): OWNER_OR_OFFICER,
    ("issuer-cap", "GET"): OWNER_OR_OFFICER,
    ("issuer-affiliate-add", "POST"): OWNER_OR_OFFICER,
    ("principal-override", "POST"): OFFICER,
    ("offering-create", "POST"): ISSUERS,
    ("offering-detail", "GET"): EVERYONE,
    ("offering-submit", "POST"): OWNER,
    ("offering-approve", "POST"): OFFICER,
    ("offering-reject", "POST"): OFFICER,
    ("offering-open", "POST"): OWNER,
    ("offering-suspend", "POST"): OFFICER,
    ("offering-resume", "POST"): OFFICER,
    ("offering-cancel", "POST"): OWNER_OR_OFFICER,
    ("offering-amend", "POST"): OWNER,
    ("offering-close", "POST"): OWNER,
    ("offering-risk-acknowledgement", "GET"): PURCHASERS,
    ("subscription-create", "POST"): PURCHASERS,
    ("subscription-list", "GET"): SIGNED_IN,
    ("subscription-detail", "GET"): frozenset({"purchaser", "officer"}),
    ("subscription-withdraw", "POST"): frozenset({"purchaser"}),
    ("suitability-record", "POST"): OFFICER,
    ("offering-documents", "GET"): EVERYONE,
    ("document-download", "GET"): EVERYONE,
    ("document-verify", "POST"): EVERYONE,
    ("payment-notification", "POST"): SIGNATURE,
    ("offering-escrow", "GET"): OWNER_OR_OFFICER,
    ("offering-register", "GET"): OWNER_OR_OFFICER,
    ("disbursement-list", "GET"): OFFICER,
    ("disbursement-confirm", "POST"): OFFICER,
    ("bank-transfer-record", "POST"): OFFICER,
    ("bank-statement-import", "POST"): OFFICER,
    ("audit-events", "GET"): OFFICER,
    ("audit-verify", "GET"): OFFICER,
    ("sandbox-clock", "POST"): OFFICER,
}
"""(URL name, method) → the personas allowed; every other persona is denied."""

WRITE_METHODS_NEVER_OFFERED = {"DELETE", "PUT", "PATCH"}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: type[APIView]

    @property
    def methods(self) -> set[str]:
        return {
            method.upper() for method in self.view.http_method_names if hasattr(self.view, method)
        } - {
            "OPTIONS",
            "HEAD",
        }


def api_routes() -> dict[str, Route]:
    """Return every route under /api/v1/ by its URL name."""
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/")
    found: dict[str, Route] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                assert pattern.name, f"the API route {prefix}{pattern.pattern} has no name"
                view = pattern.callback.view_class
                found[pattern.name] = Route(pattern.name, prefix + str(pattern.pattern), view)

    walk(api.url_patterns, "/api/v1/")
    return found


def served() -> set[tuple[str, str]]:
    return {(route.name, method) for route in api_routes().values() for method in route.methods}


def test_every_api_route_and_method_has_a_row_and_every_row_a_route():
    assert served() - set(API) == set(), "routes without a row in the matrix"
    assert set(API) - served() == set(), "rows for routes that are not served"


def test_no_api_route_deletes_or_rewrites_a_record():
    offered = {method for _, method in served()}

    assert not offered & WRITE_METHODS_NEVER_OFFERED


# --- the calls -------------------------------------------------------------------------


def cast() -> dict[str, object]:
    """Return the personas and the ids of what they own, in an open campaign.

    The issuer's offering is open with the purchaser's subscription pending payment;
    another purchaser paid and withdrew (a refund to disburse); the other issuer
    owns an enterprise of their own. The page matrix builds on the same scene.
    """
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    owner = offering.issuer.owner
    buyer = purchaser(full_name="Léa Tremblay")
    subscription = subscription_create(
        offering_id=offering.pk,
        investor=buyer,
        amount_cents=10_000,
        acknowledgement=signed_by(buyer),
    )
    leaver = purchaser()
    withdrawn = subscription_create(
        offering_id=offering.pk,
        investor=leaver,
        amount_cents=10_000,
        acknowledgement=signed_by(leaver),
    )
    payment_record(
        event_id="evt_matrix",
        subscription_reference=str(withdrawn.pk),
        amount_cents=10_000,
        status="succeeded",
        source="processor",
    )
    subscription_withdraw(investor=leaver, subscription_id=withdrawn.pk)
    other_issuer = UserFactory(role=Role.ISSUER)
    IssuerFactory(owner=other_issuer)
    ids = {
        "offering_id": offering.pk,
        "issuer_id": offering.issuer_id,
        "subscription_id": subscription.pk,
        "principal_id": Principal.objects.filter(issuer=offering.issuer).values_list(
            "pk", flat=True
        )[0],
        "document_id": Document.objects.filter(offering=offering).values_list("pk", flat=True)[0],
        "disbursement_id": Disbursement.objects.values_list("pk", flat=True)[0],
    }
    return {
        "users": {
            "anonymous": None,
            "purchaser": buyer,
            "other_purchaser": purchaser(),
            "issuer": owner,
            "other_issuer": other_issuer,
            "officer": UserFactory(role=Role.COMPLIANCE_OFFICER, is_staff=True),
        },
        "ids": ids,
    }


@pytest.fixture
def portal(db, frozen_now) -> dict[str, object]:
    return cast()


def call(route: Route, method: str, user, ids: dict[str, int]):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}"
        )
    path = route.pattern
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value))
    assert "<" not in path, f"no id for {route.pattern}"
    send: Callable = getattr(client, method.lower())
    if method != "POST":
        return send(path)
    # An empty body: every route checks who is calling before what they sent.
    return send(path, {}, format="json")


def outcome(status: int) -> str:
    return "denied" if status in {401, 403} else "allowed"


@pytest.mark.parametrize(("name", "method"), sorted(API), ids=lambda value: value)
def test_each_persona_is_allowed_or_denied_as_the_matrix_says(portal, name, method):
    route = api_routes()[name]
    allowed = API[(name, method)]
    answers = {}
    # Denied personas first: an allowed call may change the scene (a cancellation).
    for persona in sorted(PERSONAS, key=lambda persona: persona in allowed):
        response = call(route, method, portal["users"][persona], portal["ids"])
        assert response.status_code < 500, (persona, response.status_code)
        answers[persona] = response.status_code

    expected = {persona: "allowed" if persona in allowed else "denied" for persona in PERSONAS}
    actual = {persona: outcome(status) for persona, status in answers.items()}
    # A denied signed-in persona may also get 404: it may not learn the object exists.
    for persona, status in answers.items():
        if persona not in allowed and persona != "anonymous" and status == 404:
            actual[persona] = "denied"
    assert actual == expected, answers
    if "anonymous" not in allowed:
        assert answers["anonymous"] == 401, answers
