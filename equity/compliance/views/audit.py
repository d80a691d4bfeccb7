"""The audit trail (P02): the events, newest first, and the chain's verification."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from equity.accounts.models import Role
from equity.compliance.audit import verify_chain
from equity.compliance.forms import AuditFilterForm
from equity.compliance.selectors import audit_trail
from equity.pages import role_required

EVENTS_PER_PAGE = 50


@role_required(Role.COMPLIANCE_OFFICER)
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    """List the audit events, newest first, a page at a time, optionally of one subject."""
    form = AuditFilterForm(request.GET or None)
    subject = form.cleaned_data["subject"] if form.is_bound and form.is_valid() else None
    page = Paginator(audit_trail(subject=subject), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "officers/audit.html",
        {"form": form, "page": page, "subject": subject or ""},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@role_required(Role.COMPLIANCE_OFFICER)
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole chain and say whether it is intact, or where it was altered."""
    report = verify_chain()
    if report.ok:
        messages.success(
            request,
            _("The chain is intact: %(events)s events, head %(head)s.")
            % {"events": report.events, "head": report.head},
        )
    else:
        messages.error(
            request,
            _(
                "The chain is broken at event %(seq)s (%(reason)s); the %(events)s events "
                "before it are intact."
            )
            % {"seq": report.first_bad_seq, "reason": report.reason, "events": report.events},
        )
    return redirect("officers:audit")
