"""Run every benchmark section against a fresh throwaway database and print one table.

    python -m bench            the full sizes (e.g. settlement of 10,000 subscriptions)
    python -m bench --smoke    small sizes, so CI proves the benchmarks still run
    python -m bench --only intake,checks    some sections only

``DATABASE_URL`` selects PostgreSQL as for the tests; the benchmark creates and
drops its own ``test_``-prefixed database. Each row shows a figure, its ratio
to the reference measured in the same run (a dash where there is none) and
its target. The exit status is 0 whether or not the targets are met: the
table reports them, CI only proves that every section still runs.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--smoke", action="store_true", help="small sizes for CI")
    parser.add_argument("--only", default="", help="comma-separated section names")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    # The table is the output; a log line per task run inline would bury it (and cost time).
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench.sections import SECTIONS

    setup_test_environment()
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows = []
        for name, section in SECTIONS.items():
            if args.only and name not in args.only.split(","):
                continue
            rows.extend(section(smoke=args.smoke))
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)
    print(f"Database: {connection.vendor}; sizes: {'smoke' if args.smoke else 'full'}\n")
    print("| benchmark | size | measure | value | ratio to reference | target | within target |")
    print("|---|---:|---|---:|---:|---:|---|")
    for row in rows:
        print(
            f"| {row.benchmark} | {row.size} | {row.measure} | {row.value} | {row.ratio} | "
            f"{row.target} | {verdict(row.ok)} |"
        )
    return 0


def verdict(ok: bool | None) -> str:
    """Return the last column: yes, NO, or a dash for a figure without a target."""
    if ok is None:
        return "—"
    return "yes" if ok else "NO"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
