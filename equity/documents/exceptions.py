"""The documents' branch of the exception tree (``equity.exceptions``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from equity.exceptions import EquityError


class DocumentTampered(EquityError):
    """Raised when a stored document no longer hashes to the SHA-256 recorded for it."""

    status = 500
    code = "document_tampered"
    default_detail = _(
        "The stored file no longer matches its record; it is withheld and the incident logged."
    )
