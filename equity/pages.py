"""What every web page shares: who may open it, and how a refusal is explained.

Pages are thin like the API: parse a form, call one service or selector,
render. A refused action (EquityError) is shown, never swallowed: each rule
that refused it is named with its plain-language reason (P04), and the page
is shown again with nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from equity.exceptions import ComplianceViolation, EquityError, InvalidInput


def page_language() -> str:
    """Return the language the page is shown in: ``fr`` (the default) or ``en`` (P05)."""
    return (get_language() or "fr")[:2]


@dataclass(frozen=True, slots=True)
class Refusal:
    """One reason an action was refused, as a page shows it."""

    rule: str | None
    code: str
    detail: str


def refusals_of(error: EquityError) -> list[Refusal]:
    """Return every reason carried by ``error``: each violated rule, or each field's problem."""
    if isinstance(error, ComplianceViolation):
        return [Refusal(v.rule, v.code, str(v.detail)) for v in error.violations]
    if isinstance(error, InvalidInput) and error.errors:
        return [
            Refusal(error.rule, error.code, f"{field}: {problem}")
            for field, problems in error.errors.items()
            for problem in (problems if isinstance(problems, list) else [problems])
        ]
    return [Refusal(error.rule, error.code, str(error.detail))]


def show_refusal(request: HttpRequest, error: EquityError) -> None:
    """Queue one error message per reason, each starting with its rule ID when it has one."""
    for refusal in refusals_of(error):
        text = f"{refusal.rule} — {refusal.detail}" if refusal.rule else refusal.detail
        messages.error(request, text, extra_tags=refusal.code)


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Let signed-in users with one of ``roles`` through; send others to sign in or refuse."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
