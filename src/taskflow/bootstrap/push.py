"""Settings to a push sender: Web Push (the ``push`` extra), or none."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from taskflow.errors import ConfigurationError
from taskflow.ports.notifications import PushSender
from taskflow.version import pip_install

if TYPE_CHECKING:
    from taskflow.settings import Settings

__all__ = ["build_push_sender"]

logger = logging.getLogger(__name__)


def build_push_sender(settings: Settings) -> PushSender | None:
    """``TASKFLOW_PUSH``: ``off`` → None; ``auto`` → Web Push when the ``push`` extra is
    installed, else None; ``on`` → Web Push, or ``ConfigurationError`` without the extra.
    The VAPID key is ``TASKFLOW_VAPID_PRIVATE_KEY`` or the one generated in the data
    directory."""
    if settings.push == "off":
        return None
    try:
        from taskflow.adapters.webpush import WebPushSender  # noqa: PLC0415 - an extra
    except ModuleNotFoundError as error:
        if settings.push == "on":
            raise ConfigurationError(
                f"TASKFLOW_PUSH=on needs the optional dependency {error.name!r}: install it "
                f"with: {pip_install('push')}"
            ) from None
        logger.debug("no push: the push extra is not installed (%s)", error.name)
        return None
    return WebPushSender(
        private_key=settings.vapid_key().get_secret_value(),
        subject=settings.resolved_vapid_subject(),
        timeout=settings.push_timeout,
    )
