"""Pages for issuers' representatives: their desk and their enterprises.

The offerings' pages are in ``issuer_offerings`` (the editor and its preview)
and ``issuer_actions`` (submitting, opening, amending, closing, cancelling,
the register). Every page is for issuers only and shows only the signed-in
representative's own enterprises: anyone else's id is a 404, so ids reveal
nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from equity import clock
from equity.accounts.models import Role
from equity.exceptions import EquityError
from equity.offerings.forms import (
    AddedPrincipalFormSet,
    IssuerForm,
    PrincipalFormSet,
    formset_with_one_more_row,
)
from equity.offerings.models import Issuer
from equity.offerings.selectors import (
    cap_used_percent,
    issuer_cap,
    issuer_desk,
    issuer_has_offering_in_progress,
    issuer_owned_by,
)
from equity.offerings.services.issuers import issuer_create, issuer_eligibility, issuer_update
from equity.pages import role_required, show_refusal

PRINCIPALS = "principals"
"""The formset prefix of the principals' rows."""


@require_GET
@role_required(Role.ISSUER)
def dashboard(request: HttpRequest) -> HttpResponse:
    """List the representative's enterprises, their offerings and each group's cap (R08)."""
    groups = issuer_desk(request.user, as_of=clock.today())
    return render(request, "offerings/issuer/dashboard.html", {"groups": groups})


@role_required(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def issuer_create_page(request: HttpRequest) -> HttpResponse:
    """Register an enterprise with its principals; its eligibility shows on its page."""
    status = 200
    if request.method == "GET":
        form = IssuerForm()
        principals = PrincipalFormSet(prefix=PRINCIPALS)
    elif "add_principal" in request.POST:
        form = IssuerForm(initial=request.POST.dict())
        principals = formset_with_one_more_row(PrincipalFormSet, request.POST, PRINCIPALS)
    else:
        form = IssuerForm(request.POST)
        principals = PrincipalFormSet(request.POST, prefix=PRINCIPALS)
        if form.is_valid() and principals.is_valid():
            try:
                issuer, eligibility = issuer_create(
                    owner=request.user, **form.profile(), principals=principals.principals()
                )
            except EquityError as error:
                show_refusal(request, error)
                status = error.status
            else:
                if eligibility.eligible:
                    messages.success(request, _("The enterprise is registered and eligible."))
                else:
                    messages.warning(
                        request,
                        _("The enterprise is registered, but rules stand in its way: see below."),
                    )
                return redirect("issuers:issuer-detail", issuer_id=issuer.pk)
        else:
            status = 400
    return render(
        request,
        "offerings/issuer/issuer_create.html",
        {"form": form, "principals": principals},
        status=status,
    )


def _issuer_page(
    request: HttpRequest,
    issuer: Issuer,
    *,
    form: IssuerForm | None = None,
    principals: AddedPrincipalFormSet | None = None,
    status: int = 200,
) -> HttpResponse:
    cap = issuer_cap(issuer, as_of=clock.today())
    return render(
        request,
        "offerings/issuer/issuer_detail.html",
        {
            "issuer": issuer,
            "issuer_principals": issuer.principals.prefetch_related("overrides").order_by("pk"),
            "eligibility": issuer_eligibility(issuer=issuer),
            "cap": cap,
            "used_percent": cap_used_percent(cap),
            "offerings": issuer.offerings.order_by("-created_at"),
            "editable": not issuer_has_offering_in_progress(issuer.pk),
            "form": form or IssuerForm(initial=IssuerForm.initial_of(issuer)),
            "principals": principals or AddedPrincipalFormSet(prefix=PRINCIPALS),
        },
        status=status,
    )


@role_required(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def issuer_detail(request: HttpRequest, issuer_id: int) -> HttpResponse:
    """Show an enterprise, its principals and eligibility (R01–R05); correct it, add principals."""
    issuer = issuer_owned_by(request.user, issuer_id)
    if issuer is None:
        raise Http404
    if request.method == "GET":
        return _issuer_page(request, issuer)
    if "add_principal" in request.POST:
        return _issuer_page(
            request,
            issuer,
            form=IssuerForm(initial=request.POST.dict()),
            principals=formset_with_one_more_row(AddedPrincipalFormSet, request.POST, PRINCIPALS),
        )
    form = IssuerForm(request.POST)
    principals = AddedPrincipalFormSet(request.POST, prefix=PRINCIPALS)
    if not (form.is_valid() and principals.is_valid()):
        return _issuer_page(request, issuer, form=form, principals=principals, status=400)
    try:
        issuer_update(
            actor=request.user,
            issuer_id=issuer.pk,
            **form.profile(),
            principals_added=principals.principals(),
        )
    except EquityError as error:
        show_refusal(request, error)
        return _issuer_page(request, issuer, form=form, principals=principals, status=error.status)
    messages.success(request, _("The enterprise's profile is saved."))
    return redirect("issuers:issuer-detail", issuer_id=issuer.pk)
