"""Rate limiting per client IP, moving window (the ``limits`` notation: ``100/minute``).

``memory://`` counts in this process; a Redis URL shares the counts between every process
and machine (through the ``limits`` library). If Redis is unreachable each process counts
in its own window until Redis answers again (a circuit breaker: no connection attempt per
request while it is down, one warning per outage): an outage of the limiter's Redis must
not take the API down with it, nor switch limiting off.

The in-process counts are taskflow's own moving window, not ``limits``' ``MemoryStorage``:
that one records a hit by inserting at the head of a list holding every hit of the window
(O(hits in the window) per request: 0.1 ms at 100,000 hits) and starts a timer thread
every 10 ms from the request's own thread, here the event loop. Ours appends to a deque
and drops expired hits from its other end (O(1) amortized, no thread). The rule is the
same: a hit is refused while the client already has ``amount`` hits in the last
``expiry`` seconds, and a refused hit is not counted.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from limits import RateLimitItem, parse
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from taskflow.adapters.circuit_breaker import CircuitBreaker
from taskflow.errors import ConfigurationError, RateLimited

__all__ = ["RateLimiter"]

logger = logging.getLogger("taskflow.http")

_SWEEP_EVERY_SECONDS = 10.0
"""How often the in-process windows forget the clients whose hits all expired."""


class RateLimiter:
    """``check(scope, client)`` raises ``RateLimited`` (429, ``retry_after``) once
    ``client`` went over the limit of ``scope`` (``"default"`` or ``"auth"``)."""

    def __init__(
        self,
        limits: dict[str, str | None],
        storage_url: str = "memory://",
        *,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        """``breaker`` (with a Redis URL): how an outage of Redis is detected; by default
        one of the limiter's own."""
        try:
            self._items: dict[str, RateLimitItem] = {
                scope: parse(rate) for scope, rate in limits.items() if rate
            }
        except ValueError as error:
            raise ConfigurationError(f"Invalid rate-limit configuration: {error}") from None
        scheme = storage_url.partition("://")[0] if "://" in storage_url else "?"
        self.is_local = scheme == "memory"
        """True when counting in this process: cheap enough to call from an event loop."""
        self._windows: _LocalWindows | _SharedWindows
        if self.is_local:
            self._windows = _LocalWindows()
            return
        try:
            storage = storage_from_string(
                storage_url, key_prefix="taskflow", **_client_options(scheme)
            )
        except (ValueError, ImportError, LimitsConfigurationError):
            # The library's message repeats the URL, which may hold a password: only the
            # scheme is named.
            raise ConfigurationError(
                f"Invalid rate-limit storage: {scheme!r} URLs are not supported "
                "(use memory:// or a redis:// URL; Redis needs the 'redis' extra)."
            ) from None
        self._windows = _SharedWindows(
            MovingWindowRateLimiter(storage),
            breaker
            or CircuitBreaker("Redis (rate limiter)", "counting in this process", logger=logger),
        )

    def check(self, scope: str, client: str) -> None:
        item = self._items.get(scope)
        if item is None:
            return
        retry_after = self._windows.hit(item, scope, client)
        if retry_after is not None:
            raise RateLimited(retry_after=retry_after)

    def reset(self) -> None:
        """Forget every count (tests)."""
        self._windows.reset()


def _client_options(scheme: str) -> dict[str, Any]:
    """For Redis: short timeouts and one immediate retry (a pooled connection Redis
    closed), so that while Redis is down only the probing request waits, about a second."""
    if not scheme.startswith("redis"):
        return {}
    from redis.backoff import NoBackoff  # noqa: PLC0415 - only with a Redis URL
    from redis.retry import Retry  # noqa: PLC0415

    return {"socket_connect_timeout": 1, "socket_timeout": 2, "retry": Retry(NoBackoff(), 1)}


class _SharedWindows:
    """Moving windows in the ``limits`` library's storage (Redis): shared by processes.
    While that storage is down, the hits are counted in this process's own windows."""

    def __init__(self, limiter: MovingWindowRateLimiter, breaker: CircuitBreaker) -> None:
        self._limiter = limiter
        self._breaker = breaker
        self._fallback = _LocalWindows()

    def hit(self, item: RateLimitItem, scope: str, client: str) -> int | None:
        """Count a hit, or refuse it: then the seconds to wait (at least 1)."""
        if not self._breaker.should_try():
            return self._fallback.hit(item, scope, client)
        try:
            if self._limiter.hit(item, scope, client):
                self._breaker.succeeded()
                return None
            stats = self._limiter.get_window_stats(item, scope, client)
        except Exception as error:  # any failure of the storage (the library wraps some)
            self._breaker.failed(error)
            return self._fallback.hit(item, scope, client)
        self._breaker.succeeded()
        return max(1, math.ceil(stats.reset_time - time.time()))

    def reset(self) -> None:
        self._fallback.reset()
        self._limiter.storage.reset()


class _LocalWindows:
    """Moving windows in this process: per scope and client, the (monotonic) times of the
    counted hits, oldest first. Thread-safe: the Flask server calls it from its threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._expiry_of: dict[str, int] = {}
        self._next_sweep = clock() + _SWEEP_EVERY_SECONDS

    def hit(self, item: RateLimitItem, scope: str, client: str) -> int | None:
        """Count a hit, or refuse it: then the seconds until the oldest counted hit leaves
        the window (at least 1)."""
        expiry = item.get_expiry()
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            self._expiry_of[scope] = expiry
            hits = self._hits.setdefault((scope, client), deque())
            window_start = now - expiry
            while hits and hits[0] < window_start:
                hits.popleft()
            if len(hits) < item.amount:
                hits.append(now)
                return None
            return max(1, math.ceil(hits[0] + expiry - now))

    def _sweep(self, now: float) -> None:
        """Forget the clients with no hit left in their window: memory stays bounded by the
        clients of the last window, not every client ever seen."""
        expired = [
            key
            for key, hits in self._hits.items()
            if not hits or hits[-1] < now - self._expiry_of[key[0]]
        ]
        for key in expired:
            del self._hits[key]
        self._next_sweep = now + _SWEEP_EVERY_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
