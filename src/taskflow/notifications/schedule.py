"""Time rules of email delivery: quiet hours, retry backoff, the rate-limit window."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["backoff_delay", "quiet_hours_end", "rate_limit_free_at", "zone"]


def zone(name: str) -> ZoneInfo:
    """The IANA zone; UTC for a name this system does not know (stored preferences were
    checked when saved, but the zone database can change under them)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_hours_end(now: datetime, start: time, end: time, timezone: str) -> datetime | None:
    """When the quiet hours that hold ``now`` end (UTC), or None if ``now`` is outside them.

    ``start``/``end`` are wall-clock times in ``timezone``; ``start > end`` crosses midnight
    (22:00-07:00 holds 23:00 and 06:59, ends at 07:00). ``start == end`` is no quiet hours.
    """
    if start == end:
        return None
    tz = zone(timezone)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= clock < end:
            return None
        end_day = local.date()
    else:
        if end <= clock < start:
            return None
        end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def backoff_delay(
    attempts: int, base: timedelta, maximum: timedelta, rng: random.Random
) -> timedelta:
    """Wait after the ``attempts``-th transient failure: exponential, capped, jittered
    between half and all of it so that many failed mails do not all retry at once."""
    exponent = min(max(attempts - 1, 0), 30)
    delay: timedelta = min(maximum, base * (2**exponent))
    jittered: timedelta = delay * rng.uniform(0.5, 1.0)
    return jittered


def rate_limit_free_at(
    sent: Sequence[datetime], limit: int, window: timedelta, now: datetime
) -> datetime | None:
    """With ``sent`` (send times within the window, oldest first, including sends planned
    in this pass), when the next mail may go: None if now, else when the oldest send that
    counts leaves the window."""
    if limit <= 0:
        return None
    recent = [moment for moment in sent if moment > now - window]
    if len(recent) < limit:
        return None
    return recent[len(recent) - limit] + window
