"""``python manage.py rotate_field_keys``: re-encrypt personal data with the newest key."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from equity.investors.models import InvestorProfile


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of EQUITY_FIELD_KEYS."

    def handle(self, *args, **options) -> None:
        rotated = 0
        with transaction.atomic():
            for profile in InvestorProfile.objects.select_for_update().order_by("pk").iterator():
                # Reading decrypts with any listed key; saving encrypts with the first.
                profile.save(update_fields=["birth_date"])
                rotated += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} investor profile(s)."))
