"""A ``TaskFlow``'s worker: its outbox relayed to the queue the settings name, its
notifications as the handler, its mail delivery and its periodic jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from taskflow.bootstrap.queue import build_in_process_queue, build_queue
from taskflow.messaging.consumer import EventHandler
from taskflow.messaging.relay import OutboxRelay
from taskflow.messaging.worker import DUE_SOON_INTERVAL, DeliverDue, PeriodicJob, Worker
from taskflow.notifications.routing import ROUTES
from taskflow.ports.messaging import Queue

if TYPE_CHECKING:
    from taskflow.bootstrap.app import TaskFlow
    from taskflow.settings import Settings

__all__ = ["ERASE_INTERVAL", "PURGE_INTERVAL", "build_worker"]

PURGE_INTERVAL: Final = 3600.0
"""Seconds between two runs of ``tf.auth.purge_expired`` by the worker."""
ERASE_INTERVAL: Final = 3600.0
"""Seconds between two runs of ``tf.auth.erase_due`` (accounts past their grace period)."""


def build_worker(
    tf: TaskFlow,
    settings: Settings | None = None,
    *,
    queue: Queue | None = None,
    handler: EventHandler | None = None,
    deliver_due: DeliverDue | None = None,
    jobs: Sequence[PeriodicJob] | None = None,
    due_soon_interval: float = DUE_SOON_INTERVAL,
    **worker_options: Any,
) -> Worker:
    """The worker of ``tf``: the queue ``settings`` name (``REDIS_URL``: Redis Streams,
    else in-process; ``settings=None`` is the in-process queue), ``tf.notifications`` as
    the handler, its mail and push delivery (when ``tf`` has a mailer or a push sender)
    and its periodic jobs (``task.due_soon``, and ``tf.auth.purge_expired`` and
    ``tf.auth.erase_due`` hourly). Commits of ``tf`` (and of no other ``TaskFlow``) wake
    its relay. Every part can be replaced; ``worker_options`` go to ``Worker``."""
    if queue is None:
        queue = build_queue(settings) if settings is not None else build_in_process_queue()
    if handler is None:
        handler = tf.notifications.handle_event
        # Events that notify nobody (task.created...) skip the handler's transaction.
        worker_options.setdefault("event_names", {route.event for route in ROUTES})
    if deliver_due is None and (tf.mailer is not None or tf.push is not None):
        deliver_due = tf.notifications.deliver_due
    if jobs is None:
        jobs = [
            PeriodicJob("due-soon", due_soon_interval, tf.notifications.run_due_soon),
            # Sessions, denied tokens and login counters that can no longer matter.
            PeriodicJob("purge-expired", PURGE_INTERVAL, tf.auth.purge_expired),
            # Accounts whose deletion grace period is over (services/auth/erasure.py).
            PeriodicJob("erase-accounts", ERASE_INTERVAL, tf.auth.erase_due),
        ]
    worker_options.setdefault("events", tf.events)
    return Worker(
        relay=OutboxRelay(tf.uow_factory, queue, tf.clock),
        queue=queue,
        handler=handler,
        deliver_due=deliver_due,
        jobs=jobs,
        **worker_options,
    )
