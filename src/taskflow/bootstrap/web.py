"""A mounted app's runtime: a built ``TaskFlow``, the web configuration, the rate limiter
its storage URL names (in-process or Redis) and Sentry when ``SENTRY_DSN`` is set.

The FastAPI and Flask integrations call ``build_web_runtime`` when they are mounted.
"""

from __future__ import annotations

from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.ratelimit import RateLimiter
from taskflow.adapters.web.runtime import WebRuntime
from taskflow.adapters.web.sentry import init_sentry
from taskflow.bootstrap.app import TaskFlow

__all__ = ["build_web_runtime"]


def build_web_runtime(tf: TaskFlow, config: WebConfig | None = None) -> WebRuntime:
    """The runtime of one mounted app (build it once, at start-up)."""
    config = config or WebConfig()
    limiter = RateLimiter(
        {"default": config.rate_limit, "auth": config.auth_rate_limit},
        config.rate_limit_storage_url.get_secret_value(),
    )
    if config.sentry_dsn is not None:
        init_sentry(config.sentry_dsn.get_secret_value())
    return WebRuntime(tf=tf, config=config, limiter=limiter)
