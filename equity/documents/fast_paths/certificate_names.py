"""RFC 4518 preparation of certificate name values, as asn1crypto does it, kept per string.

Installed in asn1crypto on import.
"""

from __future__ import annotations

import inspect
from functools import lru_cache

from asn1crypto import x509

_asn1crypto_ldap_string_prep = inspect.unwrap(x509.NameTypeAndValue._ldap_string_prep)


@lru_cache(maxsize=4096)
def _prepared(string: str) -> str:
    return _asn1crypto_ldap_string_prep(None, string)


def ldap_string_prep(self, string: str) -> str:
    """Prepare a name's value for comparison (RFC 4518) as asn1crypto does, once per string.

    asn1crypto's preparation is a function of the string alone (it never
    reads ``self``); a string it refuses raises again each time, since
    failures are not kept. Anything but a string is asn1crypto's to handle.
    """
    if type(string) is not str:
        return _asn1crypto_ldap_string_prep(self, string)
    return _prepared(string)


ldap_string_prep.__wrapped__ = _asn1crypto_ldap_string_prep
x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep
