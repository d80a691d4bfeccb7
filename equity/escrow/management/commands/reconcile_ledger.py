"""``python manage.py reconcile_ledger``: check the trust ledger; exit 1 listing differences."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from equity.escrow.models import LedgerAccount
from equity.escrow.selectors import escrow_summary, reconcile
from equity.money import Money


class Command(BaseCommand):
    help = "Reconcile the trust ledger per offering and overall (R13, P01)."

    def handle(self, *args, **options) -> None:
        offering_ids = sorted(
            set(LedgerAccount.objects.values_list("offering_id", flat=True)),
            key=lambda pk: (pk is None, pk or 0),
        )
        self.stdout.write("| offering | paid in | released | refunded | held | balanced |")
        self.stdout.write("|---|---:|---:|---:|---:|---|")
        for offering_id in offering_ids:
            summary = escrow_summary(offering_id)
            figures = [
                Money(cents).format("en")
                for cents in (
                    summary.paid_in_cents,
                    summary.released_cents,
                    summary.refunded_cents,
                    summary.held_cents,
                )
            ]
            self.stdout.write(
                f"| {offering_id or 'unallocated'} | {' | '.join(figures)} | "
                f"{'yes' if summary.balanced else 'NO'} |"
            )
        differences = reconcile()
        if not differences:
            self.stdout.write(self.style.SUCCESS("The trust ledger reconciles."))
            return
        for difference in differences:
            self.stderr.write(
                self.style.ERROR(
                    f"offering {difference.offering_id or 'unallocated'}: {difference.problem}"
                )
            )
        raise SystemExit(1)
