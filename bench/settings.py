"""Settings of the web server the intake benchmark starts.

The test settings (the benchmark's throwaway database) as production runs a
request: without the sandbox clock (in sandbox mode every reading of the clock
is a query), and with tasks published to a broker rather than run inline
(what a worker does later, such as the confirmation e-mail, is not the
request's work; the broker here keeps them in memory, as ``bench.intake`` does).
"""

from __future__ import annotations

from config.settings.test import *  # noqa: F403

EQUITY_SANDBOX = False
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://localhost/"
