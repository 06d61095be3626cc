"""The outbox relay: publishes committed events from the outbox to a queue.

Every event is written to the outbox in the transaction of the change that caused it, so
a committed change always has its event waiting there. The relay copies the waiting
events to the queue and marks them published; when the queue is down nothing is marked,
the events stay and the next pass publishes them. A crash between the publish and the
mark publishes them again: delivery is *at least once* and handlers are idempotent.

Two kinds of queue:

- durable (Redis): one transaction claims a batch (rows locked, other relays skip them),
  publishes it and marks it published.
- not durable (the in-process queue): a message in memory dies with the process, so the
  row stays unpublished until the queue reports the message settled (acknowledged or
  dead-lettered); the relay remembers what it has in flight so as not to send it twice.
  After a crash, the rows still unpublished are simply sent again.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from uuid import UUID

from taskflow.ports.messaging import QueuePublisher
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["OutboxRelay"]

logger = logging.getLogger(__name__)


class OutboxRelay:
    """Call ``relay_once()`` for one pass, or ``run(stop)`` to loop until ``stop`` is set.

    ``run`` polls every ``poll_interval`` seconds while the outbox is empty; ``wake()``
    ends the wait at once (the worker calls it when a unit of work in this process
    commits an event). After a failure it backs off exponentially up to ``max_backoff``.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        queue: QueuePublisher,
        clock: Clock,
        *,
        batch_size: int = 100,
        max_in_flight: int = 1000,
        poll_interval: float = 0.5,
        max_backoff: float = 30.0,
        retention: timedelta | None = timedelta(days=7),
        purge_interval: float = 3600.0,
    ) -> None:
        if batch_size < 1 or max_in_flight < 1:
            raise ValueError("batch_size and max_in_flight must be at least 1")
        self._uow = uow_factory
        self._queue = queue
        self._clock = clock
        self._batch_size = batch_size
        self._max_in_flight = max_in_flight
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._retention = retention
        self._purge_interval = purge_interval
        self._next_purge = 0.0
        self._wake = threading.Event()
        # Only for a queue that is not durable: sent but not yet settled, and settled but
        # not yet marked published (kept until the mark succeeds).
        self._in_flight: set[UUID] = set()
        self._settled: set[UUID] = set()

    @property
    def in_flight(self) -> int:
        """Events handed to a non-durable queue and not settled yet."""
        return len(self._in_flight)

    def wake(self) -> None:
        """End the current wait of ``run`` (something new is in the outbox, or stop)."""
        self._wake.set()

    def relay_once(self) -> int:
        """One pass; returns how many events it published. Raises when the queue or the
        database fails (nothing is lost: the events stay in the outbox)."""
        published = self._relay_durable() if self._queue.durable else self._relay_in_process()
        self._purge_if_due()
        return published

    def run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                published = self.relay_once()
            except Exception:
                failures += 1
                delay = min(self._max_backoff, self._poll_interval * 2**failures)
                logger.exception("outbox relay failed; the events wait, retrying in %.1fs", delay)
                self._sleep(delay)
                continue
            failures = 0
            if published < self._batch_size:
                self._sleep(self._poll_interval)
        if not self._queue.durable:
            try:
                self.mark_settled()
            except Exception:  # those events are relayed again at the next start
                logger.exception("could not mark the last settled events published")

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _relay_durable(self) -> int:
        with self._uow() as uow:
            events = uow.outbox.claim_unpublished(self._batch_size)
            if not events:
                return 0
            # Publish while the rows are locked: another relay skips them, and if the
            # queue refuses, the exception rolls back and the rows stay unpublished.
            self._queue.publish(events)
            uow.outbox.mark_published([event.id for event in events], self._clock.now())
            uow.commit()
        logger.debug("relayed %d events", len(events))
        return len(events)

    def mark_settled(self) -> int:
        """Mark published the events a non-durable queue reports settled; returns how
        many. ``run`` calls it on every pass and once more when it stops."""
        self._settled.update(self._queue.drain_settled())
        if not self._settled:
            return 0
        with self._uow() as uow:
            uow.outbox.mark_published(sorted(self._settled), self._clock.now())
            uow.commit()
        marked = len(self._settled)
        self._in_flight -= self._settled
        self._settled.clear()
        return marked

    def _relay_in_process(self) -> int:
        self.mark_settled()
        room = min(self._batch_size, self._max_in_flight - len(self._in_flight))
        if room <= 0:
            return 0
        with self._uow() as uow:
            # The oldest rows may all be in flight already: read past them.
            candidates = uow.outbox.claim_unpublished(room + len(self._in_flight))
            uow.commit()
        events = [event for event in candidates if event.id not in self._in_flight][:room]
        if not events:
            return 0
        self._queue.publish(events)
        self._in_flight.update(event.id for event in events)
        return len(events)

    def _purge_if_due(self) -> None:
        if self._retention is None or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + self._purge_interval
        with self._uow() as uow:
            purged = uow.outbox.purge_published(self._clock.now() - self._retention)
            uow.commit()
        if purged:
            logger.info("purged %d published outbox events", purged)
