"""``python manage.py load_demo``: load the demo scene once (a second run changes nothing)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from equity.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_issuers, demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load demo issuers, offerings and accounts (idempotent)."

    def handle(self, *args, **options) -> None:
        if demo_loaded():
            self.stdout.write("Demo data already loaded.")
        else:
            load_demo()
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded: {len(demo_issuers())} issuers.")
            )
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email:36} {account.description}")
        self.stdout.write(
            "The officer's second factor (TOTP): in another terminal, "
            f"`.venv/bin/python manage.py totp_code {DEMO_ACCOUNTS[0].email}` prints the code."
        )
