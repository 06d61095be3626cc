"""Rate limiting per client IP with the ``limits`` library (moving window).

``memory://`` storage counts in this process; a Redis URL shares the counts between every
process and machine. If the storage is unreachable the request is let through and a
warning logged: an outage of the limiter's Redis must not take the API down with it.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from taskflow.errors import ConfigurationError, RateLimited

__all__ = ["RateLimiter"]

logger = logging.getLogger("taskflow.http")


class RateLimiter:
    """``check(scope, client)`` raises ``RateLimited`` (429, ``retry_after``) once
    ``client`` went over the limit of ``scope`` (``"default"`` or ``"auth"``)."""

    def __init__(self, limits: dict[str, str | None], storage_url: str = "memory://") -> None:
        try:
            self._items: dict[str, RateLimitItem] = {
                scope: parse(rate) for scope, rate in limits.items() if rate
            }
        except ValueError as error:
            raise ConfigurationError(f"Invalid rate-limit configuration: {error}") from None
        options = {} if storage_url.startswith("memory") else {"key_prefix": "taskflow"}
        try:
            self._storage = storage_from_string(storage_url, **options)
        except (ValueError, ImportError, LimitsConfigurationError):
            # The library's message repeats the URL, which may hold a password: only the
            # scheme is named.
            scheme = storage_url.partition("://")[0] if "://" in storage_url else "?"
            raise ConfigurationError(
                f"Invalid rate-limit storage: {scheme!r} URLs are not supported "
                "(use memory:// or a redis:// URL; Redis needs the 'redis' extra)."
            ) from None
        self._limiter = MovingWindowRateLimiter(self._storage)
        self.is_local = storage_url.startswith("memory")
        """True when counting in this process: cheap enough to call from an event loop."""

    def check(self, scope: str, client: str) -> None:
        item = self._items.get(scope)
        if item is None:
            return
        try:
            allowed = self._limiter.hit(item, scope, client)
            if allowed:
                return
            stats = self._limiter.get_window_stats(item, scope, client)
        except Exception:  # the limiter's storage is down: fail open, loudly
            logger.warning("rate limiter storage unavailable; request not limited", exc_info=True)
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(retry_after=retry_after)

    def reset(self) -> None:
        """Forget every count (tests)."""
        self._storage.reset()
