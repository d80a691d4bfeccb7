"""The officers' exports: a page of downloads, each a CSV or a PDF, each download audited."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from equity.accounts.models import Role
from equity.compliance.exports import EXPORTS, FORMATS, export_download
from equity.exceptions import NotFound
from equity.pages import page_language, role_required


@role_required(Role.COMPLIANCE_OFFICER)
@require_GET
def exports_page(request: HttpRequest) -> HttpResponse:
    """List the exports, each downloadable as CSV or PDF."""
    exports = [(name, title) for name, (title, _build) in EXPORTS.items()]
    return render(request, "officers/exports.html", {"exports": exports, "formats": FORMATS})


@role_required(Role.COMPLIANCE_OFFICER)
@require_POST
def export_file(request: HttpRequest, name: str, file_format: str) -> HttpResponse:
    """Send one export as a file; the download is recorded in the audit trail.

    A POST, since the download writes an audit event; the file comes back directly.
    """
    try:
        export = export_download(
            officer=request.user,
            name=name,
            file_format=file_format,
            language=page_language(),
        )
    except NotFound:
        raise Http404 from None
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
