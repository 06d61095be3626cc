"""What a mounted taskflow keeps while the app runs: the services and the edge's state."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from attrs import define, field

from taskflow.adapters.circuit_breaker import CircuitBreaker
from taskflow.adapters.web.client_ip import client_ip, is_trusted
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.health import ReadyStatus, readiness
from taskflow.adapters.web.identity import HostResolver
from taskflow.adapters.web.ratelimit import RateLimiter
from taskflow.bootstrap import TaskFlow
from taskflow.errors import ConfigurationError

if TYPE_CHECKING:
    from taskflow.adapters.prometheus import TaskflowMetrics

__all__ = ["WebRuntime"]


@define
class WebRuntime:
    """The taskflow services (``tf``), the web configuration, the rate limiter and the
    state of Redis (``redis_breaker``: is it down?) of one mounted app, and in identity
    mode the host's resolver of the caller (``identity``). Built once at
    start-up by ``taskflow.bootstrap.web.build_web_runtime``."""

    tf: TaskFlow
    config: WebConfig
    limiter: RateLimiter = field(repr=False)
    redis_breaker: CircuitBreaker = field(repr=False)
    identity: HostResolver | None = field(default=None, repr=False)
    """Identity mode: the host's resolver of the caller (None: taskflow's own tokens)."""
    metrics: TaskflowMetrics | None = field(default=None, repr=False)
    route_prefix: str = ""
    """The prefix taskflow's routes were mounted under (``mount_taskflow(prefix=...)``)."""
    """Set when the app serves ``/metrics`` (``metrics=True`` when mounted)."""

    def observe_request(self, method: str, route: str, status: int, duration_s: float) -> None:
        """Count one request answered through taskflow's edge (when metrics are on)."""
        if self.metrics is not None:
            self.metrics.observe_request(method, route, status, duration_s)

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

    def use_identity(self, resolve: Callable[..., Any]) -> None:
        """Identity mode: the host authenticates, ``resolve`` names the caller (the
        integrations call it when mounted with ``identity=``)."""
        if not self.tf.identities.enabled:
            raise ConfigurationError(
                "identity= needs a user directory: build taskflow with "
                "TaskFlow.from_settings(..., directory=YourDirectory())."
            )
        if not callable(resolve):
            raise ConfigurationError("identity= must be a function that names the caller.")
        self.identity = HostResolver.of(resolve)
