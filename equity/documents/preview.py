"""Preview the offering document of terms not yet saved: unsigned, marked as a draft, never stored.

The preview goes the way of the real document (``services.offering_document_issue``):
the same facts (``facts.offering_facts``), the same template and stylesheet
(``rendering``), in one language. It differs only where a preview must: no
document id, no signature, no certification, a "draft — preview" mark on
every page, and nothing written to storage or to the database.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from equity import clock
from equity.compliance.selectors import rulebook_in_force
from equity.documents.content import Header
from equity.documents.facts import offering_facts
from equity.documents.models import DocumentKind
from equity.documents.rendering import html_to_pdf
from equity.offerings.models import Offering

PREVIEW_TEMPLATE = "offerings/issuer/offering_document_preview.html"
"""Extends the offering document's template: the mark, no signature line."""


def offering_document_preview(*, offering: Offering, certified_by: object) -> bytes:
    """Return the offering document of ``offering`` as it would open now, as an unsigned PDF.

    ``offering`` may be unsaved (the issuer's form as it stands); it is never
    saved. It is laid out in its own language, under the version of its
    rulebook in force today, as if opened now for its distribution period.
    """
    now = clock.now()
    if offering.rulebook_id is None:
        offering.rulebook = rulebook_in_force(code=offering.rulebook_code, as_of=now.date())
    if offering.pk is None:
        # A new draft has no amendments; an id the database never gives (0) lets the
        # facts ask for them without saving anything.
        offering.pk = 0
    facts = offering_facts(
        offering,
        version=1,
        opened_at=now,
        closes_at=now + timedelta(days=offering.distribution_days),
        certified_by=getattr(certified_by, "full_name", ""),
        certified_at=now,
    )
    header = Header(
        document_id=0, version=1, issued_at=now, portal_name=settings.EQUITY_PORTAL_NAME
    )
    language = "en" if offering.language == "en" else "fr"
    with translation.override(language):
        html = render_to_string(
            PREVIEW_TEMPLATE,
            {
                "offering": facts,
                "header": header,
                "language": language,
                "kind": DocumentKind.OFFERING_DOCUMENT,
            },
        )
    return html_to_pdf(html, language=language)
