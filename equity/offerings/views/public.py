"""Pages anyone may open once they acknowledged the portal's status (R19)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from equity.accounts.views import portal_status_required
from equity.offerings.models import Offering


@portal_status_required
def offering_list(request: HttpRequest) -> HttpResponse:
    """List the open offerings."""
    offerings = Offering.objects.filter(state="open").select_related("issuer")
    return render(request, "offerings/list.html", {"offerings": offerings})
