"""``python manage.py totp_code EMAIL``: an account's current second-factor code (sandbox)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from equity.accounts.services import sandbox_totp_code
from equity.exceptions import EquityError


class Command(BaseCommand):
    help = "Print the current TOTP code of an account's authenticator (only with EQUITY_SANDBOX)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, **options) -> None:
        try:
            self.stdout.write(sandbox_totp_code(email=options["email"], at=time.time()))
        except EquityError as error:
            raise CommandError(str(error.detail)) from error
