"""How django-allauth fits the module: where each role lands after signing in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Send each role to its own start page; sign-up goes through our own form."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return reverse("home")

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # The sign-up page is equity.accounts.views.SignupView, which calls
        # account_register (roles, birth date, audit); allauth's own is closed.
        return False
