"""A mounted app's runtime: a built ``TaskFlow``, the web configuration, the rate limiter
its storage URL names (in-process or Redis) and Sentry when ``SENTRY_DSN`` is set.

The FastAPI and Flask integrations call ``build_web_runtime`` when they are mounted.
"""

from __future__ import annotations

import logging

from taskflow.adapters.circuit_breaker import CircuitBreaker
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.ratelimit import RateLimiter
from taskflow.adapters.web.runtime import WebRuntime
from taskflow.adapters.web.sentry import init_sentry
from taskflow.bootstrap.app import TaskFlow

__all__ = ["build_web_runtime"]

logger = logging.getLogger("taskflow.http")


def build_web_runtime(tf: TaskFlow, config: WebConfig | None = None) -> WebRuntime:
    """The runtime of one mounted app (build it once, at start-up). Without ``config``,
    the web settings of the ``Settings`` ``tf`` was built from (CORS origins, trusted
    proxies, rate limits and their Redis, Sentry), or the defaults for a ``tf`` built
    from adapters."""
    if config is None:
        config = WebConfig.from_settings(tf.settings) if tf.settings is not None else WebConfig()
    redis_url = config.redis_url.get_secret_value() if config.redis_url else None
    storage_url = config.rate_limit_storage_url.get_secret_value()
    # One breaker for the edge's uses of Redis (the rate limits, GET /ready), so an
    # outage is logged once and the two agree on it.
    redis_breaker = CircuitBreaker(
        "Redis",
        "rate limits count in each process and GET /ready says degraded",
        logger=logger,
    )
    limiter = RateLimiter(
        {"default": config.rate_limit, "auth": config.auth_rate_limit},
        storage_url,
        breaker=redis_breaker if storage_url == redis_url else None,
    )
    if config.sentry_dsn is not None:
        init_sentry(config.sentry_dsn.get_secret_value())
    return WebRuntime(tf=tf, config=config, limiter=limiter, redis_breaker=redis_breaker)
