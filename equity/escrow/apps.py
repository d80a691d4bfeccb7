from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscrowConfig(AppConfig):
    name = "equity.escrow"
    label = "escrow"
    verbose_name = _("Trust ledger")
