"""Pages for issuers' representatives."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from equity.accounts.models import Role
from equity.offerings.models import Issuer
from equity.pages import role_required


@role_required(Role.ISSUER)
def dashboard(request: HttpRequest) -> HttpResponse:
    """List the representative's enterprises and their offerings."""
    issuers = Issuer.objects.filter(owner=request.user).prefetch_related("offerings")
    return render(request, "offerings/issuer/dashboard.html", {"issuers": issuers})
