"""Error reporting to Sentry when ``SENTRY_DSN`` is set (``pip install 'taskflow-embed[sentry]'``).

Unexpected errors are logged at ERROR level by the error mapping; Sentry's logging
integration turns those records into events, so nothing else needs wiring. No request
bodies, cookies or user IPs are sent (``send_default_pii=False``,
``max_request_body_size="never"``), no frame's local variables (they hold passwords and
tokens under innocent names), and taskflow's own secret key names are scrubbed.
"""

from __future__ import annotations

from taskflow.errors import ConfigurationError
from taskflow.version import pip_install

__all__ = ["SECRET_KEYS", "init_sentry"]

SECRET_KEYS = (
    "new_password",
    "current_password",
    "password_hash",
    "refresh_token",
    "access_token",
    "token_hash",
    "refresh_jti",
    "jti",
    "database_url",
    "redis_url",
    "queue_url",
    "smtp_password",
    "sentry_dsn",
)
"""Key names taskflow uses for secrets, scrubbed from Sentry events wherever they occur."""

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
            f"SENTRY_DSN is set but sentry-sdk is not installed: {pip_install('sentry')}"
        ) from None
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber  # noqa: PLC0415

    sentry_sdk.init(
        dsn=dsn,
        send_default_pii=False,
        traces_sample_rate=0.0,
        # A frame's locals hold the validated input of the failed call (its repr shows a
        # password or a token in clear, under a harmless name like ``data``), and the
        # request body carries them too: neither is sent.
        include_local_variables=False,
        max_request_body_size="never",
        # The default denylist matches whole key names ("password", "token"): ours too.
        event_scrubber=EventScrubber(denylist=[*DEFAULT_DENYLIST, *SECRET_KEYS], recursive=True),
    )
    _initialised_dsn = dsn
