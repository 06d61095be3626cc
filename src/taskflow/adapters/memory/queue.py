"""The in-process queue: the embedded default, no server. Messages live in this process's
memory and are consumed by a worker thread of the same application.

It is not durable, and says so (``durable = False``): the outbox row of an event stays
unpublished until its message is settled here, so a crash loses nothing — the next start
relays the unsettled events again (see ``taskflow.messaging.relay``).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from uuid import UUID

import attrs
from attrs import frozen

from taskflow.domain.models import Event
from taskflow.ports.messaging import Message

__all__ = ["DeadLetter", "InProcessQueue"]

logger = logging.getLogger(__name__)


@frozen
class DeadLetter:
    message: Message
    error: str


class InProcessQueue:
    """A thread-safe queue with retries: a failed message comes back after
    ``retry_delay * 2**(attempt-1)`` seconds, and after ``max_attempts`` deliveries it goes
    to ``dead_letters`` (logged as an error) instead."""

    durable = False

    def __init__(
        self, *, max_attempts: int = 5, retry_delay: float = 1.0, max_retry_delay: float = 60.0
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._ready: deque[Message] = deque()
        self._delayed: list[tuple[float, int, Message]] = []  # (due, tie-breaker, message)
        self._order = itertools.count()
        self._settled: list[UUID] = []
        self._in_hand: set[str] = set()  # receipts received and not yet settled
        self._dead: list[DeadLetter] = []
        self._changed = threading.Condition()

    @property
    def dead_letters(self) -> list[DeadLetter]:
        with self._changed:
            return list(self._dead)

    def pending(self) -> int:
        """Messages waiting to be received (ready or waiting for a retry)."""
        with self._changed:
            return len(self._ready) + len(self._delayed)

    def depth(self) -> int:
        with self._changed:
            return len(self._ready) + len(self._delayed) + len(self._in_hand)

    def publish(self, events: Sequence[Event]) -> None:
        with self._changed:
            self._ready.extend(Message(event=e, receipt=str(e.id)) for e in events)
            self._changed.notify_all()

    def receive(self, *, max_messages: int, timeout: float) -> list[Message]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                self._promote_due()
                if self._ready:
                    count = min(max_messages, len(self._ready))
                    received = [self._ready.popleft() for _ in range(count)]
                    self._in_hand.update(message.receipt for message in received)
                    return received
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                if self._delayed:
                    remaining = min(remaining, self._delayed[0][0] - time.monotonic())
                self._changed.wait(max(remaining, 0.0))

    def ack(self, message: Message) -> None:
        self.ack_many([message])

    def ack_many(self, messages: Sequence[Message]) -> None:
        with self._changed:
            self._settled.extend(message.event.id for message in messages)
            self._in_hand.difference_update(message.receipt for message in messages)

    def retry(self, message: Message, error: str) -> None:
        with self._changed:
            self._in_hand.discard(message.receipt)
            if message.attempt >= self._max_attempts:
                logger.error(
                    "event %s (%s) is dead after %d attempts: %s",
                    message.event.id,
                    message.event.name,
                    message.attempt,
                    error,
                )
                self._dead.append(DeadLetter(message=message, error=error))
                self._settled.append(message.event.id)
                return
            delay = min(self._max_retry_delay, self._retry_delay * 2 ** (message.attempt - 1))
            again = attrs.evolve(message, attempt=message.attempt + 1)
            heapq.heappush(self._delayed, (time.monotonic() + delay, next(self._order), again))
            self._changed.notify_all()

    def release(self, message: Message) -> None:
        with self._changed:
            self._in_hand.discard(message.receipt)
            self._ready.appendleft(message)
            self._changed.notify_all()

    def replay_dead_letters(self) -> int:
        """Deliver every dead letter again, from a first attempt; returns how many."""
        with self._changed:
            dead, self._dead = self._dead, []
            self._ready.extend(attrs.evolve(d.message, attempt=1) for d in dead)
            self._changed.notify_all()
            return len(dead)

    def drain_settled(self) -> list[UUID]:
        with self._changed:
            settled, self._settled = self._settled, []
            return settled

    def close(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _promote_due(self) -> None:
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            self._ready.append(heapq.heappop(self._delayed)[2])
