"""``python manage.py verify_audit``: exit 0 if the chain is intact, else 1 and the bad event."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from equity.compliance.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit log and name the first altered event."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {report.events} events, head {report.head}."
                )
            )
            return
        self.stderr.write(
            self.style.ERROR(
                f"Audit chain broken at event {report.first_bad_seq}: {report.reason}."
            )
        )
        raise SystemExit(1)
