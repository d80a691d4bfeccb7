"""API authentication: DRF's token scheme, its lookup written out (see the selector)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from equity.accounts.models import User
from equity.accounts.selectors import api_token_with_user


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, answered and refused as DRF's own scheme does."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        token = api_token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
