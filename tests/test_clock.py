"""The one clock: pinning, moving forward, nesting and the portal's local date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from equity import clock

MOMENT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def assert_unpinned() -> None:
    """Assert no instant is pinned (reading now() unpinned would query the sandbox table)."""
    with pytest.raises(RuntimeError, match="pinned clock"):
        clock.advance(timedelta(seconds=1))


def test_travel_to_pins_now_in_utc():
    in_montreal = MOMENT.astimezone(ZoneInfo("America/Montreal"))

    with clock.travel_to(in_montreal):
        first, second = clock.now(), clock.now()

    assert first == second == MOMENT
    assert first.tzinfo is UTC


def test_travel_to_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"), clock.travel_to(datetime(2026, 3, 2)):
        pass

    assert_unpinned()


def test_advance_moves_the_pinned_clock_forward():
    with clock.travel_to(MOMENT):
        moved = clock.advance(timedelta(hours=48))
        unmoved = clock.advance(timedelta(0))

        assert moved == unmoved == clock.now() == datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def test_advance_refuses_to_go_backwards():
    with clock.travel_to(MOMENT):
        with pytest.raises(ValueError, match="never goes back"):
            clock.advance(timedelta(seconds=-1))

        assert clock.now() == MOMENT


def test_advance_needs_a_pinned_clock():
    assert_unpinned()


def test_nested_travel_restores_the_outer_instant_then_unpins():
    later = datetime(2027, 1, 1, tzinfo=UTC)

    with clock.travel_to(MOMENT):
        with clock.travel_to(later):
            clock.advance(timedelta(days=1))
            assert clock.now() == datetime(2027, 1, 2, tzinfo=UTC)

        assert clock.now() == MOMENT

    assert_unpinned()


def test_travel_to_restores_the_clock_when_the_block_raises():
    with pytest.raises(LookupError), clock.travel_to(MOMENT):
        raise LookupError

    assert_unpinned()


@pytest.mark.parametrize(
    ("utc_moment", "local_day"),
    [
        (datetime(2026, 3, 2, 3, 0, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 2, 4, 59, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 2, 5, 0, tzinfo=UTC), date(2026, 3, 2)),
        (datetime(2026, 7, 2, 3, 59, tzinfo=UTC), date(2026, 7, 1)),
        (datetime(2026, 7, 2, 4, 0, tzinfo=UTC), date(2026, 7, 2)),
    ],
)
def test_today_is_the_date_in_toronto(utc_moment, local_day):
    with clock.travel_to(utc_moment):
        assert clock.today() == local_day


def test_today_follows_the_time_zone_setting(settings):
    assert settings.TIME_ZONE == "America/Toronto"
    settings.TIME_ZONE = "UTC"

    with clock.travel_to(datetime(2026, 3, 2, 3, 0, tzinfo=UTC)):
        assert clock.today() == date(2026, 3, 2)
