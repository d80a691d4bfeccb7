"""The offering's page for its issuer, the actions its state allows, and the closing's register.

Each action is a POST that calls one service and comes back to the
offering's page (PRG): with a success message, or with every rule that
refused it and nothing changed (P04).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from equity import clock
from equity.accounts.models import Role
from equity.escrow.settlement import offering_close
from equity.exceptions import EquityError
from equity.offerings.forms import AmendmentForm, CancellationForm
from equity.offerings.models import CANCELLABLE_STATES, Offering, OfferingState
from equity.offerings.selectors import closing_summary, offering_checklist, offering_progress
from equity.offerings.services.offerings import (
    offering_amend,
    offering_cancel,
    offering_open,
    offering_submit,
)
from equity.offerings.views.issuer_offerings import owned_offering
from equity.pages import role_required, show_refusal

CHECKLIST_STATES = (OfferingState.DRAFT, OfferingState.UNDER_REVIEW, OfferingState.APPROVED)
"""States in which the page shows R01–R12 as they stand today."""


def _offering_page(
    request: HttpRequest,
    offering: Offering,
    *,
    amendment_form: AmendmentForm | None = None,
    cancellation_form: CancellationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    checklist = (
        offering_checklist(offering, as_of=clock.today())
        if offering.state in CHECKLIST_STATES
        else []
    )
    return render(
        request,
        "offerings/issuer/offering_detail.html",
        {
            "offering": offering,
            "state_label": OfferingState(offering.state).label,
            "progress": offering_progress(offering),
            "checklist": checklist,
            "checklist_failed": any(check.status == "fail" for check in checklist),
            "amendment_form": amendment_form or AmendmentForm(),
            "cancellation_form": cancellation_form or CancellationForm(),
            "can_cancel": offering.state in CANCELLABLE_STATES,
        },
        status=status,
    )


@require_GET
@role_required(Role.ISSUER)
def offering_detail(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Show the offering's state, what may be done next, its subscriptions and documents."""
    return _offering_page(request, owned_offering(request, offering_id))


def _act(
    request: HttpRequest, offering_id: int, action: Callable[[Offering], object], success: str
) -> HttpResponse:
    offering = owned_offering(request, offering_id)
    try:
        action(offering)
    except EquityError as error:
        show_refusal(request, error)
    else:
        messages.success(request, success)
    return redirect("issuers:offering-detail", offering_id=offering.pk)


@role_required(Role.ISSUER)
@require_POST
def offering_submit_action(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Send the draft to a compliance officer (R01–R12 checked now)."""
    return _act(
        request,
        offering_id,
        lambda offering: offering_submit(actor=request.user, offering_id=offering.pk),
        _("The offering is submitted for review."),
    )


@role_required(Role.ISSUER)
@require_POST
def offering_open_action(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Open the approved offering: its document is certified, signed and posted (R16)."""
    return _act(
        request,
        offering_id,
        lambda offering: offering_open(actor=request.user, offering_id=offering.pk),
        _("The offering is open; its offering document is signed and posted."),
    )


@role_required(Role.ISSUER)
@require_POST
def offering_close_action(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Close the open offering early, the minimum being reached (R11)."""
    return _act(
        request,
        offering_id,
        lambda offering: offering_close(offering_id=offering.pk, actor=request.user),
        _("The offering is closing; it settles once every withdrawal window has ended."),
    )


@role_required(Role.ISSUER)
@require_POST
def offering_amend_action(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Amend the open offering's document; each subscriber may withdraw again (R14, R16)."""
    offering = owned_offering(request, offering_id)
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        return _offering_page(request, offering, amendment_form=form, status=400)
    try:
        amendment = offering_amend(
            actor=request.user,
            offering_id=offering.pk,
            summary=form.cleaned_data["summary"],
            changes=form.cleaned_data["changes"],
        )
    except EquityError as error:
        show_refusal(request, error)
        return _offering_page(request, offering, amendment_form=form, status=error.status)
    messages.success(
        request,
        _("Amendment %(number)s is recorded; %(count)s subscribers are notified.")
        % {"number": amendment.number, "count": amendment.subscribers_notified},
    )
    return redirect("issuers:offering-detail", offering_id=offering.pk)


@role_required(Role.ISSUER)
@require_POST
def offering_cancel_action(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Cancel the offering with a reason; every held cent goes back to its purchaser (R13)."""
    offering = owned_offering(request, offering_id)
    form = CancellationForm(request.POST)
    if not form.is_valid():
        return _offering_page(request, offering, cancellation_form=form, status=400)
    try:
        offering_cancel(
            actor=request.user, offering_id=offering.pk, reason=form.cleaned_data["reason"]
        )
    except EquityError as error:
        show_refusal(request, error)
        return _offering_page(request, offering, cancellation_form=form, status=error.status)
    messages.success(request, _("The offering is cancelled."))
    return redirect("issuers:offering-detail", offering_id=offering.pk)


@require_GET
@role_required(Role.ISSUER)
def offering_register(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Show the closing's totals, the securities register (R18) and the filings due (R17)."""
    offering = owned_offering(request, offering_id)
    try:
        summary = closing_summary(offering)
    except EquityError as error:
        show_refusal(request, error)
        return redirect("issuers:offering-detail", offering_id=offering.pk)
    return render(
        request,
        "offerings/issuer/offering_register.html",
        {"offering": offering, "summary": summary},
    )
