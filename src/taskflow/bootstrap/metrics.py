"""A process's metrics (``taskflow.adapters.prometheus``, the ``metrics`` extra): the
backlog read from ``tf``'s database, and the queue's depth from the queue given, or else
from the Redis Streams queue ``REDIS_URL`` names (the workers' shared backlog), or from
none (an in-process queue of another process cannot be seen: the gauge is left out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.errors import ConfigurationError
from taskflow.messaging.backlog import Backlog, read_backlog
from taskflow.ports.messaging import Queue
from taskflow.version import pip_install

if TYPE_CHECKING:
    from taskflow.adapters.prometheus import TaskflowMetrics
    from taskflow.bootstrap.app import TaskFlow

__all__ = ["build_metrics"]


def build_metrics(tf: TaskFlow, *, queue: Queue | None = None) -> TaskflowMetrics:
    """``ConfigurationError`` naming the extra when prometheus-client is missing."""
    try:
        from taskflow.adapters.prometheus import TaskflowMetrics  # noqa: PLC0415 - an extra
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            f"Metrics need the optional dependency {error.name!r}: "
            f"install it with: {pip_install('metrics')}"
        ) from None
    if queue is None and tf.settings is not None and tf.settings.redis_url is not None:
        from taskflow.bootstrap.queue import build_queue  # noqa: PLC0415

        queue = build_queue(tf.settings)  # only its depth() is read: it joins no group

    def backlog() -> Backlog:
        return read_backlog(tf.uow_factory, tf.clock.now())

    return TaskflowMetrics(backlog=backlog, queue_depth=None if queue is None else queue.depth)
