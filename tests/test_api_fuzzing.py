"""The API fuzzed from its own OpenAPI schema (schemathesis): every operation, as each
persona, with a bounded number of generated requests, valid and invalid.

No request may end in a server error, and every response must be one the schema
declares for the operation, with the declared content type and body shape. The
scene (an open offering with a subscription, a draft, a pending refund) gives the
generator real ids to use beside the random ones it makes up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from equity.accounts.models import Role
from equity.documents.models import Document
from equity.escrow.models import Disbursement
from equity.investors.services import subscription_create
from equity.offerings.models import Principal
from tests.factories import OfferingFactory, UserFactory
from tests.investors.scenes import open_offering, purchaser, signed_by

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {"anonymous": 5, "investor": 15, "issuer": 15, "officer": 15}
"""Generated requests per operation and strategy (random, invalid, the scene's ids)."""


@pytest.fixture
def wsgi_requests_keep_the_test_connection() -> Iterator[None]:
    """Let requests through the WSGI application run inside the test's transaction.

    Django closes the connection when a request finishes; the test client stops it
    from doing so, and this does the same for schemathesis' WSGI transport.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def scene(db, wsgi_requests_keep_the_test_connection) -> dict[str, object]:
    """Return the personas and the ids of what they own."""
    cache.clear()
    offering = open_offering(price_cents=1_000, minimum_cents=100_000, maximum_cents=1_000_000)
    investor = purchaser(full_name="Léa Tremblay")
    kept = subscription_create(
        offering_id=offering.pk,
        investor=investor,
        amount_cents=10_000,
        acknowledgement=signed_by(investor),
    )
    draft = OfferingFactory(issuer=offering.issuer)
    return {
        "anonymous": None,
        "investor": investor,
        "issuer": offering.issuer.owner,
        "officer": UserFactory(role=Role.COMPLIANCE_OFFICER, is_staff=True),
        "ids": {
            "offering_id": st.sampled_from([offering.pk, draft.pk]),
            "subscription_id": st.just(kept.pk),
            "issuer_id": st.just(offering.issuer_id),
            "principal_id": st.sampled_from(
                list(Principal.objects.values_list("pk", flat=True)) or [1]
            ),
            "document_id": st.sampled_from(
                list(Document.objects.values_list("pk", flat=True)) or [1]
            ),
            "disbursement_id": st.sampled_from(
                list(Disbursement.objects.values_list("pk", flat=True)) or [1]
            ),
        },
    }


def strategies(operation, known_ids: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """Return requests for ``operation``: valid ones, and invalid bodies, queries and headers.

    Path parameters are what the URL pattern ``<int:...>`` accepts, the scene's ids or
    made up: anything else is another URL, not a call of this operation (see below).
    """
    ids = {
        parameter.name: st.one_of(
            known_ids.get(parameter.name, st.nothing()), st.integers(0, 2**70)
        )
        for parameter in operation.path_parameters
    }
    return st.fixed_dictionaries(ids).flatmap(
        lambda fixed: st.one_of(
            operation.as_strategy(path_parameters=fixed),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, path_parameters=fixed),
        )
    )


@pytest.mark.parametrize("persona", list(EXAMPLES))
def test_no_request_ends_in_a_server_error_or_off_the_schema(persona, scene):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    user = scene[persona]
    headers = {"Accept-Language": "en"}
    if user is not None:
        headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    failures: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=strategies(operation, scene["ids"]))
        @settings(
            max_examples=EXAMPLES[persona],
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            fuzz()
        except Exception as failure:  # every operation is reported at the end
            failures.append(f"{operation.label} as {persona}: {failure}")

    assert not failures, "\n\n".join(failures)


# --- what the fuzzer found, kept as plain regressions --------------------------------


@pytest.mark.django_db
def test_an_id_past_64_bits_is_not_found_not_a_server_error(api, issuer_user):
    response = api(issuer_user).post(
        f"/api/v1/issuers/{2**70}/affiliates", {"issuer_id": 1}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_bank_statement_not_in_utf8_is_400_not_a_server_error(api, officer):
    upload = SimpleUploadedFile("statement.csv", b"\x89PNG\r\n\x1a\n", content_type="text/csv")

    response = api(officer).post(
        "/api/v1/escrow/bank-statements", {"file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


@pytest.mark.django_db
def test_timestamps_not_yet_reached_are_declared_nullable_in_the_schema(api, investor):
    schema = api(investor).get("/api/schema/?format=json").json()["components"]["schemas"]

    assert schema["OfferingOutput"]["properties"]["closed_at"]["nullable"] is True
    assert schema["SubscriptionOutput"]["properties"]["withdrawn_at"]["nullable"] is True
