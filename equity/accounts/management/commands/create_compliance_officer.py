"""``python manage.py create_compliance_officer --email E --password P``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from equity.accounts.services import compliance_officer_create
from equity.exceptions import EquityError


class Command(BaseCommand):
    help = "Create a compliance officer account (the only way to get one)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--full-name", default="")

    def handle(self, *args, email: str, password: str, full_name: str, **options) -> None:
        try:
            user = compliance_officer_create(email=email, password=password, full_name=full_name)
        except EquityError as error:
            raise CommandError(str(error.detail)) from None
        self.stdout.write(self.style.SUCCESS(f"Compliance officer {user.email} created."))
