"""How the web edge behaves: CORS, proxies, rate limits, body size, readiness, Sentry."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import TYPE_CHECKING

from attrs import field, frozen
from pydantic import SecretStr

if TYPE_CHECKING:
    from taskflow.settings import Settings

__all__ = ["DEFAULT_MAX_BODY_BYTES", "IPNetwork", "WebConfig"]

IPNetwork = IPv4Network | IPv6Network

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: far above any valid request (a task description is a few KiB at most)."""


def _networks(values: Sequence[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    return tuple(ip_network(value, strict=False) for value in values)


@frozen
class WebConfig:
    """The web edge's configuration. ``WebConfig.from_settings(settings)`` reads it from
    ``Settings``; the defaults suit tests and a single local process.

    - ``cors_origins``: the only origins a browser may call from (none by default).
    - ``trusted_proxies``: networks whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are
      believed; from anyone else those headers are ignored (they are trivially forged).
    - ``rate_limit`` / ``auth_rate_limit``: per client IP, in the ``limits`` notation; the
      second applies in addition on the public auth endpoints (login, signup...).
      ``None`` turns limiting off.
    - ``rate_limit_storage_url``: ``memory://`` (one process) or a Redis URL (shared).
    - ``redis_url``: checked by ``GET /ready`` when set.
    """

    cors_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[IPNetwork, ...] = field(default=(), converter=_networks)
    rate_limit: str | None = "100/minute"
    auth_rate_limit: str | None = "10/minute"
    rate_limit_storage_url: SecretStr = field(default=SecretStr("memory://"), repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    redis_url: SecretStr | None = field(default=None, repr=False)
    sentry_dsn: SecretStr | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        redis_url = settings.redis_url
        return cls(
            cors_origins=tuple(settings.cors_origins),
            trusted_proxies=tuple(settings.trusted_proxies),
            rate_limit=settings.rate_limit,
            auth_rate_limit=settings.auth_rate_limit,
            rate_limit_storage_url=redis_url or SecretStr("memory://"),
            redis_url=redis_url,
            sentry_dsn=settings.sentry_dsn,
        )
