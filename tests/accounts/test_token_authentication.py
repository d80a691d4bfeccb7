"""API token authentication (equity.accounts.authentication): DRF's scheme, its lookup
written out: the same user, the same refusals, one statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from equity.accounts.authentication import TokenAuthentication
from equity.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/subscriptions"


def _client(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_authenticates_its_user_with_every_field_as_the_orm_reads_it(investor):
    token = Token.objects.create(user=investor)

    with CaptureQueriesContext(connection) as queries:
        user, authenticated = TokenAuthentication().authenticate_credentials(token.key)

    assert len(queries) == 1
    stored = User.objects.get(pk=investor.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(stored, field.attname), field.name
    assert (authenticated.key, authenticated.user_id, authenticated.created) == (
        token.key,
        investor.pk,
        Token.objects.get(pk=token.key).created,
    )
    assert not user._state.adding and user._state.db == "default"


def test_an_api_request_with_a_token_is_answered_as_its_user(investor):
    token = Token.objects.create(user=investor)

    response = _client(token.key).get(ME)

    assert response.status_code == 200, response.json()


def test_an_unknown_token_is_refused_as_unauthenticated(investor):
    Token.objects.create(user=investor)

    response = _client("0" * 40).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"] == "Invalid token."
    assert response["WWW-Authenticate"] == "Token"


def test_the_token_of_a_deactivated_account_is_refused():
    user = UserFactory(is_active=False)
    token = Token.objects.create(user=user)

    response = _client(token.key).get(ME)

    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."
