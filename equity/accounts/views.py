"""Account pages: sign-up, the portal's status (R19), and each role's start page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.utils import perform_login
from allauth.core import ratelimit
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET

from equity.accounts import services
from equity.accounts.forms import SignupForm
from equity.accounts.portal import portal_statement
from equity.exceptions import EquityError, InvalidInput
from equity.pages import page_language

PORTAL_STATUS_SESSION_KEY = "equity_portal_status_sha256"


def client_ip(request: HttpRequest) -> str | None:
    """Return the address the request came from, as the web server saw it."""
    return request.META.get("REMOTE_ADDR")


def portal_status_seen(request: HttpRequest) -> bool:
    """Return whether this visitor acknowledged the portal's current status (R19).

    A visitor who acknowledged before signing in has it recorded on their
    account at the first page they open signed in.
    """
    statement = portal_statement(page_language())
    user = request.user
    if not user.is_authenticated:
        return request.session.get(PORTAL_STATUS_SESSION_KEY) == statement.sha256
    if services.portal_status_acknowledged(user=user, language=statement.language):
        return True
    if request.session.get(PORTAL_STATUS_SESSION_KEY) == statement.sha256:
        services.portal_status_acknowledge(
            user=user,
            language=statement.language,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return True
    return False


def portal_status_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Show the portal's status before the wrapped page (R19)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not portal_status_seen(request):
            return redirect(f"{reverse('portal-status')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapped


def _safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class PortalStatusView(View):
    """Show the portal's status statement and record its acknowledgement (R19)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        statement = portal_statement(page_language())
        return render(
            request,
            "accounts/portal_status.html",
            {"statement": statement, "next": _safe_next(request, reverse("home"))},
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        statement = portal_statement(page_language())
        if request.POST.get("acknowledge") != "yes":
            messages.error(request, _("Please confirm that you have read the portal's status."))
            return self.get(request)
        request.session[PORTAL_STATUS_SESSION_KEY] = statement.sha256
        if request.user.is_authenticated:
            services.portal_status_acknowledge(
                user=request.user,
                language=statement.language,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        return redirect(_safe_next(request, reverse("home")))


class SignupView(View):
    """Open an investor or issuer account, then sign in (rate-limited per address)."""

    template_name = "accounts/signup.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"form": SignupForm(initial={"language": page_language()})},
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SignupForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        if not ratelimit.consume(request, action="signup"):
            form.add_error(None, _("Too many sign-ups from your address. Try again later."))
            return render(request, self.template_name, {"form": form}, status=429)
        data = form.cleaned_data
        try:
            user = services.account_register(
                email=data["email"],
                password=data["password"],
                role=data["role"],
                full_name=data["full_name"],
                province=data["province"],
                country="CA",
                birth_date=data["birth_date"],
                language=data["language"],
            )
        except InvalidInput as error:
            for field, problems in error.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            return render(request, self.template_name, {"form": form}, status=400)
        except EquityError as error:
            form.add_error(None, error.detail)
            return render(request, self.template_name, {"form": form}, status=error.status)
        return perform_login(request, user, redirect_url=reverse("home"))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each visitor to their start page: offerings, the issuer's desk or the review queue."""
    user = request.user
    if user.is_authenticated and user.is_compliance_officer:
        return redirect("officers:queue")
    if user.is_authenticated and user.is_issuer:
        return redirect("issuers:dashboard")
    return redirect("offerings:list")
