"""Hot-offering intake: sixteen purchasers at once subscribing to one offering, three ways.

* the reference: the bare SQL transaction (lock the offering row, sum the
  purchaser's live subscriptions, insert, add to the raised total), run by the
  driver itself (psycopg; sqlite3 with ``BEGIN IMMEDIATE``), one connection
  per purchaser, each in its own process;
* the service layer: ``subscription_create`` in sixteen processes, each with
  its own Django connection (as a deployment runs its workers: one process per
  worker, not sixteen threads sharing one interpreter);
* HTTP: ``POST /api/v1/offerings/{id}/subscriptions`` to gunicorn (two
  workers), from a load generator in another process (``bench.load_generator``).

The ways take turns, three rounds at full size (one at smoke size), and the
table shows each way's median round beside the reference's, so that a ratio
compares figures measured in the same minutes of a shared machine. Each race
gets its own twin of one open offering and the same requests, in the same
order per connection: every purchaser asks for $250 at a time ($500 at
smoke size), most up to
their R09 limit exactly, one in eight twice more (refused under R09), and the
offering's maximum is 95 % of what the limits allow (the last requests are
refused under R11). So every run must accept exactly the same number; after
each, the benchmark checks that the raised total equals the sum of the live
subscriptions and stays within the maximum, and that no purchaser passed the
limit. Throughput counts every request decided, accepted or refused.

The service layer and the web server run as production does: without the
sandbox clock (in sandbox mode each reading of the clock is a query), and
publishing their tasks to a broker instead of running them inline (the test
settings' way): the confirmation e-mail is a worker's job, not the request's.
The broker keeps the messages in memory, so no worker and no Redis are needed.
"""

from __future__ import annotations

import gc
import http.client
import json
import multiprocessing
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections
from django.db.models import Count, Sum
from django.test.utils import override_settings
from rest_framework.authtoken.models import Token

from bench.broker import tasks_published
from bench.table import Row, median, milliseconds, percentile, ratio
from equity import clock
from equity.accounts.models import Role, User
from equity.compliance.rules import purchaser_limit_cents
from equity.compliance.selectors import rulebook_in_force
from equity.exceptions import ComplianceViolation
from equity.investors.models import LIVE_STATES, InvestorProfile, Subscription
from equity.investors.selectors import purchaser_limit
from equity.investors.services import subscription_create
from equity.offerings.models import Offering
from tests.investors.scenes import open_offering, signed_by

BENCHMARK = "hot-offering intake"
CONCURRENCY = 16
PRICE_CENTS = 1_000
OVER_LIMIT_EVERY = 8
"""One purchaser in this many asks for more than the R09 limit allows."""
OVER_LIMIT_REQUESTS = 2
MAXIMUM_SHARE = 0.95
ACCEPTED = "accepted"
R09_REFUSAL = "purchaser_limit_exceeded"
R11_REFUSAL = "offering_maximum_reached"
SERVER_START_SECONDS = 60
REFERENCE_STATEMENTS = 4
ROUNDS = 3
"""Full size: each way runs this many times, taking turns; the table shows the median."""
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Race:
    """What one way of subscribing did: each request's outcome and latency, and the wall time."""

    seconds: float
    outcomes: list[str]
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return len(self.outcomes) / self.seconds


@dataclass(frozen=True, slots=True)
class Scene:
    """The purchasers, who asks when, and what every run must end with."""

    purchasers: list[User]
    tokens: list[str]
    requests: list[list[int]]
    """Per connection, the purchasers (indices) whose requests it sends, in order."""
    amount_cents: int
    """What every request asks for."""
    limit_cents: int
    maximum_cents: int

    @property
    def expected_accepted(self) -> int:
        return self.maximum_cents // self.amount_cents

    @property
    def request_count(self) -> int:
        return sum(len(sent) for sent in self.requests)


@dataclass(frozen=True, slots=True)
class Way:
    """One way of subscribing, and its throughput target as a share of the reference's."""

    name: str
    race: Callable[[Scene, int], Race]
    target: float | None


def run(*, smoke: bool) -> list[Row]:
    if smoke:
        scene = arrange(purchasers_per_connection=1, amount_cents=50_000)
        rounds = 1
    else:
        scene = arrange(purchasers_per_connection=8, amount_cents=25_000)
        rounds = ROUNDS
    base = open_offering(
        price_cents=PRICE_CENTS,
        minimum_cents=100_000,
        maximum_cents=scene.maximum_cents,
        distribution_days=60,
    )
    assert (
        purchaser_limit(offering=base, investor=scene.purchasers[0], terms=base.rulebook.terms)
        == scene.limit_cents
    )
    # One subscription before the races, counting its locked statements, also leaves in
    # this process what a long-running worker has after its first request (statements
    # written out, converters found, the broker's producer): the purchasers' processes
    # are forked from it, so none pays for its first request inside the measurement.
    locked = statements_locked(scene, base)
    driver = "psycopg" if connection.vendor == "postgresql" else "sqlite3, BEGIN IMMEDIATE"
    label = (
        f"{CONCURRENCY} at once, {len(scene.purchasers)} purchasers, "
        f"{scene.request_count:,} requests" + (f", median of {rounds} rounds" if rounds > 1 else "")
    )
    with web_server() as port:
        ways = (
            Way(f"reference: bare SQL transaction ({driver})", race_bare_sql, None),
            Way("service layer", race_service_layer, 0.5),
            Way("HTTP (gunicorn, 2 workers)", partial(race_http, port=port), 0.25),
        )
        races: dict[str, list[Race]] = {way.name: [] for way in ways}
        held: dict[str, list[tuple[bool, str]]] = {way.name: [] for way in ways}
        # The ways take turns, round after round, so that each ratio compares figures
        # measured within the same minute of a machine whose load comes and goes.
        for _ in range(rounds):
            for way in ways:
                offering_id = twin_of(base).pk
                race = way.race(scene, offering_id)
                races[way.name].append(race)
                held[way.name].append(limits_held(scene, offering_id, race))
    reference = races[ways[0].name]
    rows, checked = [], []
    for way in ways:
        rows += figures(label, way, races[way.name], reference)
        outcomes = held[way.name]
        summary = outcomes[-1][1] + (f" (each of {rounds} rounds)" if rounds > 1 else "")
        checked.append(
            Row(
                BENCHMARK,
                label,
                f"{way.name}: limits",
                summary,
                "none passed",
                all(ok for ok, _ in outcomes),
            )
        )
    return [
        *rows,
        *checked,
        Row(
            BENCHMARK,
            "one subscription",
            f"service layer: SQL statements with the offering locked "
            f"(reference: {REFERENCE_STATEMENTS})",
            str(locked),
            "—",
            None,
            ratio(locked, REFERENCE_STATEMENTS),
        ),
    ]


def figures(label: str, way: Way, races: list[Race], reference: list[Race]) -> list[Row]:
    """Return the throughput (the median round's), p50 and p99 (over every request of every
    round) of one way, each against the reference's."""
    throughput = median([race.throughput for race in races])
    reference_throughput = median([race.throughput for race in reference])
    if way.target is None:
        target, ok = "reference", True
    else:
        target = f"≥ {way.target}× reference"
        ok = throughput >= way.target * reference_throughput
    rows = [
        Row(
            BENCHMARK,
            label,
            f"{way.name}: throughput",
            f"{throughput:,.0f} subscriptions/s"
            + (
                f" (rounds: {', '.join(f'{race.throughput:,.0f}' for race in races)})"
                if len(races) > 1
                else ""
            ),
            target,
            ok,
            ratio(throughput, reference_throughput),
        )
    ]
    latencies = [latency for race in races for latency in race.latencies]
    reference_latencies = [latency for race in reference for latency in race.latencies]
    for name, fraction in (("p50", 0.5), ("p99", 0.99)):
        latency = percentile(latencies, fraction)
        rows.append(
            Row(
                BENCHMARK,
                label,
                f"{way.name}: {name} latency",
                milliseconds(latency),
                "—",
                None,
                ratio(latency, percentile(reference_latencies, fraction)),
            )
        )
    return rows


def arrange(*, purchasers_per_connection: int, amount_cents: int) -> Scene:
    """Create the purchasers (profile, API token) and decide who asks when."""
    count = CONCURRENCY * purchasers_per_connection
    password = make_password(None)
    purchasers = User.objects.bulk_create(
        [
            User(
                email=f"intake-{n}@example.ca",
                full_name=f"Acheteuse Intake {n}",
                password=password,
                role=Role.INVESTOR,
                province="QC",
                country="CA",
            )
            for n in range(count)
        ]
    )
    InvestorProfile.objects.bulk_create(
        [
            InvestorProfile(user=user, birth_date=date(1990, 5, 17), created_at=datetime.now(UTC))
            for user in purchasers
        ]
    )
    tokens = Token.objects.bulk_create(
        [Token(user=user, key=Token.generate_key()) for user in purchasers]
    )
    limit = purchaser_limit_cents(
        rulebook_in_force(code="ni45-110", as_of=clock.today()).terms,
        portal_is_registered_dealer=settings.EQUITY_PORTAL_REGISTERED_DEALER,
        suitability_recorded=False,
    )
    within = limit // amount_cents
    requests = []
    asked = []
    for lane in range(CONCURRENCY):
        mine = [lane * purchasers_per_connection + k for k in range(purchasers_per_connection)]
        wants = {
            p: within + (OVER_LIMIT_REQUESTS if (lane + k) % OVER_LIMIT_EVERY == 7 else 0)
            for k, p in enumerate(mine)
        }
        requests.append(
            [p for turn in range(within + OVER_LIMIT_REQUESTS) for p in mine if turn < wants[p]]
        )
        asked += [min(want, within) for want in wants.values()]
    allowed = sum(asked) * amount_cents
    maximum = int(allowed * MAXIMUM_SHARE) // amount_cents * amount_cents
    return Scene(
        purchasers, [token.key for token in tokens], requests, amount_cents, limit, maximum
    )


def twin_of(offering: Offering) -> Offering:
    """Return a new open offering with the same terms, nothing raised."""
    twin = Offering.objects.get(pk=offering.pk)
    twin.pk = None
    twin._state.adding = True
    twin.save()
    return twin


def send_at_once(
    scene: Scene, session: Callable[[], AbstractContextManager[Callable[[int], str]]]
) -> Race:
    """Send every connection's requests at once, each connection from its own process;
    ``session`` opens one connection and yields the function that sends one purchaser's
    request and returns its outcome.

    Processes, as a deployment runs its web and task workers: sixteen threads of one
    process would measure its GIL (a thread holding the offering lock waits for the
    interpreter while others run Python), not the transaction. The reference runs the
    same way. The processes are forked with no database connection open, so each
    opens its own, and each freezes what it inherited out of the garbage collector's
    reach, as a web worker does once it has loaded the application (config/wsgi.py).
    """
    processes = multiprocessing.get_context("fork")
    barrier = processes.Barrier(CONCURRENCY)
    finished = processes.Queue()

    def lane(index: int) -> None:
        gc.freeze()
        try:
            with session() as subscribe:
                barrier.wait(timeout=60)
                started = time.perf_counter()  # CLOCK_MONOTONIC: one clock for every process
                results = []
                for purchaser in scene.requests[index]:
                    sent = time.perf_counter()
                    outcome = subscribe(purchaser)
                    results.append((outcome, time.perf_counter() - sent))
            finished.put((index, started, time.perf_counter(), results, ""))
        except BaseException:  # reported by the parent, which raises it
            barrier.abort()
            finished.put((index, 0.0, 0.0, [], traceback.format_exc()))

    connections.close_all()
    lanes = [processes.Process(target=lane, args=(index,)) for index in range(CONCURRENCY)]
    for process in lanes:
        process.start()
    reports = sorted(finished.get(timeout=900) for _ in lanes)
    for process in lanes:
        process.join()
    failures = [failure for *_, failure in reports if failure]
    if failures:
        raise RuntimeError(f"a purchaser's process failed:\n{failures[0]}")
    results = [result for _, _, _, sent, _ in reports for result in sent]
    return Race(
        seconds=max(end for _, _, end, _, _ in reports)
        - min(start for _, start, _, _, _ in reports),
        outcomes=[outcome for outcome, _ in results],
        latencies=[latency for _, latency in results],
    )


def race_service_layer(scene: Scene, offering_id: int) -> Race:
    acknowledgements = [signed_by(purchaser) for purchaser in scene.purchasers]

    @contextmanager
    def session() -> Iterator[Callable[[int], str]]:
        def subscribe(purchaser: int) -> str:
            try:
                subscription_create(
                    offering_id=offering_id,
                    investor=scene.purchasers[purchaser],
                    amount_cents=scene.amount_cents,
                    acknowledgement=acknowledgements[purchaser],
                )
            except ComplianceViolation as refusal:
                return refusal.violations[0].code
            return ACCEPTED

        connection.ensure_connection()
        try:
            yield subscribe
        finally:
            connections.close_all()

    with as_in_production():
        return send_at_once(scene, session)


@contextmanager
def as_in_production() -> Iterator[None]:
    """Run without the sandbox clock, and publish tasks to a broker instead of running them
    inline: what a worker does later (the confirmation e-mail) is not the request's work."""
    with tasks_published(), override_settings(EQUITY_SANDBOX=False):
        yield


def race_bare_sql(scene: Scene, offering_id: int) -> Race:
    """The reference: the four statements the service's decision rests on, nothing else."""
    offering_table = connection.ops.quote_name(Offering._meta.db_table)
    subscription_table = connection.ops.quote_name(Subscription._meta.db_table)
    postgresql = connection.vendor == "postgresql"
    mark = "%s" if postgresql else "?"
    lock = f"SELECT raised_cents, maximum_amount_cents FROM {offering_table} WHERE id = {mark}" + (
        " FOR UPDATE" if postgresql else ""
    )
    committed = (
        f"SELECT COALESCE(SUM(amount_cents), 0) FROM {subscription_table} "
        f"WHERE offering_id = {mark} AND investor_id = {mark} "
        f"AND state IN ({', '.join([mark] * len(LIVE_STATES))})"
    )
    insert = (
        f"INSERT INTO {subscription_table} (offering_id, investor_id, amount_cents, quantity, "
        f"currency, state, created_at, withdrawal_deadline) "
        f"VALUES ({', '.join([mark] * 8)})"
    )
    add = f"UPDATE {offering_table} SET raised_cents = raised_cents + {mark} WHERE id = {mark}"
    live = [str(state) for state in LIVE_STATES]
    investor_ids = [purchaser.pk for purchaser in scene.purchasers]

    def decide(cursor, purchaser: int) -> str:
        cursor.execute(lock, (offering_id,))
        raised, maximum = cursor.fetchone()
        cursor.execute(committed, (offering_id, investor_ids[purchaser], *live))
        if cursor.fetchone()[0] + scene.amount_cents > scene.limit_cents:
            return R09_REFUSAL
        if raised + scene.amount_cents > maximum:
            return R11_REFUSAL
        now = datetime.now(UTC)
        deadline = now + timedelta(hours=48)
        if not postgresql:
            now, deadline = (str(moment.replace(tzinfo=None)) for moment in (now, deadline))
        cursor.execute(
            insert,
            (
                offering_id,
                investor_ids[purchaser],
                scene.amount_cents,
                scene.amount_cents // PRICE_CENTS,
                "CAD",
                live[0],
                now,
                deadline,
            ),
        )
        cursor.execute(add, (scene.amount_cents, offering_id))
        return ACCEPTED

    database = connection.settings_dict

    @contextmanager
    def postgresql_session() -> Iterator[Callable[[int], str]]:
        parameters = {
            "dbname": database["NAME"],
            "user": database["USER"],
            "password": database["PASSWORD"],
            "host": database["HOST"],
            "port": database["PORT"],
        }
        with psycopg.connect(
            **{key: value for key, value in parameters.items() if value}, autocommit=True
        ) as bare:

            def subscribe(purchaser: int) -> str:
                with bare.transaction() as transaction, bare.cursor() as cursor:
                    outcome = decide(cursor, purchaser)
                    if outcome != ACCEPTED:
                        raise psycopg.Rollback(transaction)
                return outcome

            yield subscribe

    @contextmanager
    def sqlite_session() -> Iterator[Callable[[int], str]]:
        bare = sqlite3.connect(database["NAME"], timeout=30, isolation_level=None)
        try:

            def subscribe(purchaser: int) -> str:
                cursor = bare.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                outcome = decide(cursor, purchaser)
                cursor.execute("COMMIT" if outcome == ACCEPTED else "ROLLBACK")
                return outcome

            yield subscribe
        finally:
            bare.close()

    return send_at_once(scene, postgresql_session if postgresql else sqlite_session)


def race_http(scene: Scene, offering_id: int, *, port: int) -> Race:
    """POST every request to the web server on ``port`` from a load generator in another
    process."""
    forms = [signed_by(purchaser) for purchaser in scene.purchasers]
    path = f"/api/v1/offerings/{offering_id}/subscriptions"
    plan = {
        "host": "127.0.0.1",
        "warm_up_path": f"/api/v1/offerings/{offering_id}/risk-acknowledgement",
        "purchasers": [
            [
                {
                    "path": path,
                    "token": scene.tokens[purchaser],
                    "body": {
                        "amount_cents": scene.amount_cents,
                        "risk_acknowledgement": {
                            "form_version": forms[purchaser].form_version,
                            "statements": forms[purchaser].statements,
                            "full_name": forms[purchaser].full_name,
                        },
                    },
                }
                for purchaser in sent
            ]
            for sent in scene.requests
        ],
    }
    plan["port"] = port
    generator = subprocess.run(
        [sys.executable, "-m", "bench.load_generator"],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        check=False,
    )
    if generator.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{generator.stderr}")
    result = json.loads(generator.stdout)
    outcomes = []
    for status, code, _ in result["outcomes"]:
        outcomes.append(ACCEPTED if status == 201 else code if status == 422 else f"HTTP {status}")
    return Race(
        seconds=result["seconds"],
        outcomes=outcomes,
        latencies=[latency for _, _, latency in result["outcomes"]],
    )


@contextmanager
def web_server() -> Iterator[int]:
    """Run gunicorn with two workers on a free port of 127.0.0.1 against this database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # Persistent connections, as production is configured to run (a DATABASE_URL
        # ending in ?conn_max_age=60): a PostgreSQL connection opened per request costs
        # more than the subscription it carries.
        "DATABASE_URL": f"{database_url()}?conn_max_age=60",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_answering(server, port, log)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_answering(server: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited:\n{log.read().decode(errors='replace')}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/api/v1/offerings")
            probe.getresponse().read()
            probe.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on port {port} in {SERVER_START_SECONDS} s")


def database_url() -> str:
    """Return the ``DATABASE_URL`` of the benchmark's own database."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    user = quote(database["USER"], safe="")
    host = database["HOST"] or "127.0.0.1"
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(database['NAME'], safe='')}"


def limits_held(scene: Scene, offering_id: int, race: Race) -> tuple[bool, str]:
    """Return whether the run passed no limit, and what it accepted and refused."""
    offering = Offering.objects.get(pk=offering_id)
    live = Subscription.objects.filter(offering_id=offering_id, state__in=LIVE_STATES)
    totals = live.aggregate(total=Sum("amount_cents"), count=Count("pk"))
    largest = max(
        live.values("investor").annotate(total=Sum("amount_cents")).values_list("total", flat=True)
    )
    outcomes = Counter(race.outcomes)
    held = (
        offering.raised_cents == totals["total"]
        and offering.raised_cents <= offering.maximum_amount_cents
        and largest <= scene.limit_cents
        and outcomes[ACCEPTED] == totals["count"] == scene.expected_accepted
        and set(outcomes) <= {ACCEPTED, R09_REFUSAL, R11_REFUSAL}
    )
    others = {
        outcome: count
        for outcome, count in outcomes.items()
        if outcome not in {ACCEPTED, R09_REFUSAL, R11_REFUSAL}
    }
    summary = (
        f"{outcomes[ACCEPTED]:,} accepted, {outcomes[R09_REFUSAL]} refused R09, "
        f"{outcomes[R11_REFUSAL]} refused R11{f', other: {others}' if others else ''}; "
        f"raised {dollars(offering.raised_cents)} = Σ live ≤ maximum "
        f"{dollars(offering.maximum_amount_cents)}; largest purchaser {dollars(largest)} "
        f"≤ {dollars(scene.limit_cents)}"
    )
    return held, summary


def dollars(cents: int) -> str:
    return f"${cents / 100:,.0f}"


def statements_locked(scene: Scene, base: Offering) -> int:
    """Return how many SQL statements one subscription sends while it holds the offering
    lock: its transaction's, which begins by taking the lock."""
    probe = twin_of(base)
    purchaser = scene.purchasers[0]
    acknowledgement = signed_by(purchaser)
    in_transaction = []

    def record(execute, sql, params, many, context):
        in_transaction.append(context["connection"].in_atomic_block)
        return execute(sql, params, many, context)

    with as_in_production(), connection.execute_wrapper(record):
        subscription_create(
            offering_id=probe.pk,
            investor=purchaser,
            amount_cents=scene.amount_cents,
            acknowledgement=acknowledgement,
        )
    # The transaction is the unbroken run of statements inside an atomic block (SQLite's
    # BEGIN IMMEDIATE is sent just before it, outside).
    rest = in_transaction[in_transaction.index(True) :]
    return rest.index(False) if False in rest else len(rest)
