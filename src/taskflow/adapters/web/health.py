"""``GET /health`` (the process answers) and ``GET /ready`` (its dependencies answer)."""

from __future__ import annotations

import logging
from uuid import UUID

from taskflow.bootstrap import TaskFlow

__all__ = ["readiness"]

logger = logging.getLogger("taskflow.http")

_PROBE_ID = UUID(int=0)


def readiness(tf: TaskFlow, redis_url: str | None) -> tuple[bool, dict[str, str]]:
    """Whether every dependency answers, and each one's state (``ok``/``unavailable``).
    The reason of a failure is logged, never returned (it may hold a host or a URL)."""
    checks = {"database": _check_database(tf)}
    if redis_url:
        checks["redis"] = _check_redis(redis_url)
    return all(state == "ok" for state in checks.values()), checks


def _check_database(tf: TaskFlow) -> str:
    try:
        with tf.uow_factory(read_only=True) as uow:
            uow.users.get(_PROBE_ID)  # one indexed lookup: the cheapest real query
    except Exception:
        logger.warning("readiness: database unavailable", exc_info=True)
        return "unavailable"
    return "ok"


def _check_redis(url: str) -> str:
    try:
        import redis  # noqa: PLC0415 - only when Redis is configured

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        logger.warning("readiness: redis unavailable", exc_info=True)
        return "unavailable"
    return "ok"
