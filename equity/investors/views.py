"""Pages for purchasers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from equity.accounts.models import Role
from equity.accounts.views import portal_status_required
from equity.investors.models import Subscription
from equity.pages import role_required


@role_required(Role.INVESTOR)
@portal_status_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """List the purchaser's subscriptions."""
    subscriptions = Subscription.objects.filter(investor=request.user).select_related("offering")
    return render(request, "investors/dashboard.html", {"subscriptions": subscriptions})
