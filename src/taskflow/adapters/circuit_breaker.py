"""A circuit breaker for an optional dependency (Redis) that has a fallback.

While the dependency answers, every call goes to it. When a call fails, the breaker
opens: callers use their fallback without trying the dependency, so an outage costs no
connection attempt (and no timeout) per request. After ``retry_after`` seconds one call is
let through as a probe (the others keep to the fallback); if it succeeds the breaker
closes again, otherwise it waits another ``retry_after``. The outage is logged once: one
warning when it starts, one info line when it ends (never a traceback per request).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

__all__ = ["RETRY_AFTER_SECONDS", "CircuitBreaker"]

RETRY_AFTER_SECONDS = 5.0
"""How long an open breaker waits before its next probe, unless told otherwise: long
enough that a dead dependency costs almost nothing, short enough to come back quickly."""


class CircuitBreaker:
    """``should_try()`` before calling the dependency; then ``succeeded()`` or
    ``failed(error)``. Thread-safe (the Flask server calls it from its threads)."""

    def __init__(
        self,
        name: str,
        fallback: str,
        *,
        logger: logging.Logger,
        retry_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``name`` says what is down ("Redis (access-token denylist)"), ``fallback``
        what is done instead ("checking the database"): both go in the log lines."""
        self._name = name
        self._fallback = fallback
        self._logger = logger
        self._retry_after = RETRY_AFTER_SECONDS if retry_after is None else retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._down = False
        self._next_probe = 0.0

    @property
    def is_down(self) -> bool:
        """Whether the last call failed (the dependency is taken as down)."""
        return self._down

    def should_try(self) -> bool:
        """Whether to call the dependency now: always while it answers; while it is down,
        once per ``retry_after`` (the probe; the other callers use their fallback)."""
        if not self._down:
            return True
        with self._lock:
            now = self._clock()
            if not self._down or now >= self._next_probe:
                self._next_probe = now + self._retry_after
                return True
            return False

    def succeeded(self) -> None:
        if not self._down:  # the usual case: no lock
            return
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:  # another thread may have logged the recovery first
            self._logger.info("%s answers again.", self._name)

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self._next_probe = self._clock() + self._retry_after
            if self._down:
                return
            self._down = True
        # The error's type and message only: one line per outage, no traceback.
        self._logger.warning(
            "%s is unavailable (%s: %s): %s until it answers again (probed every %gs).",
            self._name,
            type(error).__name__,
            error,
            self._fallback,
            self._retry_after,
        )
