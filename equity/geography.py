"""Countries and provinces, checked against ISO 3166 (through pycountry)."""

from __future__ import annotations

from datetime import date
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


AGE_OF_MAJORITY = {
    "AB": 18,
    "MB": 18,
    "ON": 18,
    "PE": 18,
    "QC": 18,
    "SK": 18,
    "BC": 19,
    "NB": 19,
    "NL": 19,
    "NS": 19,
    "NT": 19,
    "NU": 19,
    "YT": 19,
}
"""Age of majority by Canadian province or territory (each province's statute)."""


def age_on(birth_date: date, day: date) -> int:
    """Return a person's age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday
