"""``python manage.py init_signing_keys``: a local CA, signing key and TSA for development."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from equity.documents.keys import ALGORITHMS, development_keys_exist, write_development_pki


class Command(BaseCommand):
    help = (
        "Create a local certificate authority, the portal's signing key and a timestamp "
        "authority for development and the demo. Production names its own key, chain and "
        "timestamp authority in settings and never runs this."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="Where to write the PEM files (default: EQUITY_SIGNING_DIR).",
        )
        parser.add_argument(
            "--algorithm",
            choices=ALGORITHMS,
            default="ecdsa",
            help="Key type of the CA and the signer (the timestamp authority is always RSA).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace existing keys: documents signed before will no longer verify as trusted.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS:
            raise CommandError(
                "Development keys are disabled in these settings: production signs with "
                "EQUITY_SIGNING_KEY, EQUITY_SIGNING_CERT and EQUITY_TSA_URL."
            )
        directory = options["dir"] or Path(settings.EQUITY_SIGNING_DIR)
        if development_keys_exist(directory) and not options["force"]:
            self.stdout.write(f"Signing keys already in {directory}; nothing to do (--force).")
            return
        write_development_pki(directory, algorithm=options["algorithm"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Created a development CA, signing key ({options['algorithm']}) and "
                f"timestamp authority in {directory}."
            )
        )
