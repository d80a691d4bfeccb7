"""Reviewing offerings: the queue, the per-rule checklist and the officer's decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from equity import clock
from equity.accounts.models import Role
from equity.compliance.charts import cap_chart
from equity.compliance.console import group_overview, offering_checklist, review_queue
from equity.compliance.forms import ApprovalForm, OverrideForm, ReasonForm
from equity.exceptions import EquityError
from equity.offerings.models import CANCELLABLE_STATES, Offering, OfferingState, Principal
from equity.offerings.selectors import issuer_group_ids
from equity.offerings.services import (
    offering_approve,
    offering_cancel,
    offering_reject,
    offering_resume,
    offering_suspend,
    principal_override_record,
)
from equity.pages import role_required, show_refusal

officer_only = role_required(Role.COMPLIANCE_OFFICER)


@dataclass(frozen=True, slots=True)
class Decision:
    """An officer's decision on an offering: when it is offered, its form, its service."""

    states: tuple[str, ...]
    form: Callable[..., forms.Form]
    perform: Callable[[Any, int, dict[str, Any]], object]
    done: str


def _reason_form(label: str, help_text: str = "") -> Callable[..., forms.Form]:
    return lambda *args, **kwargs: ReasonForm(*args, label=label, help_text=help_text, **kwargs)


DECISIONS = {
    "approve": Decision(
        states=(OfferingState.UNDER_REVIEW,),
        form=ApprovalForm,
        perform=lambda officer, pk, data: offering_approve(
            officer=officer, offering_id=pk, note=data["note"]
        ),
        done=gettext_lazy("The offering is approved; its issuer may now open it."),
    ),
    "reject": Decision(
        states=(OfferingState.UNDER_REVIEW,),
        form=_reason_form(
            gettext_lazy("Reason for the rejection"),
            gettext_lazy("The issuer reads it; the offering goes back to draft."),
        ),
        perform=lambda officer, pk, data: offering_reject(
            officer=officer, offering_id=pk, reason=data["reason"]
        ),
        done=gettext_lazy("The offering is sent back to its issuer as a draft."),
    ),
    "suspend": Decision(
        states=(OfferingState.OPEN,),
        form=_reason_form(
            gettext_lazy("Reason for the suspension"),
            gettext_lazy("No subscription is taken until the offering resumes."),
        ),
        perform=lambda officer, pk, data: offering_suspend(
            officer=officer, offering_id=pk, reason=data["reason"]
        ),
        done=gettext_lazy("The offering is suspended."),
    ),
    "resume": Decision(
        states=(OfferingState.SUSPENDED,),
        form=_reason_form(gettext_lazy("Reason for resuming")),
        perform=lambda officer, pk, data: offering_resume(
            officer=officer, offering_id=pk, reason=data["reason"]
        ),
        done=gettext_lazy("The offering is open again."),
    ),
    "cancel": Decision(
        states=tuple(CANCELLABLE_STATES),
        form=_reason_form(
            gettext_lazy("Reason for the cancellation"),
            gettext_lazy("Final: every cent held for the offering goes back to its purchasers."),
        ),
        perform=lambda officer, pk, data: offering_cancel(
            actor=officer, offering_id=pk, reason=data["reason"]
        ),
        done=gettext_lazy("The offering is cancelled; its purchasers will be refunded."),
    ),
}


def _offering(offering_id: int) -> Offering:
    return get_object_or_404(Offering.objects.select_related("issuer", "rulebook"), pk=offering_id)


@officer_only
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """List the offerings under review, oldest first, then the open, suspended and ended ones."""
    return render(request, "officers/queue.html", {"queue": review_queue(as_of=clock.now())})


def _render_review(
    request: HttpRequest,
    offering: Offering,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    checklist = offering_checklist(offering, as_of=clock.today())
    decisions = {
        action: bound.get(action) or decision.form(prefix=action)
        for action, decision in DECISIONS.items()
        if offering.state in decision.states
    }
    lines = [
        (
            line,
            bound.get(f"override-{line.principal.principal_id}")
            or OverrideForm(prefix=f"override-{line.principal.principal_id}")
            if line.overridable
            else None,
        )
        for line in checklist.lines
    ]
    return render(
        request,
        "officers/offering.html",
        {"offering": offering, "checklist": checklist, "lines": lines, "decisions": decisions},
        status=status,
    )


@officer_only
@require_GET
def offering_review(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Show the offering judged rule by rule, with the decisions its state allows."""
    return _render_review(request, _offering(offering_id))


def _decide(request: HttpRequest, offering_id: int, action: str) -> HttpResponse:
    offering = _offering(offering_id)
    decision = DECISIONS[action]
    form = decision.form(request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: correct the form below."))
        return _render_review(request, offering, bound={action: form}, status=400)
    try:
        decision.perform(request.user, offering.pk, form.cleaned_data)
    except EquityError as error:
        show_refusal(request, error)
    else:
        messages.success(request, str(decision.done))
    return redirect("officers:offering", offering_id=offering.pk)


@officer_only
@require_POST
def offering_approve_view(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Approve the offering under review, with an optional note."""
    return _decide(request, offering_id, "approve")


@officer_only
@require_POST
def offering_reject_view(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Send the offering under review back to draft, with a reason."""
    return _decide(request, offering_id, "reject")


@officer_only
@require_POST
def offering_suspend_view(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Suspend the open offering, with a reason."""
    return _decide(request, offering_id, "suspend")


@officer_only
@require_POST
def offering_resume_view(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Resume the suspended offering, with a reason."""
    return _decide(request, offering_id, "resume")


@officer_only
@require_POST
def offering_cancel_view(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Cancel the offering before it closes, with a reason."""
    return _decide(request, offering_id, "cancel")


@officer_only
@require_POST
def principal_override(request: HttpRequest, offering_id: int, principal_id: int) -> HttpResponse:
    """Record a reasoned override of a principal's R05 block, from an offering's review."""
    offering = _offering(offering_id)
    in_group = Principal.objects.filter(
        pk=principal_id, issuer_id__in=issuer_group_ids(offering.issuer_id)
    ).exists()
    if not in_group:
        raise Http404
    prefix = f"override-{principal_id}"
    form = OverrideForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, _("R05 — Nothing was changed: an override needs a reason."))
        return _render_review(request, offering, bound={prefix: form}, status=400)
    try:
        principal_override_record(
            officer=request.user, principal_id=principal_id, reason=form.cleaned_data["reason"]
        )
    except EquityError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("The override is recorded (R05)."))
    return redirect("officers:offering", offering_id=offering.pk)


@officer_only
@require_GET
def group(request: HttpRequest, issuer_id: int) -> HttpResponse:
    """Show an issuer group (R06): issuers, principals, offerings and cap usage (R08)."""
    overview = group_overview(issuer_id, as_of=clock.today())
    if overview is None:
        raise Http404
    chart = cap_chart(
        window_start=overview.usage.window_start,
        window_end=overview.usage.window_end,
        steps=[(step.closed_on, step.cumulative_cents) for step in overview.steps],
        reserved_cents=overview.usage.reserved_cents,
        cap_cents=overview.terms.issuer_cap_cents,
    )
    return render(request, "officers/group.html", {"overview": overview, "chart": chart})
