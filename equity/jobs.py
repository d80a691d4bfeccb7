"""Everything that falls due by the module's clock, in one idempotent sweep.

Celery beat runs :func:`run_due_jobs` every minute; the sandbox clock runs it
after moving time forward. Each step may run any number of times, at once on
several workers, with one effect: services lock and check state first, and
notices are recorded once per recipient and subject.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from equity import clock
from equity.compliance.audit import verify_chain
from equity.escrow.selectors import overdue_disbursements, reconcile
from equity.escrow.settlement import run_due_deadlines
from equity.investors import notifications
from equity.offerings.models import Offering, OfferingState

RECENTLY_SETTLED = timedelta(days=30)


def run_due_jobs() -> dict[str, int]:
    """Close, settle and fail what is due, then send every notice that is due."""
    done = run_due_deadlines()
    since = clock.now() - RECENTLY_SETTLED
    settled = Offering.objects.filter(
        state__in=(OfferingState.CLOSED, OfferingState.FAILED), closed_at__gte=since
    ).values_list("pk", flat=True)
    done["closing_results"] = sum(
        notifications.send_closing_results(offering_id=pk) for pk in list(settled)
    )
    done["withdrawal_reminders"] = notifications.send_withdrawal_reminders()
    done["refund_notices"] = notifications.send_refund_notices()
    done["overdue_alerts"] = chase_overdue_disbursements()
    done["filing_reminders"] = notifications.remind_filings_due()
    return done


def chase_overdue_disbursements() -> int:
    """Alert compliance officers of each payout or refund past its due time (R13)."""
    sent = 0
    for disbursement in overdue_disbursements():
        sent += notifications.alert_officers(
            kind="disbursement_overdue",
            reference=f"disbursement:{disbursement.pk}",
            subject=_("A %(kind)s is overdue") % {"kind": disbursement.get_kind_display()},
            body=_(
                "Disbursement %(id)s of %(cents)s cents was due by %(due)s and is not yet "
                "confirmed by the bank."
            )
            % {
                "id": disbursement.pk,
                "cents": disbursement.amount_cents,
                "due": disbursement.due_by.isoformat(),
            },
        )
    return sent


def nightly_integrity_check() -> dict[str, object]:
    """Verify the audit chain and reconcile the ledger; alert officers of any failure."""
    chain = verify_chain()
    differences = reconcile()
    today = clock.today().isoformat()
    if not chain.ok:
        notifications.alert_officers(
            kind="integrity_alert",
            reference=f"audit:{today}",
            subject=_("The audit chain is broken"),
            body=_("Event %(seq)s: %(reason)s.")
            % {"seq": chain.first_bad_seq, "reason": chain.reason},
        )
    if differences:
        notifications.alert_officers(
            kind="integrity_alert",
            reference=f"ledger:{today}",
            subject=_("The trust ledger does not reconcile"),
            body="\n".join(f"{d.offering_id or '-'}: {d.problem}" for d in differences),
        )
    return {"audit_ok": chain.ok, "ledger_differences": len(differences)}
