"""Settings to a queue: Redis Streams with ``REDIS_URL``, else the in-process queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskflow.errors import ConfigurationError
from taskflow.ports.messaging import Queue
from taskflow.version import pip_install

if TYPE_CHECKING:
    from taskflow.settings import Settings

__all__ = ["build_in_process_queue", "build_queue"]


def build_queue(settings: Settings, **options: Any) -> Queue:
    """The queue ``settings`` name: Redis Streams with ``REDIS_URL``, otherwise the
    in-process queue. ``options`` go to the queue's constructor."""
    if settings.redis_url is None:
        return build_in_process_queue(**options)
    try:
        from taskflow.adapters.redis.queue import RedisStreamQueue  # noqa: PLC0415 - an extra
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            f"REDIS_URL is set, which needs the optional dependency {error.name!r}: "
            f"install it with: {pip_install('redis')}"
        ) from None
    return RedisStreamQueue.from_url(settings.redis_url.get_secret_value(), **options)


def build_in_process_queue(**options: Any) -> Queue:
    """The in-process queue (no server); ``options`` go to its constructor."""
    from taskflow.adapters.memory.queue import InProcessQueue  # noqa: PLC0415

    return InProcessQueue(**options)
