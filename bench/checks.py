"""The R08 headroom and R09 limit checks: their latency in a small world and a large one.

The same questions are asked twice: once with 100 issuers and 1,000
historical subscriptions, and again after the world has grown to 10,000
issuers and 1,000,000 subscriptions. A check that reads through an index
answers in about the same time in both; one that scans grows with the
tables. The issuers come in groups of four (two pairs sharing a founder, the
pairs affiliated), each with two closed offerings; one in ten subscriptions
goes to one hot open offering, whose purchasers hold a few each, as R09
allows.

Everything is written in bulk: the ORM for issuers, principals, offerings
and purchasers, one ``INSERT ... SELECT`` over a number series for the
subscriptions (``generate_series`` on PostgreSQL, a recursive CTE on SQLite).
On PostgreSQL each growth ends with ``VACUUM ANALYZE``, as autovacuum would
soon after such a load. Smoke sizes: 1,000 subscriptions and 100 issuers
against 20,000 and 1,000.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from bench.table import Row, median, milliseconds, ratio
from equity import clock
from equity.accounts.models import Role, User
from equity.compliance.models import Rulebook
from equity.compliance.selectors import rulebook_in_force
from equity.investors.models import Subscription
from equity.investors.selectors import purchaser_committed_cents
from equity.offerings.models import Issuer, Offering, OfferingState, Principal
from equity.offerings.selectors import group_cap_usage, identity_key, issuer_group_ids

TARGET_RATIO = 2.0
BATCH = 5_000
BLOCKS = 5
GROUP_SIZE = 4
HOT_SHARE = 10
"""One subscription in ``HOT_SHARE`` goes to the hot offering."""
SUBSCRIPTIONS_PER_PURCHASER = 20
AMOUNT_CENTS = 25_000
PRICE_CENTS = 1_000
NO_DECLARATIONS = {
    "cease_trade_order": False,
    "securities_sanction": False,
    "fraud_conviction": False,
    "bankruptcy": False,
}


@dataclass(frozen=True, slots=True)
class World:
    issuers: int
    subscriptions: int

    @property
    def label(self) -> str:
        return f"{self.subscriptions:,} subscriptions, {self.issuers:,} issuers"

    @property
    def purchasers(self) -> int:
        return self.subscriptions // SUBSCRIPTIONS_PER_PURCHASER


SMALL = World(issuers=100, subscriptions=1_000)
LARGE = World(issuers=10_000, subscriptions=1_000_000)
LARGE_SMOKE = World(issuers=1_000, subscriptions=20_000)


@dataclass(slots=True)
class Scene:
    """What the growing world holds so far, and the issuer and purchaser the checks ask about."""

    owner_id: int
    rulebook: Rulebook
    hot_offering_id: int
    first_closed_offering_id: int | None = None
    first_purchaser_id: int | None = None
    built: World = World(issuers=0, subscriptions=0)
    target_issuer_id: int | None = None


def run(*, smoke: bool) -> list[Row]:
    repeats = 50 if smoke else 300
    scene = start()
    grow(scene, SMALL)
    small = measure(scene, repeats)
    large_world = LARGE_SMOKE if smoke else LARGE
    grow(scene, large_world)
    large = measure(scene, repeats)
    rows = []
    for check in small:
        rows.append(
            Row(
                "checks at scale",
                SMALL.label,
                check,
                milliseconds(small[check]),
                "reference",
                True,
                "1.00×",
            )
        )
        rows.append(
            Row(
                "checks at scale",
                large_world.label,
                check,
                milliseconds(large[check]),
                f"≤ {TARGET_RATIO:.0f}× the small world",
                large[check] <= TARGET_RATIO * small[check],
                ratio(large[check], small[check]),
            )
        )
    return rows


def start() -> Scene:
    """Return an empty world: its issuers' owner and the hot offering's place."""
    owner = User.objects.create(
        email="checks-owner@example.ca",
        full_name="Propriétaire Checks",
        password=make_password(None),
        role=Role.ISSUER,
    )
    rulebook = rulebook_in_force(code="ni45-110", as_of=clock.today())
    return Scene(owner_id=owner.pk, rulebook=rulebook, hot_offering_id=0)


def grow(scene: Scene, world: World) -> None:
    """Add issuers, offerings, purchasers and subscriptions until ``world`` is reached."""
    with transaction.atomic():
        grow_issuers(scene, scene.built.issuers, world.issuers)
        grow_purchasers(scene, scene.built.purchasers, world.purchasers)
        grow_subscriptions(scene, scene.built.subscriptions, world.subscriptions, world)
    scene.built = world
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; done now, so that it neither
        # competes with the measurements nor changes the plans halfway through them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def grow_issuers(scene: Scene, start: int, stop: int) -> None:
    now = clock.now()
    issuers = Issuer.objects.bulk_create(
        [
            Issuer(
                owner_id=scene.owner_id,
                legal_name=f"Entreprise Checks {n} inc.",
                legal_form="corporation",
                street="123 rue Saint-Joseph",
                city="Québec",
                province="QC",
                postal_code="G1K 3A9",
                country="CA",
                business_description="Fabrique de vélos cargo.",
                created_at=now,
            )
            for n in range(start, stop)
        ],
        batch_size=BATCH,
    )
    # Issuers 4k and 4k+1 share a founder, so do 4k+2 and 4k+3; 4k+1 is affiliated with 4k+2.
    principals = []
    for n, issuer in enumerate(issuers, start):
        name = f"Fondateur Checks {n // 2}"
        principals.append(
            Principal(
                issuer=issuer,
                full_name=name,
                identity_key=identity_key(name),
                is_founder=True,
                residence_country="CA",
                declarations=NO_DECLARATIONS,
            )
        )
    Principal.objects.bulk_create(principals, batch_size=BATCH)
    affiliation = Issuer.affiliates.through
    affiliation.objects.bulk_create(
        [
            affiliation(from_issuer_id=issuer.pk, to_issuer_id=issuers[index + 1].pk)
            for index, issuer in enumerate(issuers)
            if (start + index) % GROUP_SIZE == 1
        ],
        batch_size=BATCH,
    )
    if scene.target_issuer_id is None:
        scene.target_issuer_id = issuers[0].pk
        hot = new_offering(scene, issuers[0].pk, "hot", state=OfferingState.OPEN, closed=None)
        hot.save()
        scene.hot_offering_id = hot.pk
    # Each issuer: one distribution closed inside the R08 window, one closed before it.
    offerings = Offering.objects.bulk_create(
        [
            new_offering(
                scene, issuer.pk, f"{n}-{age.days}", state=OfferingState.CLOSED, closed=age
            )
            for n, issuer in enumerate(issuers, start)
            for age in (timedelta(days=100), timedelta(days=500))
        ],
        batch_size=BATCH,
    )
    if scene.first_closed_offering_id is None:
        scene.first_closed_offering_id = offerings[0].pk
    closed = 2 * stop
    assert (
        Offering.objects.filter(
            pk__gte=scene.first_closed_offering_id,
            pk__lt=scene.first_closed_offering_id + closed,
            title__startswith="Checks ",
            state=OfferingState.CLOSED,
        ).count()
        == closed
    ), "the closed offerings' ids are not contiguous"


def new_offering(
    scene: Scene, issuer_id: int, name: str, *, state: str, closed: timedelta | None
) -> Offering:
    now = clock.now()
    ended = None if closed is None else now - closed
    opened = (ended or now) - timedelta(days=60)
    return Offering(
        issuer_id=issuer_id,
        title=f"Checks {name}",
        summary="Financer une deuxième ligne de production.",
        security_type="common_share",
        price_per_security_cents=PRICE_CENTS,
        minimum_amount_cents=50_000,
        maximum_amount_cents=200_000,
        raised_cents=0 if closed is None else 150_000,
        distribution_days=60,
        use_of_funds="Équipement.",
        risk_factors="Vous pourriez tout perdre.",
        rulebook_code="ni45-110",
        rulebook=scene.rulebook,
        state=state,
        created_by_id=scene.owner_id,
        created_at=opened - timedelta(days=10),
        approved_at=opened - timedelta(days=1),
        opened_at=opened,
        closes_at=opened + timedelta(days=60),
        closed_at=ended,
    )


def grow_purchasers(scene: Scene, start: int, stop: int) -> None:
    password = make_password(None)
    purchasers = User.objects.bulk_create(
        [
            User(
                email=f"checks-{n}@example.ca",
                full_name=f"Acheteur Checks {n}",
                password=password,
                role=Role.INVESTOR,
                province="QC",
                country="CA",
            )
            for n in range(start, stop)
        ],
        batch_size=BATCH,
    )
    if scene.first_purchaser_id is None:
        scene.first_purchaser_id = purchasers[0].pk
    assert (
        User.objects.filter(
            pk__gte=scene.first_purchaser_id,
            pk__lt=scene.first_purchaser_id + stop,
            email__startswith="checks-",
        ).count()
        == stop
    ), "the purchasers' ids are not contiguous"


def grow_subscriptions(scene: Scene, start: int, stop: int, world: World) -> None:
    """Insert subscriptions ``start`` to ``stop - 1`` in one statement over a number series.

    Subscription ``n`` goes to the hot offering when ``n`` is a multiple of
    ``HOT_SHARE``, otherwise to the closed offerings in turn; its purchaser is
    ``(n / HOT_SHARE) % purchasers``, so each purchaser holds a few
    subscriptions in the hot offering however large the world.
    """
    table = connection.ops.quote_name(Subscription._meta.db_table)
    now = clock.now()
    created = connection.ops.adapt_datetimefield_value(now - timedelta(days=30))
    deadline = connection.ops.adapt_datetimefield_value(now - timedelta(days=28))
    closed = 2 * world.issuers
    values = f"""
        CASE WHEN n %% {HOT_SHARE} = 0 THEN {scene.hot_offering_id}
             ELSE {scene.first_closed_offering_id} + (n - n / {HOT_SHARE} - 1) %% {closed} END,
        {scene.first_purchaser_id} + (n / {HOT_SHARE}) %% {world.purchasers},
        {AMOUNT_CENTS}, {AMOUNT_CENTS // PRICE_CENTS}, 'CAD',
        CASE WHEN n %% {HOT_SHARE} = 0
             THEN CASE WHEN n %% 13 = 0 THEN 'withdrawn' ELSE 'pending_payment' END
             ELSE CASE WHEN n %% 13 = 0 THEN 'refunded' ELSE 'accepted' END END,
        %s, %s
    """
    columns = (
        "offering_id, investor_id, amount_cents, quantity, currency, state, "
        "created_at, withdrawal_deadline"
    )
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {values} "
            f"FROM generate_series({start}, {stop - 1}) AS s(n)"
        )
    else:
        sql = (
            f"WITH RECURSIVE s(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {stop - 1}) INSERT INTO {table} ({columns}) SELECT {values} FROM s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [created, deadline])


def measure(scene: Scene, repeats: int) -> dict[str, float]:
    """Return the median latency of each check, in seconds."""
    as_of = clock.today()
    terms = scene.rulebook.terms

    def headroom() -> None:
        group = issuer_group_ids(scene.target_issuer_id)
        assert len(group) == GROUP_SIZE, group
        group_cap_usage(group, as_of=as_of, terms=terms)

    def limit() -> None:
        committed = purchaser_committed_cents(
            offering_id=scene.hot_offering_id, investor_id=scene.first_purchaser_id
        )
        assert committed > 0

    return {
        "R08 headroom (issuer_group_ids + group_cap_usage)": median_seconds(headroom, repeats),
        "R09 limit (purchaser_committed_cents)": median_seconds(limit, repeats),
    }


def median_seconds(check: Callable[[], None], repeats: int) -> float:
    """Return the lowest of the medians of ``BLOCKS`` blocks of runs of ``check``.

    A median per block resists the odd slow run; keeping the best block resists
    a burst of other work on the machine (a scan is never fast by luck).
    """
    check()
    medians = []
    for _ in range(BLOCKS):
        samples = []
        for _ in range(max(1, repeats // BLOCKS)):
            started = time.perf_counter()
            check()
            samples.append(time.perf_counter() - started)
        medians.append(median(samples))
    return min(medians)
