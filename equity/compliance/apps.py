from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "equity.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from equity.security import protect_retained_records

        # Every process (server, workers, commands) loads the apps: from here on the
        # ORM refuses to delete a record within its retention period (R20).
        protect_retained_records()
