"""taskflow's background work as tasks of the HOST's Celery app (the ``celery`` extra), for
an application that already runs Celery workers and wants no second kind of worker.
``taskflow worker`` stays the default; this replaces it, it does not run beside it.

::

    from celery import Celery
    from taskflow import TaskFlow
    from taskflow.adapters.celery import install

    app = Celery("host", broker="amqp://...")
    taskflow_tasks = install(app, TaskFlow.from_settings)  # a factory: built in each worker
    app.conf.beat_schedule = {**app.conf.beat_schedule, **taskflow_tasks.beat_schedule()}

What runs where (the task names start with ``prefix``, ``taskflow`` by default):

- ``taskflow.relay_outbox`` (beat, every second; and at once after a commit in a process
  that called ``connect_wake_up``): the outbox relay, publishing each committed event as
  a ``taskflow.handle_event`` task, and marking it published only once Celery's broker
  took it.
- ``taskflow.handle_event``: the event consumer (``tf.notifications.handle_event``:
  delivery rows and in-app notifications, idempotent), with **late acknowledgement**
  (``acks_late``, and ``reject_on_worker_lost``: a worker killed in the middle gives the
  message back instead of acknowledging it), **retries with exponential backoff**
  (``retry_delay * 2**(attempt-1)``, at most ``max_retry_delay``) and, after
  ``max_attempts``, a dead letter: ``on_dead_letter(event, error, attempts)`` (logged as
  an error by default) and the task's FAILURE state.
- ``taskflow.deliver_mail`` (beat, every 5 seconds; and at once after an event was
  handled): passes of ``tf.notifications.deliver_due`` until nothing is due. A mail is
  claimed for ``TASKFLOW_MAIL_CLAIM_TIMEOUT`` while it is sent: a worker killed in the
  middle leaves it to the next pass after that, so at most the one mail in flight can
  be sent twice.
- ``taskflow.due_soon`` (beat, every 15 minutes) and ``taskflow.purge_expired`` (beat,
  hourly): the periodic jobs, safe on several workers at once.

The tasks build their ``TaskFlow`` lazily, once per worker process, from the factory
given to ``install`` (so a prefork pool does not share database connections across a
fork).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from celery import Celery, Task
from kombu.exceptions import KombuError, OperationalError

from taskflow.bootstrap.worker import PURGE_INTERVAL
from taskflow.domain.models import Event
from taskflow.errors import StorageUnavailable
from taskflow.messaging.codec import event_from_json, event_to_json
from taskflow.messaging.consumer import EventHandler
from taskflow.messaging.relay import OutboxRelay
from taskflow.messaging.worker import DUE_SOON_INTERVAL
from taskflow.notifications.routing import ROUTES

if TYPE_CHECKING:
    from taskflow.bootstrap.app import TaskFlow

__all__ = ["CeleryPublisher", "DeadLetterHandler", "TaskflowTasks", "install"]

logger = logging.getLogger(__name__)

_UNAVAILABLE = "Celery's broker is unavailable; the events wait in the outbox."

DeadLetterHandler = Callable[[Event, str, int], None]
"""``(event, last error, attempts)``: an event whose handling failed ``max_attempts``
times. It is no longer in the queue: keep what you need to replay it
(``TaskflowTasks.replay(event)``)."""


def _log_dead_letter(event: Event, error: str, attempts: int) -> None:
    logger.error(
        "event %s (%s) is dead after %d attempts: %s", event.id, event.name, attempts, error
    )


class CeleryPublisher:
    """The relay's side of the queue: each event becomes a ``handle_event`` task message.
    Durable: the broker keeps it (with RabbitMQ, set ``broker_transport_options =
    {"confirm_publish": True}`` so that a publish returns only once the broker confirmed
    it)."""

    durable = True

    def __init__(self, handle_event: Task[Any, Any]) -> None:
        self._task = handle_event

    def publish(self, events: Sequence[Event]) -> None:
        try:
            for event in events:
                self._task.apply_async(args=(event_to_json(event),))
        except (OperationalError, KombuError, OSError) as error:
            raise StorageUnavailable(_UNAVAILABLE) from error

    def drain_settled(self) -> list[UUID]:
        return []  # durable: the relay marks events published once the broker took them


class TaskflowTasks:
    """The tasks ``install`` registered on the host's app, and what to merge into its
    beat schedule."""

    def __init__(
        self,
        app: Celery,
        taskflow: Callable[[], TaskFlow],
        *,
        prefix: str,
        max_attempts: int,
        retry_delay: float,
        max_retry_delay: float,
        relay_interval: float,
        delivery_interval: float,
        due_soon_interval: float,
        purge_interval: float,
        event_names: Collection[str] | None,
        on_dead_letter: DeadLetterHandler,
        handler: EventHandler | None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.app = app
        self.prefix = prefix
        self._factory = taskflow
        self._tf: TaskFlow | None = None
        self._lock = threading.Lock()
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._intervals = {
            "relay_outbox": relay_interval,
            "deliver_mail": delivery_interval,
            "due_soon": due_soon_interval,
            "purge_expired": purge_interval,
        }
        self._event_names = (
            frozenset(event_names)
            if event_names is not None
            else frozenset(route.event for route in ROUTES)
        )
        self._on_dead_letter = on_dead_letter
        self._handler = handler
        self._relay: OutboxRelay | None = None
        self._last_kick: dict[str, float] = {}
        self.handle_event = self._register_handle_event()
        self.publisher = CeleryPublisher(self.handle_event)
        self.relay_outbox = self._register("relay_outbox", self._relay_outbox)
        self.deliver_mail = self._register(
            "deliver_mail",
            self._deliver_mail,
            autoretry_for=(Exception,),
            retry_backoff=True,
            retry_backoff_max=int(max_retry_delay),
            max_retries=max_attempts,
        )
        retried = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 3}
        self.due_soon = self._register("due_soon", self._due_soon, **retried)
        self.purge_expired = self._register("purge_expired", self._purge_expired, **retried)

    # What the host merges --------------------------------------------------------------

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        """Entries for ``app.conf.beat_schedule``. The frequent ones expire after a few
        periods, so a backlog of them is dropped instead of run late, one by one."""
        schedule: dict[str, dict[str, Any]] = {}
        for job, interval in self._intervals.items():
            entry: dict[str, Any] = {"task": f"{self.prefix}.{job}", "schedule": interval}
            if job in {"relay_outbox", "deliver_mail"}:
                entry["options"] = {"expires": max(interval * 5, 10.0)}
            schedule[f"{self.prefix}.{job.replace('_', '-')}"] = entry
        return schedule

    def connect_wake_up(self, tf: TaskFlow) -> Callable[[], None]:
        """Send ``relay_outbox`` at once after each commit of ``tf`` that emitted an event
        (at most one per 0.2 s from this process), instead of waiting for beat. Call it
        in the processes that write (the web application); returns the disconnection."""
        from taskflow.events import EVENT_NAMES  # noqa: PLC0415

        def on_event(_event: Event) -> None:
            self._kick(self.relay_outbox)

        for name in sorted(EVENT_NAMES):
            tf.events.connect(name, on_event)

        def disconnect() -> None:
            for name in EVENT_NAMES:
                tf.events.disconnect(name, on_event)

        return disconnect

    def replay(self, event: Event) -> None:
        """Handle a dead-lettered event again, from a first attempt."""
        self.publisher.publish([event])

    @property
    def taskflow(self) -> TaskFlow:
        """This process's ``TaskFlow``, built on first use."""
        if self._tf is None:
            with self._lock:
                if self._tf is None:
                    self._tf = self._factory()
        return self._tf

    def close(self) -> None:
        """Close the ``TaskFlow`` this process built (at the worker's shutdown)."""
        with self._lock:
            tf, self._tf, self._relay = self._tf, None, None
        if tf is not None:
            tf.close()

    # The tasks ---------------------------------------------------------------------

    def _register(self, job: str, run: Callable[[], object], **options: Any) -> Task[Any, Any]:
        def task() -> object:  # a plain function: Celery reads its signature
            return run()

        task.__name__ = task.__qualname__ = job
        # shared=False: this app's task only, not one of every app made later.
        decorate: Any = self.app.task(
            name=f"{self.prefix}.{job}", shared=False, ignore_result=True, **options
        )
        registered: Task[Any, Any] = decorate(task)
        return registered

    def _register_handle_event(self) -> Task[Any, Any]:
        tasks = self

        @self.app.task(
            name=f"{self.prefix}.handle_event",
            shared=False,
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            max_retries=None,  # counted here: the last attempt is a dead letter
            ignore_result=True,
        )
        def handle_event(task: Task[Any, Any], event_json: str) -> None:
            tasks._handle_event(task, event_json)

        return handle_event

    def _handle_event(self, task: Task[Any, Any], event_json: str) -> None:
        try:
            event = event_from_json(event_json)
        except (ValueError, KeyError, TypeError) as error:
            # Never an event: retrying cannot help.
            logger.error("a %s task without an event (%s): dropped", task.name, error)
            raise
        if event.name not in self._event_names:
            return  # nothing to do for it
        attempt = int(task.request.retries) + 1
        handler = self._handler or self.taskflow.notifications.handle_event
        try:
            handler(event)
        except Exception as error:
            description = f"{type(error).__name__}: {error}"
            if attempt >= self._max_attempts:
                self._on_dead_letter(event, description, attempt)
                raise
            logger.warning(
                "handling %s (event %s, attempt %d) failed: %s; retrying",
                event.name,
                event.id,
                attempt,
                description,
            )
            delay = min(self._max_retry_delay, self._retry_delay * 2 ** (attempt - 1))
            raise task.retry(countdown=delay, exc=error) from error
        self._kick(self.deliver_mail)  # the event may have made a mail due

    def _relay_outbox(self) -> int:
        tf = self.taskflow
        if self._relay is None:
            self._relay = OutboxRelay(tf.uow_factory, self.publisher, tf.clock)
        relayed = 0
        while True:
            published = self._relay.relay_once()
            relayed += published
            if published == 0 or relayed >= 10_000:  # leave room for the other tasks
                return relayed

    def _deliver_mail(self) -> int:
        tf = self.taskflow
        if tf.mailer is None:
            return 0

        async def passes() -> int:  # one event loop (and SMTP connection) for them all
            sent, deadline = 0, time.monotonic() + 60
            try:
                while time.monotonic() < deadline:
                    passed = await tf.notifications.deliver_due()
                    sent += passed
                    if passed == 0:
                        break
            finally:
                # The connection belongs to this loop, which ends here: QUIT, not leak.
                close = getattr(tf.mailer, "aclose", None)
                if close is not None:
                    await close()
            return sent

        return asyncio.run(passes())

    def _due_soon(self) -> int:
        return self.taskflow.notifications.run_due_soon()

    def _purge_expired(self) -> object:
        return self.taskflow.auth.purge_expired()

    def _kick(self, task: Task[Any, Any]) -> None:
        """Send ``task`` now, at most once per 0.2 s from this process; beat sends it
        anyway, so a failure here only costs latency."""
        now = time.monotonic()
        if now - self._last_kick.get(task.name, float("-inf")) < 0.2:
            return
        self._last_kick[task.name] = now
        try:
            task.apply_async(expires=30)
        except (OperationalError, KombuError, OSError):
            logger.warning("could not send %s: beat will", task.name, exc_info=True)


def install(
    app: Celery,
    taskflow: Callable[[], TaskFlow],
    *,
    prefix: str = "taskflow",
    max_attempts: int = 5,
    retry_delay: float = 1.0,
    max_retry_delay: float = 60.0,
    relay_interval: float = 1.0,
    delivery_interval: float = 5.0,
    due_soon_interval: float = DUE_SOON_INTERVAL,
    purge_interval: float = PURGE_INTERVAL,
    event_names: Collection[str] | None = None,
    on_dead_letter: DeadLetterHandler = _log_dead_letter,
    handler: EventHandler | None = None,
) -> TaskflowTasks:
    """Register taskflow's tasks on the host's ``app``; ``taskflow`` builds the
    ``TaskFlow`` they use, once per worker process (``TaskFlow.from_settings``, or a
    function of yours). Merge ``.beat_schedule()`` into the app's beat schedule.

    ``event_names``: the events the handler wants (default: the routed ones; the others
    are acknowledged without opening a transaction); ``handler``: what handles an event
    (default: ``tf.notifications.handle_event``; idempotent, raises to be retried)."""
    return TaskflowTasks(
        app,
        taskflow,
        prefix=prefix,
        max_attempts=max_attempts,
        retry_delay=retry_delay,
        max_retry_delay=max_retry_delay,
        relay_interval=relay_interval,
        delivery_interval=delivery_interval,
        due_soon_interval=due_soon_interval,
        purge_interval=purge_interval,
        event_names=event_names,
        on_dead_letter=on_dead_letter,
        handler=handler,
    )
