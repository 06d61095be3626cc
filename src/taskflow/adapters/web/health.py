"""``GET /health`` (the process answers) and ``GET /ready`` (its dependencies answer)."""

from __future__ import annotations

import logging
from typing import Literal
from uuid import UUID

from taskflow.adapters.circuit_breaker import CircuitBreaker
from taskflow.bootstrap import TaskFlow

__all__ = ["ReadyStatus", "readiness"]

logger = logging.getLogger("taskflow.http")

_PROBE_ID = UUID(int=0)

ReadyStatus = Literal["ready", "degraded", "unavailable"]
"""``ready``: every dependency answers. ``degraded``: Redis does not, and the API serves
without it (the database stands in; 200). ``unavailable``: the database does not (503)."""


def readiness(
    tf: TaskFlow, redis_url: str | None, redis_breaker: CircuitBreaker
) -> tuple[ReadyStatus, dict[str, str]]:
    """The overall status and each dependency's state (``ok``/``unavailable``). The
    reason of a failure is logged, never returned (it may hold a host or a URL); a Redis
    outage is logged once, through ``redis_breaker``, which also spares a dead Redis a
    connection attempt per probe."""
    checks = {"database": _check_database(tf)}
    if redis_url:
        checks["redis"] = _check_redis(redis_url, redis_breaker)
    if checks["database"] != "ok":
        return "unavailable", checks
    if any(state != "ok" for state in checks.values()):
        return "degraded", checks
    return "ready", checks


def _check_database(tf: TaskFlow) -> str:
    try:
        with tf.uow_factory(read_only=True) as uow:
            uow.users.get(_PROBE_ID)  # one indexed lookup: the cheapest real query
    except Exception:
        logger.warning("readiness: database unavailable", exc_info=True)
        return "unavailable"
    return "ok"


def _check_redis(url: str, breaker: CircuitBreaker) -> str:
    if not breaker.should_try():
        return "unavailable"  # failed moments ago: probed again after the back-off
    try:
        import redis  # noqa: PLC0415 - only when Redis is configured

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:
        breaker.failed(error)
        return "unavailable"
    breaker.succeeded()
    return "ok"
