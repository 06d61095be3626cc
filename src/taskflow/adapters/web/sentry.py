"""Error reporting to Sentry when ``SENTRY_DSN`` is set (``pip install 'taskflow[sentry]'``).

Unexpected errors are logged at ERROR level by the error mapping; Sentry's logging
integration turns those records into events, so nothing else needs wiring. No request
bodies, cookies or user IPs are sent (``send_default_pii=False``).
"""

from __future__ import annotations

from taskflow.errors import ConfigurationError

__all__ = ["init_sentry"]

_initialised_dsn: str | None = None


def init_sentry(dsn: str) -> None:
    """Start the Sentry SDK once per process (later calls with the same DSN do nothing)."""
    global _initialised_dsn  # noqa: PLW0603 - the SDK itself is process-global
    if _initialised_dsn == dsn:
        return
    try:
        import sentry_sdk  # noqa: PLC0415 - an optional extra
    except ImportError:
        raise ConfigurationError(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install 'taskflow[sentry]'"
        ) from None
    sentry_sdk.init(dsn=dsn, send_default_pii=False, traces_sample_rate=0.0)
    _initialised_dsn = dsn
