from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfferingsConfig(AppConfig):
    name = "equity.offerings"
    label = "offerings"
    verbose_name = _("Offerings")
