from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "equity.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from equity.documents import checks, signing  # noqa: F401 - register checks and receivers
