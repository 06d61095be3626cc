"""The consumer: takes messages from a queue and hands each event to a handler.

A message is acknowledged only after the handler returned, i.e. once the event's work is
durably recorded; a handler that raises gets the message retried (later, by the queue),
and after the queue's last attempt the message goes to its dead letters. The handler
must be idempotent: a message can arrive twice (a crash after the work, before the ack).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection

from taskflow.domain.models import Event
from taskflow.ports.messaging import Message, Queue

__all__ = ["EventConsumer", "EventHandler"]

logger = logging.getLogger(__name__)

EventHandler = Callable[[Event], None]
"""Does an event's work, idempotently; raises if it could not (the message is retried)."""


class EventConsumer:
    """``consume_once()`` handles one batch; ``run(stop)`` loops until ``stop`` is set,
    finishing the message in hand and giving back the rest of its batch."""

    def __init__(
        self,
        queue: Queue,
        handler: EventHandler,
        *,
        batch_size: int = 10,
        receive_timeout: float = 1.0,
        max_backoff: float = 30.0,
        event_names: Collection[str] | None = None,
    ) -> None:
        """``event_names``: the events the handler wants; the others are acknowledged
        without calling it (``None``: every event)."""
        self._queue = queue
        self._handler = handler
        self._event_names = frozenset(event_names) if event_names is not None else None
        self._batch_size = batch_size
        self._receive_timeout = receive_timeout
        self._max_backoff = max_backoff

    def consume_once(self, stop: threading.Event | None = None) -> int:
        """Receive one batch and work on it; returns how many messages were worked on
        (handled, or handed back for a retry). The batch's successes are acknowledged
        together at its end (one round trip); a crash before that repeats them, which
        the idempotent handler absorbs."""
        messages = self._queue.receive(max_messages=self._batch_size, timeout=self._receive_timeout)
        done: list[Message] = []
        worked = 0
        try:
            for index, message in enumerate(messages):
                if stop is not None and stop.is_set():
                    self._give_back(messages[index:])
                    break
                if self._work(message):
                    done.append(message)
                worked += 1
        finally:
            self._queue.ack_many(done)
        return worked

    def handle(self, message: Message) -> None:
        """Handle one message and acknowledge it (or have it retried)."""
        if self._work(message):
            self._queue.ack(message)

    def _work(self, message: Message) -> bool:
        """True if the message is done (to acknowledge); False if it was retried."""
        event = message.event
        if self._event_names is not None and event.name not in self._event_names:
            return True  # nothing to do for it here
        try:
            self._handler(event)
        except Exception as error:
            logger.exception(
                "handling %s (event %s, attempt %d) failed",
                event.name,
                event.id,
                message.attempt,
            )
            self._queue.retry(message, f"{type(error).__name__}: {error}")
            return False
        return True

    def run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                self.consume_once(stop)
            except Exception:
                failures += 1
                delay = min(self._max_backoff, 0.5 * 2**failures)
                logger.exception("the consumer failed; retrying in %.1fs", delay)
                stop.wait(delay)
                continue
            failures = 0

    def _give_back(self, messages: list[Message]) -> None:
        # Last first: a queue that puts a released message at its front keeps the order.
        for message in reversed(messages):
            try:
                self._queue.release(message)
            except Exception:  # it comes back after the visibility timeout anyway
                logger.warning("could not release message %s", message.receipt, exc_info=True)
