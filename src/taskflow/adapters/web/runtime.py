"""What a mounted taskflow keeps while the app runs: the services and the edge's state."""

from __future__ import annotations

import logging

from attrs import define, field

from taskflow.adapters.circuit_breaker import CircuitBreaker
from taskflow.adapters.web.client_ip import client_ip, is_trusted
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.health import ReadyStatus, readiness
from taskflow.adapters.web.ratelimit import RateLimiter
from taskflow.adapters.web.sentry import init_sentry
from taskflow.bootstrap import TaskFlow

__all__ = ["WebRuntime"]

logger = logging.getLogger("taskflow.http")


@define
class WebRuntime:
    """The taskflow services (``tf``), the web configuration, the rate limiter and the
    state of Redis (``redis_breaker``: is it down?) of one mounted app. Build it once at
    start-up with ``WebRuntime.create(tf, config)``."""

    tf: TaskFlow
    config: WebConfig
    limiter: RateLimiter = field(repr=False)
    redis_breaker: CircuitBreaker = field(repr=False)

    @classmethod
    def create(cls, tf: TaskFlow, config: WebConfig | None = None) -> WebRuntime:
        config = config or WebConfig()
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
        return cls(tf=tf, config=config, limiter=limiter, redis_breaker=redis_breaker)

    def readiness(self) -> tuple[ReadyStatus, dict[str, str]]:
        """``GET /ready``: the overall status and each dependency's state."""
        redis_url = self.config.redis_url
        return readiness(
            self.tf, redis_url.get_secret_value() if redis_url else None, self.redis_breaker
        )

    def client_ip(self, peer: str | None, forwarded_for: str | None) -> str:
        return client_ip(peer, forwarded_for, self.config.trusted_proxies)

    def is_https(self, scheme: str, peer: str | None, forwarded_proto: str | None) -> bool:
        """Whether the client's connection is HTTPS (a trusted proxy may say so). The
        trusted proxy's word is the LAST value of the list (every header line, joined in
        order): the ones before it came from further away, maybe from the client."""
        if forwarded_proto and is_trusted(peer, self.config.trusted_proxies):
            return forwarded_proto.rsplit(",", 1)[-1].strip().lower() == "https"
        return scheme == "https"

    def check_rate_limit(self, client: str, *, strict: bool) -> None:
        """Count a request of ``client``; ``RateLimited`` if over a limit."""
        self.limiter.check("default", client)
        if strict:
            self.limiter.check("auth", client)
