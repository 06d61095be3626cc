"""What a mounted taskflow keeps while the app runs: the services and the edge's state."""

from __future__ import annotations

from attrs import define, field

from taskflow.adapters.web.client_ip import client_ip, is_trusted
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.ratelimit import RateLimiter
from taskflow.adapters.web.sentry import init_sentry
from taskflow.bootstrap import TaskFlow

__all__ = ["WebRuntime"]


@define
class WebRuntime:
    """The taskflow services (``tf``), the web configuration and the rate limiter of one
    mounted app. Build it once at start-up with ``WebRuntime.create(tf, config)``."""

    tf: TaskFlow
    config: WebConfig
    limiter: RateLimiter = field(repr=False)

    @classmethod
    def create(cls, tf: TaskFlow, config: WebConfig | None = None) -> WebRuntime:
        config = config or WebConfig()
        limiter = RateLimiter(
            {"default": config.rate_limit, "auth": config.auth_rate_limit},
            config.rate_limit_storage_url.get_secret_value(),
        )
        if config.sentry_dsn is not None:
            init_sentry(config.sentry_dsn.get_secret_value())
        return cls(tf=tf, config=config, limiter=limiter)

    def client_ip(self, peer: str | None, forwarded_for: str | None) -> str:
        return client_ip(peer, forwarded_for, self.config.trusted_proxies)

    def is_https(self, scheme: str, peer: str | None, forwarded_proto: str | None) -> bool:
        """Whether the client's connection is HTTPS (a trusted proxy may say so)."""
        if forwarded_proto and is_trusted(peer, self.config.trusted_proxies):
            return forwarded_proto.split(",")[0].strip().lower() == "https"
        return scheme == "https"

    def check_rate_limit(self, client: str, *, strict: bool) -> None:
        """Count a request of ``client``; ``RateLimited`` if over a limit."""
        self.limiter.check("default", client)
        if strict:
            self.limiter.check("auth", client)
