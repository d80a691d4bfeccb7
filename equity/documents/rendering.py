"""Render a document template to PDF/A-3b with WeasyPrint, in one language.

Templates live in ``templates/documents/``: one per kind, sharing
``base.html`` and one stylesheet, ``document.css`` (A4 pages, embedded DejaVu
fonts, a footer with the document's id, version and page numbers on every
page). Every string goes through Django's translation machinery, so one
template serves French and English (P05).

The stylesheet holds nothing particular to a document (the footer reads the
id from the first line of the body), so it is parsed once per language and
process. Rendering never fetches anything: a URL in an issuer's text stays text.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

PDF_VARIANT = "pdf/a-3b"

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    """A file carried inside the PDF (PDF/A-3 associated file), e.g. a filed document."""

    name: str
    content: bytes
    description: str


@cache
def _font_configuration():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _stylesheet(language: str):
    import weasyprint

    with translation.override(language):
        css = render_to_string("documents/document.css", {"page": _("Page")})
    return weasyprint.CSS(string=css, font_config=_font_configuration())


def render_html(template: str, context: Mapping[str, object], *, language: str) -> str:
    """Return the HTML of ``template`` in ``language``."""
    with translation.override(language):
        return render_to_string(f"documents/{template}.html", {**context, "language": language})


def html_to_pdf(html: str, *, language: str, attachments: Sequence[EmbeddedFile] = ()) -> bytes:
    """Return ``html`` as a PDF/A-3b document with its fonts embedded."""
    import weasyprint

    files = [
        weasyprint.Attachment(
            string=item.content,
            name=item.name,
            description=item.description,
            relationship="Supplement",
        )
        for item in attachments
    ]
    # Renders take turns: they share the font configuration, and Pango's font map is
    # not safe to use from two threads at once.
    with _lock, warnings.catch_warnings():
        # PDF/A output leaves its sRGB profile's file handle to the garbage collector.
        warnings.filterwarnings("ignore", category=ResourceWarning, message=".*sRGB")
        # No protocol is allowed: a document never loads anything from outside.
        fetcher = weasyprint.URLFetcher(allowed_protocols=())
        return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
            pdf_variant=PDF_VARIANT,
            stylesheets=[_stylesheet(language)],
            font_config=_font_configuration(),
            attachments=files or None,
        )


def render_pdf(
    template: str,
    context: Mapping[str, object],
    *,
    language: str,
    attachments: Sequence[EmbeddedFile] = (),
) -> bytes:
    """Return ``template`` rendered in ``language`` as an unsigned PDF/A-3b document."""
    html = render_html(template, context, language=language)
    return html_to_pdf(html, language=language, attachments=attachments)
