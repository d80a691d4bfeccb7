"""Pages for compliance officers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from equity.accounts.models import Role
from equity.offerings.models import Offering
from equity.pages import role_required


@role_required(Role.COMPLIANCE_OFFICER)
def queue(request: HttpRequest) -> HttpResponse:
    """List the offerings waiting for review."""
    offerings = Offering.objects.filter(state="under_review").select_related("issuer")
    return render(request, "officers/queue.html", {"offerings": offerings})


@role_required(Role.COMPLIANCE_OFFICER)
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Show the audit trail."""
    return render(request, "officers/audit.html", {})


@role_required(Role.COMPLIANCE_OFFICER)
def exports(request: HttpRequest) -> HttpResponse:
    """List the exports."""
    return render(request, "officers/exports.html", {})
