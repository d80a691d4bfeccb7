"""Countries and provinces, checked against ISO 3166 (through pycountry)."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def is_country(code: str) -> bool:
    """Return whether ``code`` is an ISO 3166-1 alpha-2 country code (``CA``)."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


@cache
def is_province(country: str, code: str) -> bool:
    """Return whether ``code`` is a subdivision of ``country`` (``QC`` of ``CA``)."""
    if not is_country(country) or not code or code != code.upper():
        return False
    return pycountry.subdivisions.get(code=f"{country}-{code}") is not None
