"""Pages anyone may open once they acknowledged the portal's status (R19)."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from equity import clock
from equity.accounts.views import portal_status_required
from equity.documents.models import DocumentKind
from equity.documents.selectors import public_documents
from equity.investors.forms import OfferingFilterForm
from equity.investors.selectors import open_offerings, public_offering, recently_ended_offerings
from equity.offerings.models import OfferingState, Principal, SecurityType

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


@require_GET
@portal_status_required
def offering_list(request: HttpRequest) -> HttpResponse:
    """List the open offerings, then those that ended lately, filtered by the visitor."""
    form = OfferingFilterForm(request.GET or None)
    filters = form.filters()
    return render(
        request,
        "offerings/list.html",
        {
            "form": form,
            "open_offerings": open_offerings(**filters),
            "ended_offerings": recently_ended_offerings(**filters),
            "now": clock.now(),
        },
    )


def _principal_roles(principal: Principal) -> list[str]:
    return [str(Principal._meta.get_field(f"is_{role}").verbose_name) for role in principal.roles]


@require_GET
@portal_status_required
def offering_detail(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Show an offering made available to purchasers: terms, documents, issuer, progress."""
    offering = public_offering(offering_id)
    if offering is None:
        raise Http404
    now = clock.now()
    issuer = offering.issuer
    user = request.user
    return render(
        request,
        "offerings/detail.html",
        {
            "offering": offering,
            "issuer": issuer,
            "principals": [
                (principal.full_name, _principal_roles(principal))
                for principal in issuer.principals.all()
            ],
            "documents": [
                {
                    **document,
                    "kind_label": DocumentKind(document["kind"]).label,
                    "language_name": LANGUAGE_NAMES[document["language"]],
                }
                for document in public_documents(offering)
            ],
            "annual_rate_percent": (
                Decimal(offering.annual_rate_bps) / 100
                if offering.security_type == SecurityType.DEBT
                else None
            ),
            "taking_subscriptions": (
                offering.state == OfferingState.OPEN and offering.closes_at > now
            ),
            "may_subscribe": user.is_authenticated and user.is_investor,
            "now": now,
        },
    )
