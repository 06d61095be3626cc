"""The worker: everything that happens after a commit, in background threads.

- the outbox relay (outbox → queue),
- the event consumer (queue → ``handle_event``: delivery rows and in-app notifications),
- the delivery loop (due email deliveries → the mail server; an asyncio loop),
- the periodic jobs (``task.due_soon``...).

``taskflow worker`` runs one in its own process until SIGTERM or SIGINT. With the
in-process queue (no ``REDIS_URL``) the same worker runs as a thread of the application
(``taskflow serve`` starts it). The composition root assembles one from a ``TaskFlow``
(``taskflow.bootstrap.build_worker``)::

    worker = build_worker(tf, settings)
    worker.start()        # returns at once; the threads run
    ...
    worker.stop()         # finishes the event and the delivery pass in hand, then returns

Stopping never loses anything: a message not yet handled stays in the queue (or the
outbox), a mail not yet sent stays a due delivery; the next worker takes them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from attrs import frozen

from taskflow.domain.models import Event
from taskflow.events import EVENT_NAMES
from taskflow.messaging.consumer import EventConsumer, EventHandler
from taskflow.messaging.relay import OutboxRelay
from taskflow.ports.messaging import Queue
from taskflow.ports.services import EventSubscriptions

__all__ = ["DUE_SOON_INTERVAL", "DeliverDue", "PeriodicJob", "Worker"]

logger = logging.getLogger(__name__)

DUE_SOON_INTERVAL = 15 * 60.0
"""Seconds between two runs of the ``task.due_soon`` job (it is idempotent)."""

DeliverDue = Callable[[], Awaitable[int]]
"""One pass of the mail delivery: send what is due, return how many mails were sent."""


@frozen
class PeriodicJob:
    """``run()`` every ``interval`` seconds (the first time at start). It must be safe to
    run on several workers at once (``task.due_soon`` marks what it announced)."""

    name: str
    interval: float
    run: Callable[[], object]


class Worker:
    """The relay, the consumer, the delivery loop and the periodic jobs, one thread each."""

    def __init__(
        self,
        *,
        relay: OutboxRelay,
        queue: Queue,
        handler: EventHandler,
        deliver_due: DeliverDue | None = None,
        jobs: Sequence[PeriodicJob] = (),
        consumer_batch_size: int = 50,
        receive_timeout: float = 1.0,
        event_names: Collection[str] | None = None,
        delivery_interval: float = 1.0,
        stop_timeout: float = 60.0,
        events: EventSubscriptions | None = None,
    ) -> None:
        """``relay`` feeds ``queue``; the consumer hands each event from ``queue`` to
        ``handler`` (idempotent).

        - ``receive_timeout``: the longest wait for a message, hence for an idle consumer
          to notice a stop.
        - ``event_names``: the events ``handler`` wants (others are acknowledged without
          it); ``None``: all.
        - ``delivery_interval``: seconds between delivery passes when nothing is due (a
          handled event wakes the loop at once).
        - ``stop_timeout``: how long ``stop`` waits for the work in hand.
        - ``events``: the subscriptions of the ``TaskFlow`` whose outbox ``relay`` reads
          (``tf.events``): its commits wake the relay at once instead of at its next
          poll. ``None``: polling only."""
        self.relay = relay
        self.queue = queue
        self._handler = handler
        self.consumer = EventConsumer(
            queue,
            self._handle_and_wake_delivery,
            batch_size=consumer_batch_size,
            receive_timeout=receive_timeout,
            event_names=event_names,
        )
        self._deliver_due = deliver_due
        self._jobs = list(jobs)
        self._delivery_interval = delivery_interval
        self._stop_timeout = stop_timeout
        self._stop = threading.Event()
        # The relay stops last: with the in-process queue it marks the events the
        # consumer settled, including the one in hand at the stop.
        self._relay_stop = threading.Event()
        self._delivery_wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._events = events
        self._receivers: list[Callable[[Event], None]] = []

    def _handle_and_wake_delivery(self, event: Event) -> None:
        self._handler(event)
        self._delivery_wake.set()  # the event may have made a mail due

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        """Start the threads and return at once."""
        if self._threads:
            raise RuntimeError("this worker was started already")
        self._connect_wake_up()
        self._spawn("taskflow-relay", self.relay.run, self._relay_stop)
        self._spawn("taskflow-consumer", self.consumer.run, self._stop)
        if self._deliver_due is not None:
            self._spawn("taskflow-delivery", self._run_delivery_loop)
        for job in self._jobs:
            self._spawn(f"taskflow-job-{job.name}", self._run_job, job)
        logger.info("worker started (%d threads)", len(self._threads))

    def request_stop(self) -> None:
        """Ask the threads to finish (safe from a signal handler); ``stop`` also waits."""
        self._stop.set()
        self._delivery_wake.set()

    def stop(self, timeout: float | None = None) -> bool:
        """Stop and wait for the work in hand; returns False if a thread did not finish
        within ``timeout`` (default ``stop_timeout``) seconds."""
        self.request_stop()
        limit = self._stop_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        relay_threads = [t for t in self._threads if t.name == "taskflow-relay"]
        others = [t for t in self._threads if t.name != "taskflow-relay"]
        try:
            self._join(others, deadline)
            self._relay_stop.set()
            self.relay.wake()
            self._join(relay_threads, deadline)
        finally:
            self._disconnect_wake_up()
        stuck = [thread.name for thread in self._threads if thread.is_alive()]
        if stuck:
            logger.error("worker threads still busy after %.0fs: %s", limit, ", ".join(stuck))
        else:
            logger.info("worker stopped")
        return not stuck

    @staticmethod
    def _join(threads: list[threading.Thread], deadline: float) -> None:
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))

    def run(self) -> None:
        """Start, block until ``request_stop`` (a signal), then stop."""
        self.start()
        while not self._stop.wait(0.5):
            pass
        self.stop()

    # Threads -----------------------------------------------------------------------

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=self._guard, args=(name, target, *args), name=name)
        thread.daemon = True  # a stuck send must not keep the process alive at exit
        self._threads.append(thread)
        thread.start()

    def _guard(self, name: str, target: Callable[..., None], *args: Any) -> None:
        try:
            target(*args)
        except Exception:
            logger.exception("worker thread %s crashed", name)

    def _run_job(self, job: PeriodicJob) -> None:
        while not self._stop.is_set():
            try:
                job.run()
            except Exception:
                logger.exception("periodic job %s failed", job.name)
            self._stop.wait(job.interval)

    def _run_delivery_loop(self) -> None:
        asyncio.run(self._delivery_loop())

    async def _delivery_loop(self) -> None:
        assert self._deliver_due is not None  # noqa: S101 - checked by start()
        loop = asyncio.get_running_loop()
        failures = 0
        while not self._stop.is_set():
            # Clear first: a wake-up arriving during the pass triggers another pass.
            self._delivery_wake.clear()
            try:
                sent = await self._deliver_due()
            except Exception:
                failures += 1
                delay = min(30.0, self._delivery_interval * 2**failures)
                logger.exception("mail delivery failed; retrying in %.1fs", delay)
                await loop.run_in_executor(None, self._stop.wait, delay)
                continue
            failures = 0
            if sent == 0:
                await loop.run_in_executor(None, self._delivery_wake.wait, self._delivery_interval)

    # In-process wake-ups -----------------------------------------------------------

    def _connect_wake_up(self) -> None:
        """A commit of this worker's ``TaskFlow`` wakes the relay at once instead of at
        its next poll (events committed by other processes are found by polling)."""
        if self._events is None:
            return

        def on_event(_event: Event) -> None:
            self.relay.wake()

        for name in sorted(EVENT_NAMES):
            self._events.connect(name, on_event)
        self._receivers.append(on_event)

    def _disconnect_wake_up(self) -> None:
        if self._events is not None:
            for receiver in self._receivers:
                for name in EVENT_NAMES:
                    self._events.disconnect(name, receiver)
        self._receivers.clear()
