"""System checks: production must name its signing key, certificate and timestamp authority."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register()
def signing_configuration(app_configs, **kwargs) -> list[Error]:
    """Refuse to start without a usable signing configuration when keys may not be generated."""
    if settings.EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS:
        return []
    errors = []
    for name in ("EQUITY_SIGNING_KEY", "EQUITY_SIGNING_CERT", "EQUITY_TSA_URL"):
        if not getattr(settings, name):
            errors.append(
                Error(f"{name} must be set: documents are signed (PAdES B-T).", id="documents.E001")
            )
    for name in ("EQUITY_SIGNING_KEY", "EQUITY_SIGNING_CERT"):
        value = getattr(settings, name)
        if value and not Path(value).is_file():
            errors.append(Error(f"{name} names no file: {value}", id="documents.E002"))
    files = [*settings.EQUITY_SIGNING_CHAIN, *settings.EQUITY_SIGNING_TRUST_ROOTS]
    errors.extend(
        Error(f"No certificate file at {path}", id="documents.E002")
        for path in files
        if not Path(path).is_file()
    )
    if not settings.EQUITY_SIGNING_CHAIN and not settings.EQUITY_SIGNING_TRUST_ROOTS:
        errors.append(
            Error(
                "Name the signing certificate's root in EQUITY_SIGNING_TRUST_ROOTS or "
                "EQUITY_SIGNING_CHAIN, so documents can be verified.",
                id="documents.E003",
            )
        )
    return errors
