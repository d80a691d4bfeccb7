"""Background jobs on a real Celery worker and broker (Redis in CI).

One test runs a whole campaign with no manual call: beat finds what is due,
the worker closes, settles and notifies. Another kills a worker process in the
middle of a settlement and shows the redelivered task completes it exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery.beat import EmbeddedService
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection

from config.celery import app
from equity import clock
from equity.escrow import ledger
from equity.escrow.models import Disbursement, LedgerTransaction
from equity.escrow.selectors import reconcile
from equity.escrow.tasks import settle_offering
from equity.investors.models import Subscription
from equity.offerings.models import Offering, OfferingState
from tests.investors.scenes import open_offering, purchaser
from tests.support.scale import funded_offering

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent


def _wait_for(condition: Callable[[], bool], seconds: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def _a_writer_is_inside_a_transaction() -> bool:
    """Return whether another connection holds an open write transaction on the database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )
            return cursor.fetchone()[0] > 0
    probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True  # the database is locked by a writer: the settlement is under way
    finally:
        probe.close()


@pytest.fixture
def real_broker() -> Iterator[None]:
    """Send tasks to the configured broker instead of running them inline."""
    app.conf.update(task_always_eager=False)
    app.control.purge()
    yield
    app.conf.update(task_always_eager=True)


def _sign(body: dict) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    digest = hmac.new(settings.PAYMENT_WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return raw, f"sha256={digest}"


def test_a_whole_campaign_runs_by_itself_on_a_real_worker(real_broker, api, tmp_path, mailoutbox):
    with clock.travel_to(datetime(2026, 9, 14, 13, 0, tzinfo=UTC)):
        offering = open_offering(
            price_cents=1_000, minimum_cents=20_000, maximum_cents=100_000, distribution_days=3
        )
        buyers = [purchaser(language=language) for language in ("fr", "en")]
        app.conf.beat_schedule = {
            "run-due-jobs": {"task": "equity.compliance.tasks.run_due_jobs", "schedule": 0.5}
        }
        beat = EmbeddedService(
            app, thread=True, schedule_filename=str(tmp_path / "celerybeat-schedule")
        )
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            beat.start()
            try:
                for buyer in buyers:
                    form = (
                        api(buyer)
                        .get(f"/api/v1/offerings/{offering.pk}/risk-acknowledgement")
                        .json()
                    )
                    response = api(buyer).post(
                        f"/api/v1/offerings/{offering.pk}/subscriptions",
                        {
                            "amount_cents": 15_000,
                            "risk_acknowledgement": {
                                "form_version": form["form_version"],
                                "statements": [s["code"] for s in form["statements"]],
                                "full_name": buyer.full_name,
                            },
                        },
                        format="json",
                    )
                    assert response.status_code == 201, response.json()
                    raw, signature = _sign(
                        {
                            "event_id": f"evt-{buyer.pk}",
                            "subscription_id": response.json()["id"],
                            "amount_cents": 15_000,
                            "status": "succeeded",
                        }
                    )
                    assert (
                        api()
                        .post(
                            "/api/v1/payments/notifications",
                            raw,
                            content_type="application/json",
                            HTTP_X_SIGNATURE=signature,
                        )
                        .status_code
                        == 200
                    )
                clock.advance(timedelta(days=3, hours=1))

                def settled() -> bool:
                    return Offering.objects.get(pk=offering.pk).state == OfferingState.CLOSED

                assert _wait_for(settled, 30), Offering.objects.get(pk=offering.pk).state
                assert _wait_for(lambda: len(mail.outbox) >= 4, 15), [
                    m.subject for m in mail.outbox
                ]
            finally:
                beat.stop()
    subjects = sorted(message.subject for message in mail.outbox)
    assert sum(("subscription" in s) or ("souscription" in s) for s in subjects) == 2, subjects
    assert sum(s.startswith(("Result", "Résultat")) for s in subjects) == 2, subjects
    assert Subscription.objects.filter(offering=offering, state="accepted").count() == 2
    payout = Disbursement.objects.get(offering=offering, kind="payout")
    assert payout.amount_cents == 30_000
    assert reconcile() == []


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a worker process (its own session, so its pool dies with it); log to a file."""
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _database_url() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        return (
            f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
            f"{connection.settings_dict['PORT'] or 5432}/{name}"
        )
    return f"sqlite:///{name}"


def test_a_settlement_killed_mid_way_is_redelivered_and_completes_exactly_once(
    real_broker, tmp_path
):
    offering = funded_offering(10_000)
    Offering.objects.filter(pk=offering.pk).update(state=OfferingState.CLOSING)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }

    first_log = tmp_path / "first-worker.log"
    first = _worker(env, first_log)
    try:
        settle_offering.delay(offering.pk)
        assert _wait_for(lambda: "settle_offering" in first_log.read_text(), 30)
        assert _wait_for(_a_writer_is_inside_a_transaction, 20, interval=0.005)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert Offering.objects.get(pk=offering.pk).state == OfferingState.CLOSING
        assert not LedgerTransaction.objects.filter(offering=offering, kind="acceptance").exists()

        second = _worker(env, tmp_path / "second-worker.log")
        try:
            closed = _wait_for(
                lambda: Offering.objects.get(pk=offering.pk).state == OfferingState.CLOSED, 60
            )
            assert closed, "the redelivered settlement did not complete"
            time.sleep(4)  # past another visibility timeout: a second delivery would show
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)

    assert LedgerTransaction.objects.filter(offering=offering, kind="acceptance").count() == 1
    assert Disbursement.objects.filter(offering=offering, kind="payout").count() == 1
    assert Subscription.objects.filter(offering=offering, state="accepted").count() == 10_000
    assert ledger.balances(offering.pk)["payable_to_issuer"] == offering.maximum_amount_cents
    assert reconcile() == []
