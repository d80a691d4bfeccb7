"""Where an offering's money stands: subscriptions, escrow, disbursements, reconciliation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from equity.accounts.models import Role
from equity.escrow.selectors import offering_money
from equity.offerings.models import Offering
from equity.pages import role_required


@role_required(Role.COMPLIANCE_OFFICER)
@require_GET
def offering_money_page(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Show the offering's subscriptions, escrow summary and disbursements (R13)."""
    offering = get_object_or_404(Offering.objects.select_related("issuer"), pk=offering_id)
    return render(
        request,
        "officers/money.html",
        {"offering": offering, "money": offering_money(offering.pk)},
    )
