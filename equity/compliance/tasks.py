"""Periodic jobs: thin, idempotent (see ``equity/jobs.py``)."""

from __future__ import annotations

from celery import shared_task

from equity import jobs


@shared_task(acks_late=True)
def run_due_jobs() -> dict[str, int]:
    """Run everything that falls due by the module's clock."""
    return jobs.run_due_jobs()


@shared_task(acks_late=True)
def nightly_integrity_check() -> dict[str, object]:
    """Verify the audit chain and reconcile the trust ledger; alert officers on failure."""
    return jobs.nightly_integrity_check()
