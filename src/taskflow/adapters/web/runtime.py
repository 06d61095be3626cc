"""What a mounted taskflow keeps while the app runs: the services and the edge's state."""

from __future__ import annotations

from attrs import define, field

from taskflow.adapters.web.client_ip import client_ip, is_trusted
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.ratelimit import RateLimiter
from taskflow.bootstrap import TaskFlow

__all__ = ["WebRuntime"]


@define
class WebRuntime:
    """The taskflow services (``tf``), the web configuration and the rate limiter of one
    mounted app. Built once at start-up by ``taskflow.bootstrap.web.build_web_runtime``."""

    tf: TaskFlow
    config: WebConfig
    limiter: RateLimiter = field(repr=False)

    def client_ip(self, peer: str | None, forwarded_for: str | None) -> str:
        return client_ip(peer, forwarded_for, self.config.trusted_proxies)

    def is_https(self, scheme: str, peer: str | None, forwarded_proto: str | None) -> bool:
        """Whether the client's connection is HTTPS (a trusted proxy may say so)."""
        if forwarded_proto and is_trusted(peer, self.config.trusted_proxies):
            return forwarded_proto.split(",")[0].strip().lower() == "https"
        return scheme == "https"
