"""Values every page template needs: the portal's name and status, and the menu."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

_MENUS = {
    "investor": [
        ("offerings:list", _("Offerings")),
        ("investors:dashboard", _("My investments")),
    ],
    "issuer": [
        ("issuers:dashboard", _("My enterprises")),
        ("offerings:list", _("Offerings")),
    ],
    "compliance_officer": [
        ("officers:queue", _("Review queue")),
        ("officers:audit", _("Audit trail")),
        ("officers:exports", _("Exports")),
        ("admin:index", _("Back office")),
    ],
}


def portal(request: HttpRequest) -> dict[str, object]:
    """Return the portal's name and status (R19) and the signed-in role's menu."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    menu = list(_MENUS.get(role, [("offerings:list", _("Offerings"))]))
    if role == "compliance_officer" and settings.EQUITY_SANDBOX:
        menu.insert(-1, ("officers:sandbox-clock", _("Sandbox clock")))
    return {
        "portal_name": settings.EQUITY_PORTAL_NAME,
        "portal_registered_dealer": settings.EQUITY_PORTAL_REGISTERED_DEALER,
        "portal_sandbox": settings.EQUITY_SANDBOX,
        "menu": menu,
    }
