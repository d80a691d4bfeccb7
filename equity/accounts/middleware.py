"""Compliance officers use the web pages only after a second factor (TOTP)."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

MFA_SESSION_FLAG = "equity_mfa_verified"
"""Set when an officer proves a TOTP code in this session (at login or when activating it)."""

# Pages an officer may reach before the second factor: the sign-in and MFA pages
# themselves, the language switch, static files and the token-authenticated API.
_OPEN_PREFIXES = ("/comptes/", "/i18n/", "/static/", "/api/")


def officer_mfa_verified(request: HttpRequest) -> bool:
    """Return whether this session's sign-in included a second factor."""
    if request.session.get(MFA_SESSION_FLAG):
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class OfficerMfaMiddleware:
    """Require TOTP for compliance officers on every page, the admin included.

    An officer without an authenticator is sent to set one up; an officer whose
    session was opened without the second factor is sent to sign in again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "is_compliance_officer", False)
            and not request.path.startswith(_OPEN_PREFIXES)
            and not officer_mfa_verified(request)
        ):
            has_totp = Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists()
            if not has_totp:
                messages.info(
                    request, _("Compliance officers must set up a second factor (TOTP) first.")
                )
                return redirect("mfa_activate_totp")
            messages.info(request, _("Sign in again with your authentication code."))
            return redirect("account_logout")
        return self.get_response(request)


def remember_mfa_proof(
    sender: object, request: HttpRequest | None = None, **kwargs: object
) -> None:
    """Mark the session as MFA-verified once the officer has proved a TOTP code."""
    if request is not None:
        request.session[MFA_SESSION_FLAG] = True


class UserLanguageMiddleware:
    """Show a signed-in person the pages in their own language until they switch (P05).

    The language switch sets Django's language cookie, which wins; without it,
    the account's language applies rather than the browser's. The API keeps
    answering in the request's Accept-Language (CONTRACT.md).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith("/api/")  # the API follows Accept-Language
            and user.language in dict(settings.LANGUAGES)
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
