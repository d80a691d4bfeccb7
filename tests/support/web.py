"""Signing in to the web pages from tests."""

from __future__ import annotations

from django.test import Client

from equity.accounts.middleware import MFA_SESSION_FLAG


def signed_in(user, *, client: Client | None = None, second_factor: bool = True) -> Client:
    """Return a client signed in as ``user``; officers also pass the second factor by default.

    Passing the factor here stands for a TOTP code proved at sign-in; the sign-in
    itself with a real code is tested in tests/accounts/test_officer_mfa.py.
    """
    client = client or Client()
    client.force_login(user)
    if second_factor:
        session = client.session
        session[MFA_SESSION_FLAG] = True
        session.save()
    return client
