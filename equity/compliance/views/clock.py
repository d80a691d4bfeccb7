"""The sandbox clock: move the module's time forward to run what falls due (sandbox only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from equity import clock
from equity.accounts.models import Role
from equity.compliance.forms import ClockAdvanceForm
from equity.compliance.services import sandbox_clock_advance
from equity.exceptions import EquityError
from equity.jobs import run_due_jobs
from equity.pages import role_required, show_refusal


@role_required(Role.COMPLIANCE_OFFICER)
@require_http_methods(["GET", "POST"])
def sandbox_clock(request: HttpRequest) -> HttpResponse:
    """Show the module's time and move it forward, then run what fell due, as the API does."""
    if not settings.EQUITY_SANDBOX:
        raise Http404
    form = ClockAdvanceForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "officers/clock.html", {"form": form, "now": clock.now()}, status=400
            )
        try:
            sandbox_clock_advance(seconds=form.seconds, actor=request.user)
        except EquityError as error:
            show_refusal(request, error)
        else:
            run_due_jobs()
            messages.success(
                request,
                _("The clock now reads %(now)s; what fell due has run.")
                % {"now": formats.date_format(timezone.localtime(clock.now()), "DATETIME_FORMAT")},
            )
        return redirect("officers:sandbox-clock")
    return render(request, "officers/clock.html", {"form": form, "now": clock.now()})
