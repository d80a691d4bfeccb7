"""The portal's status statement (R19), shown to every user before any offering.

The statement follows the portal's registration (EQUITY_PORTAL_REGISTERED_DEALER):
a portal that is not a registered dealer gives no advice and charges purchasers
no fee. Its text is hashed, so an acknowledgement names exactly what was shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class PortalStatement:
    registered_dealer: bool
    language: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def portal_statement(language: str) -> PortalStatement:
    """Return the portal's status statement in ``language`` (R19)."""
    registered = settings.EQUITY_PORTAL_REGISTERED_DEALER
    name = settings.EQUITY_PORTAL_NAME
    with translation.override(language):
        if registered:
            paragraphs = (
                _("%(portal)s is a funding portal operated by a registered dealer.")
                % {"portal": name},
                _(
                    "Before you invest more than the basic limit in an offering, the portal "
                    "determines whether the investment is suitable for you and records its "
                    "reasons."
                ),
            )
        else:
            paragraphs = (
                _("%(portal)s is a funding portal that is not registered as a dealer.")
                % {"portal": name},
                _(
                    "The portal gives no advice and does not tell you whether an investment "
                    "is suitable for you. It charges purchasers no fee."
                ),
            )
        paragraphs += (
            _(
                "Offerings on this portal are made under the start-up crowdfunding exemption "
                "(National Instrument 45-110). They are risky: you could lose all the money "
                "you invest, and you may never be able to resell your securities."
            ),
            _(
                "Your money is held in trust until the offering closes; it is returned in full "
                "if the offering does not reach its minimum."
            ),
        )
    return PortalStatement(registered_dealer=registered, language=language, paragraphs=paragraphs)
