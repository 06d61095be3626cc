"""The in-process rate limiter (``memory://``): a moving window per scope and client, as
``limits``' moving window counts, in O(1) per hit and with no thread of its own."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from limits import parse

from taskflow.adapters.web.ratelimit import RateLimiter, _LocalWindows
from taskflow.errors import RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_the_limit_then_a_429_with_the_wait() -> None:
    limiter = RateLimiter({"default": "3/minute"})
    for _ in range(3):
        limiter.check("default", "10.0.0.1")
    with pytest.raises(RateLimited) as raised:
        limiter.check("default", "10.0.0.1")
    assert 1 <= raised.value.retry_after <= 60


def test_scopes_and_clients_are_counted_apart() -> None:
    limiter = RateLimiter({"default": "2/minute", "auth": "1/minute"})
    limiter.check("auth", "10.0.0.1")
    limiter.check("default", "10.0.0.1")
    limiter.check("default", "10.0.0.1")
    limiter.check("auth", "10.0.0.2")  # another client: its own count
    with pytest.raises(RateLimited):
        limiter.check("auth", "10.0.0.1")
    with pytest.raises(RateLimited):
        limiter.check("default", "10.0.0.1")
    limiter.check("unlimited-scope", "10.0.0.1")  # a scope with no limit is never refused


def test_the_window_moves_and_a_refused_hit_is_not_counted() -> None:
    clock = Clock()
    windows = _LocalWindows(clock)
    item = parse("2/minute")
    assert windows.hit(item, "default", "c") is None  # t=0
    clock.now += 30
    assert windows.hit(item, "default", "c") is None  # t=30
    clock.now += 20
    assert windows.hit(item, "default", "c") == 10  # t=50: the t=0 hit leaves after t=60
    clock.now += 10
    assert windows.hit(item, "default", "c") == 1  # t=60: a hit of exactly 60 s ago counts
    clock.now += 1
    assert windows.hit(item, "default", "c") is None  # t=61: the t=0 hit left
    clock.now += 28
    # t=89: the hits of t=30 and t=61 are in the window (the refused ones at t=50 and t=60
    # are not counted, or this would wait until t=120).
    assert windows.hit(item, "default", "c") == 1
    clock.now += 2
    assert windows.hit(item, "default", "c") is None  # t=91


def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    windows = _LocalWindows(clock)
    item = parse("5/second")
    for number in range(100):
        windows.hit(item, "default", f"10.0.0.{number}")
    clock.now += 60
    windows.hit(item, "default", "10.0.1.1")  # the sweep runs on a hit, at most every 10 s
    assert len(windows._hits) == 1


def test_counts_are_exact_under_threads_and_start_no_thread() -> None:
    limiter = RateLimiter({"default": "500/minute"})
    # The threads that exist now, by identity: idle service threads of apps built by
    # earlier tests may end meanwhile (when their executor is collected), so a count
    # could drop; what matters is that the limiter starts none.
    threads_before = set(threading.enumerate())

    def hit() -> bool:
        try:
            limiter.check("default", "10.0.0.1")
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        allowed = sum(pool.map(lambda _: hit(), range(2000)))
    assert allowed == 500
    assert set(threading.enumerate()) - threads_before == set()


def test_reset_forgets_every_count() -> None:
    limiter = RateLimiter({"default": "1/minute"})
    limiter.check("default", "10.0.0.1")
    limiter.reset()
    limiter.check("default", "10.0.0.1")
