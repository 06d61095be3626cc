"""Settings to a queue: RabbitMQ or Redis Streams as ``TASKFLOW_QUEUE_URL`` names, else
Redis Streams with ``REDIS_URL``, else the in-process queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskflow.errors import ConfigurationError
from taskflow.ports.messaging import Queue
from taskflow.version import pip_install

if TYPE_CHECKING:
    from taskflow.settings import Settings

__all__ = ["QUEUE_NAMES", "build_in_process_queue", "build_queue"]

QUEUE_NAMES = {"in_process": "in-process", "redis": "Redis Streams", "rabbitmq": "RabbitMQ"}
"""``Settings.queue_kind`` to the queue's name in log lines."""


def build_queue(settings: Settings, **options: Any) -> Queue:
    """The queue ``settings`` name (``Settings.queue_kind``): RabbitMQ for an ``amqp://``
    ``TASKFLOW_QUEUE_URL``, Redis Streams for a ``redis://`` one or, without it, for
    ``REDIS_URL``; otherwise the in-process queue; named ``TASKFLOW_QUEUE_NAME`` if set.
    ``options`` go to the queue's constructor."""
    kind = settings.queue_kind
    url = settings.resolved_queue_url()
    if kind == "in_process" or url is None:
        return build_in_process_queue(**options)
    if settings.queue_name is not None:
        options.setdefault("queue" if kind == "rabbitmq" else "stream", settings.queue_name)
    variable = "TASKFLOW_QUEUE_URL" if settings.queue_url is not None else "REDIS_URL"
    try:
        if kind == "rabbitmq":
            from taskflow.adapters.rabbitmq.queue import RabbitMQQueue  # noqa: PLC0415

            return RabbitMQQueue.from_url(url, **options)
        from taskflow.adapters.redis.queue import RedisStreamQueue  # noqa: PLC0415 - an extra
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            f"{variable} names {QUEUE_NAMES[kind]}, which needs the optional dependency "
            f"{error.name!r}: install it with: {pip_install(kind)}"
        ) from None
    return RedisStreamQueue.from_url(url, **options)


def build_in_process_queue(**options: Any) -> Queue:
    """The in-process queue (no server); ``options`` go to its constructor."""
    from taskflow.adapters.memory.queue import InProcessQueue  # noqa: PLC0415

    return InProcessQueue(**options)
