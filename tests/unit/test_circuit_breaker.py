"""The circuit breaker in front of Redis: no call per request while it is down, one probe
per back-off, and one log line when the outage starts and one when it ends."""

from __future__ import annotations

import logging
import threading

import pytest

from taskflow.adapters.circuit_breaker import CircuitBreaker

logger = logging.getLogger("taskflow.test.breaker")


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _breaker(clock: Ticking) -> CircuitBreaker:
    return CircuitBreaker("Redis", "using the database", logger=logger, clock=clock)


def test_closed_it_always_tries_and_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    breaker = _breaker(Ticking())
    with caplog.at_level(logging.INFO, logger="taskflow"):
        for _ in range(3):
            assert breaker.should_try()
            breaker.succeeded()
    assert caplog.records == []


def test_open_it_lets_one_probe_through_per_back_off(caplog: pytest.LogCaptureFixture) -> None:
    clock = Ticking()
    breaker = _breaker(clock)
    with caplog.at_level(logging.INFO, logger="taskflow"):
        breaker.failed(ConnectionError("refused"))
        assert breaker.is_down
        assert [breaker.should_try() for _ in range(5)] == [False] * 5
        clock.now += 5.0
        assert [breaker.should_try() for _ in range(3)] == [True, False, False]
        breaker.failed(ConnectionError("refused again"))  # the probe failed: still one warning
        clock.now += 5.0
        assert breaker.should_try()
        breaker.succeeded()
        assert not breaker.is_down
        assert [breaker.should_try() for _ in range(3)] == [True] * 3
        breaker.succeeded()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "Redis is unavailable (ConnectionError: refused): using the database until it "
            "answers again (probed every 5s).",
        ),
        (logging.INFO, "Redis answers again."),
    ]


def test_one_probe_among_many_threads() -> None:
    clock = Ticking()
    breaker = _breaker(clock)
    breaker.failed(ConnectionError("refused"))
    clock.now += 5.0
    barrier = threading.Barrier(16)
    tried: list[bool] = []

    def request() -> None:
        barrier.wait()
        tried.append(breaker.should_try())

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tried) == [False] * 15 + [True]
