"""The time rules alone: quiet hours (crossing midnight, time zones), backoff, the
rate-limit window."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from taskflow.notifications.schedule import backoff_delay, quiet_hours_end, rate_limit_free_at

NIGHT = (time(22), time(7))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2024, 2, 1, 21, 59, tzinfo=UTC), None),
        (datetime(2024, 2, 1, 22, 0, tzinfo=UTC), datetime(2024, 2, 2, 7, 0, tzinfo=UTC)),
        (datetime(2024, 2, 1, 23, 0, tzinfo=UTC), datetime(2024, 2, 2, 7, 0, tzinfo=UTC)),
        (datetime(2024, 2, 2, 0, 30, tzinfo=UTC), datetime(2024, 2, 2, 7, 0, tzinfo=UTC)),
        (datetime(2024, 2, 2, 6, 59, tzinfo=UTC), datetime(2024, 2, 2, 7, 0, tzinfo=UTC)),
        (datetime(2024, 2, 2, 7, 0, tzinfo=UTC), None),
        (datetime(2024, 2, 2, 12, 0, tzinfo=UTC), None),
    ],
)
def test_quiet_hours_crossing_midnight(now: datetime, expected: datetime | None) -> None:
    assert quiet_hours_end(now, *NIGHT, "UTC") == expected


def test_quiet_hours_within_one_day() -> None:
    lunch = (time(12), time(13))
    assert quiet_hours_end(datetime(2024, 2, 1, 12, 30, tzinfo=UTC), *lunch, "UTC") == datetime(
        2024, 2, 1, 13, tzinfo=UTC
    )
    assert quiet_hours_end(datetime(2024, 2, 1, 13, 0, tzinfo=UTC), *lunch, "UTC") is None


def test_quiet_hours_are_read_in_the_users_time_zone() -> None:
    # 23:00 UTC is 18:00 in New York (winter): not quiet there.
    assert quiet_hours_end(datetime(2024, 2, 1, 23, tzinfo=UTC), *NIGHT, "America/New_York") is None
    # 04:00 UTC is 23:00 in New York: quiet until 07:00 New York = 12:00 UTC.
    assert quiet_hours_end(
        datetime(2024, 2, 2, 4, tzinfo=UTC), *NIGHT, "America/New_York"
    ) == datetime(2024, 2, 2, 12, tzinfo=UTC)


def test_quiet_hours_end_on_the_right_utc_instant_across_a_dst_change() -> None:
    # Berlin moves to summer time on 2024-03-31 at 02:00; 07:00 that day is 05:00 UTC.
    now = datetime(2024, 3, 30, 23, tzinfo=UTC)  # 00:00 in Berlin
    assert quiet_hours_end(now, *NIGHT, "Europe/Berlin") == datetime(2024, 3, 31, 5, tzinfo=UTC)


def test_backoff_grows_is_capped_and_jittered_down_to_half() -> None:
    rng = random.Random(7)
    base, cap = timedelta(seconds=30), timedelta(hours=1)
    for attempts, full in [(1, 30), (2, 60), (3, 120), (4, 240), (20, 3600)]:
        delays = [backoff_delay(attempts, base, cap, rng) for _ in range(200)]
        assert all(timedelta(seconds=full / 2) <= d <= timedelta(seconds=full) for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_the_rate_limit_frees_a_slot_when_the_oldest_send_leaves_the_window() -> None:
    now = datetime(2024, 2, 1, 12, tzinfo=UTC)
    hour = timedelta(hours=1)
    sent = [now - timedelta(minutes=50), now - timedelta(minutes=20), now - timedelta(minutes=5)]
    assert rate_limit_free_at(sent, 4, hour, now) is None
    assert rate_limit_free_at(sent, 3, hour, now) == now + timedelta(minutes=10)
    assert rate_limit_free_at(sent, 2, hour, now) == now + timedelta(minutes=40)
    assert rate_limit_free_at(sent, 0, hour, now) is None  # no limit
