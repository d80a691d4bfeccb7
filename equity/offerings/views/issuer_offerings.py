"""The issuer's offering editor: draft, edit while a draft, and preview the offering document.

The preview renders the offering document from the form as it stands,
unsigned and marked as a draft (``equity.documents.preview``); it is never
stored. With JavaScript (``static/js/offering-preview.js``) it follows the
form in a frame; without, the form's "Preview" button opens it.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from equity.accounts.models import Role
from equity.documents.preview import offering_document_preview
from equity.exceptions import EquityError
from equity.offerings.forms import OfferingForm
from equity.offerings.models import Offering, OfferingState
from equity.offerings.selectors import offering_owned_by
from equity.offerings.services.offerings import offering_create, offering_update
from equity.pages import refusals_of, role_required, show_refusal


def owned_offering(request: HttpRequest, offering_id: int) -> Offering:
    """Return the signed-in representative's offering, or raise 404 for anyone else's."""
    offering = offering_owned_by(request.user, offering_id)
    if offering is None:
        raise Http404
    return offering


def _editor(
    request: HttpRequest, form: OfferingForm, offering: Offering | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "offerings/issuer/offering_form.html",
        {"form": form, "offering": offering},
        status=status,
    )


@role_required(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def offering_create_page(request: HttpRequest) -> HttpResponse:
    """Draft an offering for one of the representative's enterprises (R10–R12 checked now)."""
    if request.method == "GET":
        form = OfferingForm(owner=request.user, initial={"issuer": request.GET.get("issuer")})
        return _editor(request, form, None)
    form = OfferingForm(request.POST, owner=request.user)
    if not form.is_valid():
        return _editor(request, form, None, status=400)
    try:
        offering = offering_create(
            actor=request.user, issuer_id=form.cleaned_data["issuer"].pk, **form.terms()
        )
    except EquityError as error:
        show_refusal(request, error)
        return _editor(request, form, None, status=error.status)
    messages.success(request, _("The draft offering is saved."))
    return redirect("issuers:offering-detail", offering_id=offering.pk)


@role_required(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def offering_edit(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Change a draft's terms; past the draft they change only by amendment (R16)."""
    offering = owned_offering(request, offering_id)
    if request.method == "GET":
        if offering.state != OfferingState.DRAFT:
            messages.error(request, _("Only a draft can be edited."))
            return redirect("issuers:offering-detail", offering_id=offering.pk)
        return _editor(request, OfferingForm(owner=request.user, offering=offering), offering)
    form = OfferingForm(request.POST, owner=request.user, offering=offering)
    if not form.is_valid():
        return _editor(request, form, offering, status=400)
    try:
        offering_update(actor=request.user, offering_id=offering.pk, **form.terms())
    except EquityError as error:
        show_refusal(request, error)
        if offering.state != OfferingState.DRAFT:
            return redirect("issuers:offering-detail", offering_id=offering.pk)
        return _editor(request, form, offering, status=error.status)
    messages.success(request, _("The draft offering is saved."))
    return redirect("issuers:offering-detail", offering_id=offering.pk)


@role_required(Role.ISSUER)
@require_POST
@never_cache
@xframe_options_sameorigin
def offering_preview(request: HttpRequest) -> HttpResponse:
    """Return the offering document of the form's terms as an unsigned PDF marked as a draft."""
    form = OfferingForm(request.POST, owner=request.user)
    if not form.is_valid():
        return render(
            request, "offerings/issuer/offering_preview_invalid.html", {"form": form}, status=400
        )
    try:
        pdf = offering_document_preview(
            offering=form.unsaved_offering(created_by=request.user), certified_by=request.user
        )
    except EquityError as error:
        return render(
            request,
            "offerings/issuer/offering_preview_invalid.html",
            {"form": form, "refusals": refusals_of(error)},
            status=error.status,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="offering-preview.pdf"'
    return response
