"""Investor profiles: what R09 and the age of majority need to know about a purchaser."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InvestorProfile(models.Model):
    """The purchaser behind an investor account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="investor_profile",
        verbose_name=_("user"),
    )
    birth_date = models.DateField(_("birth date"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("investor profile")
        verbose_name_plural = _("investor profiles")

    def __str__(self) -> str:
        return str(self.user)
