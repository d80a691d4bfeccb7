"""Settlement of an offering with many funded subscriptions: time, peak memory, queries.

The settlement is measured as production runs it: its transaction, which
publishes the closing documents job (the notice of closing, R21, and the
filing packages, R17) for a worker. The test settings would run that job
inline at commit, inside the measurement: rendering and signing the PDFs
took more time and queries than the settlement of 10,000 subscriptions.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.broker import tasks_published
from bench.table import Row
from equity import clock
from equity.escrow.settlement import offering_close
from tests.support.scale import funded_offering

TARGET_SECONDS = 10.0
TARGET_MEGABYTES = 300.0


def run(*, smoke: bool) -> list[Row]:
    size = 200 if smoke else 10_000
    with transaction.atomic():
        offering = funded_offering(size)
    with clock.travel_to(offering.closes_at + timedelta(seconds=1)), tasks_published():
        tracemalloc.start()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            settled = offering_close(offering_id=offering.pk)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert settled.state == "closed", settled.state
    megabytes = peak / 1_048_576
    label = f"{size:,} subscriptions"
    return [
        Row(
            "settlement",
            label,
            "time",
            f"{seconds:.2f} s",
            f"≤ {TARGET_SECONDS:.0f} s",
            seconds <= TARGET_SECONDS,
        ),
        Row(
            "settlement",
            label,
            "peak Python memory",
            f"{megabytes:.1f} MB",
            f"≤ {TARGET_MEGABYTES:.0f} MB",
            megabytes <= TARGET_MEGABYTES,
        ),
        Row("settlement", label, "queries", str(len(queries)), "constant", True),
        Row(
            "settlement",
            label,
            "process peak RSS (with the arrangement)",
            f"{resident_megabytes():.0f} MB",
            f"≤ {TARGET_MEGABYTES:.0f} MB",
            resident_megabytes() <= TARGET_MEGABYTES,
        ),
    ]


def resident_megabytes() -> float:
    """Return this process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
