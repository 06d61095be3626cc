"""The queue on RabbitMQ (pika, synchronous): a durable quorum queue shared by every worker.

The topology, declared (idempotently) by whichever process connects first::

    exchange <name> ──▶ quorum queue <name>        x-delivery-limit = max_attempts - 1,
      ▲                       │                    dead letters ─▶ exchange <name>.dead
      │ (after the delay)     ▼ retry                                   │
    quorum queues <name>.retry.<ms>  (x-message-ttl)                     ▼
                                                                quorum queue <name>.dead

- ``publish``: persistent messages with publisher confirms and ``mandatory``: a message
  counts as published only once the broker confirmed it (stored by a majority of the
  quorum queue's replicas); a refusal raises and the events stay in the outbox.
- ``receive``: a consumer with ``prefetch`` (``basic.qos``) and manual acknowledgement;
  deliveries wait in a local buffer, unacknowledged, until ``receive`` hands them out.
- ``ack``: ``basic.ack``, called by the consumer only once the event's outcome is stored.
- A consumer that dies (its connection closes, or misses its heartbeats) has its
  unacknowledged messages put back by the broker at once, which counts the delivery
  (``x-delivery-count``); after ``max_attempts`` deliveries the broker itself moves the
  message to the dead letters (quorum queues' ``x-delivery-limit``): a message that kills
  its worker every time cannot block the queue.
- ``retry``: a copy goes to the retry queue of its delay (``retry_delay * 2**(attempt-1)``,
  at most ``max_retry_delay``), whose TTL sends it back to the queue afterwards; then the
  original is acknowledged. After the last attempt the copy goes to the dead letters with
  the error instead. A crash between the two steps delivers the event twice (the handler
  is idempotent), never zero times.
- Dead-lettering from a quorum queue is ``at-least-once`` (with ``x-overflow:
  reject-publish``), so a broker restart in the middle loses no dead letter.

The attempt number is the broker's delivery count of this copy plus the attempts its
earlier copies had (a header), so it survives retries and releases.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import pika
import pika.exceptions

from taskflow.domain.models import Event
from taskflow.errors import ConfigurationError, StorageUnavailable
from taskflow.messaging.codec import event_from_json, event_to_json
from taskflow.ports.messaging import Message

__all__ = ["RabbitMQQueue"]

logger = logging.getLogger(__name__)

_UNAVAILABLE = "The queue (RabbitMQ) is unavailable; the events wait in the outbox."
PREVIOUS_ATTEMPTS: Final = "x-taskflow-previous-attempts"
"""Header: deliveries the earlier copies of this message had (retries, releases)."""
ERROR: Final = "x-taskflow-error"
ATTEMPTS: Final = "x-taskflow-attempts"
FAILED_AT: Final = "x-taskflow-failed-at"
_PERSISTENT = 2
_PRECONDITION_FAILED = 406

# What pika raises when the broker or the connection fails (as opposed to a bug here).
_BROKER_ERRORS = (pika.exceptions.AMQPError, OSError)


def _timestamp() -> str:
    return datetime.now(UTC).isoformat()


class _Link:
    """One connection and its one channel (confirms on), made on first use and again after
    a failure; a lock makes it safe for several threads (pika's connection is not)."""

    def __init__(
        self, parameters: pika.ConnectionParameters, declare: Callable[[Any], None]
    ) -> None:
        self._parameters = parameters
        self._declare = declare
        self._connection: Any = None
        self._channel: Any = None
        self.generation = 0
        """Bumped on every new channel: a delivery tag means something only on its own."""
        self.lock = threading.RLock()
        self.on_new_channel: Callable[[Any], None] | None = None

    def channel(self) -> Any:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self.reset()
        self._connection = pika.BlockingConnection(self._parameters)
        channel = self._connection.channel()
        self._declare(channel)
        channel.confirm_delivery()
        self.generation += 1
        self._channel = channel
        if self.on_new_channel is not None:
            self.on_new_channel(channel)
        return channel

    @property
    def connection(self) -> Any:
        self.channel()
        return self._connection

    @property
    def is_open(self) -> bool:
        return self._channel is not None and self._channel.is_open

    def reset(self) -> None:
        """Close quietly: the broker puts back whatever this connection held unacknowledged."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except _BROKER_ERRORS:
                logger.debug("closing the RabbitMQ connection failed", exc_info=True)


class RabbitMQQueue:
    """The ``Queue`` port on RabbitMQ. Thread-safe: the relay publishes on a connection of
    its own, the consumer receives and settles on another."""

    durable = True

    def __init__(
        self,
        parameters: pika.ConnectionParameters | str,
        *,
        queue: str = "taskflow.events",
        max_attempts: int = 5,
        retry_delay: float = 1.0,
        max_retry_delay: float = 60.0,
        prefetch: int = 100,
    ) -> None:
        """``parameters``: an ``amqp://`` URL or pika's ``ConnectionParameters``;
        ``queue``: the name of the queue (and the prefix of its exchanges and retry and
        dead-letter queues); ``prefetch``: deliveries a consumer may hold unacknowledged
        (at least the consumer's batch size, or batches come short)."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if retry_delay <= 0 or max_retry_delay <= 0 or prefetch < 1:
            raise ValueError("retry_delay and max_retry_delay must be positive, prefetch >= 1")
        if isinstance(parameters, str):
            parameters = pika.URLParameters(parameters)
        self.queue = queue
        self.exchange = queue
        self.dead_letter_exchange = f"{queue}.dead"
        self.dead_letter_queue = f"{queue}.dead"
        self._max_attempts = max_attempts
        self._retry_delay_ms = max(int(retry_delay * 1000), 1)
        self._max_retry_delay_ms = max(int(max_retry_delay * 1000), 1)
        self._prefetch = prefetch
        self._retry_queues: set[str] = set()
        """Every retry queue this object declared (for ``delete``)."""
        self._declared_retry_queues: set[str] = set()
        """Those declared on the current connections (a new connection declares again)."""
        self._buffer: deque[Message] = deque()
        self._in_hand: set[str] = set()
        """Receipts of the deliveries handed out and not yet settled (``depth``)."""
        self._publisher = _Link(parameters, self._declare)
        self._consumer = _Link(parameters, self._declare)
        self._consumer.on_new_channel = self._new_consumer_channel
        self._consumer_tag: str | None = None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RabbitMQQueue:
        parameters = pika.URLParameters(url)
        # Fail fast when the broker is down (the relay retries with backoff), and notice
        # a dead peer within a minute.
        if "connection_attempts" not in url:
            parameters.connection_attempts = 1
        if "socket_timeout" not in url:
            parameters.socket_timeout = 5
        if "blocked_connection_timeout" not in url:
            parameters.blocked_connection_timeout = 30
        return cls(parameters, **options)

    @property
    def max_attempts(self) -> int:
        return self._max_attempts

    def retry_queue(self, attempt: int) -> str:
        """The queue a message waits in before its attempt ``attempt + 1``."""
        return f"{self.queue}.retry.{self._retry_delay(attempt)}ms"

    # The Queue port ------------------------------------------------------------------

    def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        with self._publisher.lock, self._failures_as_unavailable(self._publisher):
            reused = self._publisher.is_open
            try:
                self._publish(events)
            except (pika.exceptions.AMQPConnectionError, pika.exceptions.ChannelWrongStateError):
                if not reused:
                    raise
                # The broker may have closed a connection left idle past its heartbeat
                # (a blocking connection answers heartbeats only when used): once more on
                # a new one. A message the old one sent unconfirmed may go twice, which
                # the idempotent handler absorbs.
                self._publisher.reset()
                self._publish(events)

    def _publish(self, events: Sequence[Event]) -> None:
        channel = self._publisher.channel()
        for event in events:
            self._send(channel, self.exchange, self.queue, event_to_json(event), {})

    def receive(self, *, max_messages: int, timeout: float) -> list[Message]:
        with self._consumer.lock, self._failures_as_unavailable(self._consumer):
            self._subscribe()
            connection = self._consumer.connection
            deadline = time.monotonic() + timeout
            connection.process_data_events(time_limit=0)
            while not self._buffer and (remaining := deadline - time.monotonic()) > 0:
                # Returns as soon as a delivery was dispatched, or after the time limit.
                connection.process_data_events(time_limit=remaining)
            count = min(max_messages, len(self._buffer))
            handed = [self._buffer.popleft() for _ in range(count)]
            self._in_hand.update(message.receipt for message in handed)
            return handed

    def ack(self, message: Message) -> None:
        self.ack_many([message])

    def ack_many(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        with self._consumer.lock, self._failures_as_unavailable(self._consumer):
            channel = self._current_channel()
            for message in messages:
                self._in_hand.discard(message.receipt)
                tag = self._tag(message)
                if tag is not None and channel is not None:
                    channel.basic_ack(delivery_tag=tag)

    def retry(self, message: Message, error: str) -> None:
        with self._consumer.lock, self._failures_as_unavailable(self._consumer):
            self._in_hand.discard(message.receipt)
            if message.attempt >= self._max_attempts:
                logger.error(
                    "event %s (%s) is dead after %d attempts: %s",
                    message.event.id,
                    message.event.name,
                    message.attempt,
                    error,
                )
                self._settle_as_dead(message, event_to_json(message.event), error)
                return
            self._move(message, self.retry_queue(message.attempt), previous=message.attempt)

    def release(self, message: Message) -> None:
        with self._consumer.lock, self._failures_as_unavailable(self._consumer):
            self._in_hand.discard(message.receipt)
            # Released at a stop: this consumer takes no more deliveries (until its next
            # receive), or the copy could come straight back to it.
            self._unsubscribe()
            # A copy at the back of the queue with the same attempt number: putting the
            # delivery back (basic.nack) would count one more delivery.
            self._move(message, self.queue, previous=message.attempt - 1, exchange=self.exchange)

    def drain_settled(self) -> list[UUID]:
        return []  # durable: the relay marks events published once the broker confirmed

    def close(self) -> None:
        """Give back the deliveries received but not handed out (same attempt), then close
        both connections; whatever is still unacknowledged goes back to the queue."""
        with self._consumer.lock:
            try:
                self._unsubscribe()
                while self._buffer and self._consumer.is_open:
                    self.release(self._buffer.popleft())
            except (StorageUnavailable, *_BROKER_ERRORS):
                logger.debug("could not give back the buffered messages", exc_info=True)
            self._buffer.clear()
            self._consumer.reset()
        with self._publisher.lock:
            self._publisher.reset()

    # Inspection and repair -----------------------------------------------------------

    def depth(self) -> int:
        """Messages ready in the queue or waiting in its retry queues, plus the deliveries
        this queue object holds (received, not yet settled). The deliveries other
        consumers hold are not counted: AMQP reports a queue's ready messages only (as
        KEDA's RabbitMQ scaler reads it), so each worker's backlog includes its own
        prefetch."""
        with self._publisher.lock, self._failures_as_unavailable(self._publisher):
            channel = self._publisher.channel()
            names = [self.queue]
            for delay in sorted({self._retry_delay(a) for a in range(1, self._max_attempts)}):
                name = f"{self.queue}.retry.{delay}ms"
                self._declare_retry_queue(channel, name, delay)
                names.append(name)

            def ready() -> int:
                return sum(
                    int(channel.queue_declare(name, passive=True).method.message_count)
                    for name in names
                )

            # The queues are read one after the other while a retried message may move
            # from its retry queue to the main one: read until two readings agree.
            total, previous = ready(), None
            for _ in range(5):
                if total == previous:
                    break
                previous, total = total, ready()
        with self._consumer.lock:
            return total + len(self._buffer) + len(self._in_hand)

    def pending_count(self) -> int:
        """Messages ready in the queue (not counting those held by consumers)."""
        return self._message_count(self.queue)

    def dead_letter_count(self) -> int:
        return self._message_count(self.dead_letter_queue)

    def dead_letters(self, count: int = 100) -> list[tuple[Event | None, str, int]]:
        """``(event or None if undecodable, last error, attempts)``, oldest first; they
        stay dead letters (read, then put back)."""
        letters: list[tuple[Event | None, str, int]] = []
        with self._publisher.lock, self._failures_as_unavailable(self._publisher):
            channel = self._publisher.channel()
            tags = []
            for _ in range(count):
                method, properties, body = channel.basic_get(self.dead_letter_queue)
                if method is None:
                    break
                tags.append(method.delivery_tag)
                headers = properties.headers or {}
                try:
                    event: Event | None = event_from_json(body)
                except (ValueError, KeyError, TypeError):
                    event = None
                attempts = int(headers.get(ATTEMPTS, 0))
                if not attempts and headers.get("x-first-death-reason") == "delivery_limit":
                    attempts = self._max_attempts
                letters.append((event, _dead_reason(headers), attempts))
            for tag in tags:
                channel.basic_nack(delivery_tag=tag, requeue=True)
        return letters

    def replay_dead_letters(self, count: int = 100) -> int:
        """Put up to ``count`` dead letters back on the queue for a fresh set of attempts;
        returns how many."""
        replayed = 0
        with self._publisher.lock, self._failures_as_unavailable(self._publisher):
            channel = self._publisher.channel()
            for _ in range(count):
                method, _properties, body = channel.basic_get(self.dead_letter_queue)
                if method is None:
                    break
                self._send(channel, self.exchange, self.queue, body, {})
                channel.basic_ack(delivery_tag=method.delivery_tag)
                replayed += 1
        return replayed

    def delete(self) -> None:
        """Delete the queues and exchanges (tests, or an operator tearing down): every
        message in them is lost. Only the retry queues of this object's delays are
        known (AMQP cannot list queues)."""
        retry_queues = {self.retry_queue(attempt) for attempt in range(1, self._max_attempts)}
        retry_queues |= self._retry_queues
        self.close()  # first: giving back its buffer would declare them again
        with self._publisher.lock, self._failures_as_unavailable(self._publisher):
            channel = self._publisher.channel()
            for name in [self.queue, self.dead_letter_queue, *sorted(retry_queues)]:
                channel.queue_delete(name)
            channel.exchange_delete(self.exchange)
            channel.exchange_delete(self.dead_letter_exchange)
            self._publisher.reset()

    # Internals -----------------------------------------------------------------------

    @contextmanager
    def _failures_as_unavailable(self, link: _Link) -> Iterator[None]:
        try:
            yield
        except pika.exceptions.ChannelClosedByBroker as error:
            link.reset()
            if error.reply_code == _PRECONDITION_FAILED and "inequivalent" in error.reply_text:
                raise ConfigurationError(
                    f"RabbitMQ refused the queue {self.queue!r}: it exists with other "
                    f"arguments ({error.reply_text}). Keep the same max_attempts as the "
                    "workers that declared it, or delete the queue (losing its messages)."
                ) from None
            raise StorageUnavailable(_UNAVAILABLE) from error
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as error:
            # Not confirmed: the queue is missing or full. Nothing may count as sent; the
            # next connection declares the queue again.
            link.reset()
            raise StorageUnavailable(_UNAVAILABLE) from error
        except _BROKER_ERRORS as error:
            link.reset()
            raise StorageUnavailable(_UNAVAILABLE) from error

    def _declare(self, channel: Any) -> None:
        channel.exchange_declare(self.exchange, "direct", durable=True)
        channel.exchange_declare(self.dead_letter_exchange, "direct", durable=True)
        channel.queue_declare(
            self.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        channel.queue_bind(self.dead_letter_queue, self.dead_letter_exchange, self.queue)
        channel.queue_declare(
            self.queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                # Deliveries after the first: the broker dead-letters a message whose
                # consumers died (or gave it back) this many times more.
                "x-delivery-limit": self._max_attempts - 1,
                "x-dead-letter-exchange": self.dead_letter_exchange,
                "x-dead-letter-routing-key": self.queue,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        channel.queue_bind(self.queue, self.exchange, self.queue)
        self._declared_retry_queues.clear()

    def _declare_retry_queue(self, channel: Any, name: str, delay_ms: int) -> None:
        if name in self._declared_retry_queues:
            return
        channel.queue_declare(
            name,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-message-ttl": delay_ms,
                "x-dead-letter-exchange": self.exchange,
                "x-dead-letter-routing-key": self.queue,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        self._declared_retry_queues.add(name)
        self._retry_queues.add(name)

    def _new_consumer_channel(self, _channel: Any) -> None:
        # The old channel's deliveries went back to the queue with it.
        self._buffer.clear()
        self._consumer_tag = None

    def _subscribe(self) -> Any:
        """The consumer's channel, subscribed to the queue (again after a release)."""
        channel = self._consumer.channel()
        if self._consumer_tag is None:
            generation = self._consumer.generation
            channel.basic_qos(prefetch_count=self._prefetch)

            def on_delivery(
                delivery_channel: Any, method: Any, properties: Any, body: bytes
            ) -> None:
                self._on_delivery(delivery_channel, generation, method, properties, body)

            self._consumer_tag = channel.basic_consume(self.queue, on_delivery, auto_ack=False)
        return channel

    def _unsubscribe(self) -> None:
        """No more deliveries to this consumer (those it holds stay its own)."""
        if self._consumer_tag is not None and self._consumer.is_open:
            self._consumer.channel().basic_cancel(self._consumer_tag)
        self._consumer_tag = None

    def _on_delivery(
        self, channel: Any, generation: int, method: Any, properties: Any, body: bytes
    ) -> None:
        headers = properties.headers or {}
        earlier = int(headers.get(PREVIOUS_ATTEMPTS, 0))
        attempt = 1 + earlier + int(headers.get("x-delivery-count", 0))
        receipt = f"{generation}:{method.delivery_tag}"
        try:
            event = event_from_json(body)
        except (ValueError, KeyError, TypeError) as error:
            logger.error("message %s is not an event (%s): dead-lettered", receipt, error)
            # To the dead letters by the broker (x-death reason "rejected").
            channel.basic_reject(delivery_tag=method.delivery_tag, requeue=False)
            return
        message = Message(event=event, receipt=receipt, attempt=attempt)
        if attempt > self._max_attempts:
            # A copy made by a retry or a release, whose consumers then died: the broker
            # counts the deliveries of this copy only.
            logger.error("event %s was not acknowledged after %d deliveries", event.id, attempt - 1)
            self._send(
                channel,
                self.dead_letter_exchange,
                self.queue,
                body,
                {
                    ERROR: "not acknowledged in time (consumer died?)",
                    ATTEMPTS: attempt - 1,
                    FAILED_AT: _timestamp(),
                },
            )
            channel.basic_ack(delivery_tag=method.delivery_tag)
            return
        self._buffer.append(message)

    def _current_channel(self) -> Any:
        return self._consumer.channel() if self._consumer.is_open else None

    def _tag(self, message: Message) -> int | None:
        """The delivery tag, if the message came on the current channel; a message of an
        earlier channel went back to the queue when that channel closed."""
        generation, _, tag = message.receipt.partition(":")
        if int(generation) != self._consumer.generation or not self._consumer.is_open:
            logger.debug("message %s came on a closed channel: it is redelivered", message.receipt)
            return None
        return int(tag)

    def _move(
        self, message: Message, routing_key: str, *, previous: int, exchange: str = ""
    ) -> None:
        """Publish a copy of ``message`` (confirmed), then acknowledge the original."""
        tag = self._tag(message)
        if tag is None:
            return
        channel = self._consumer.channel()
        if exchange == "":  # a retry queue, through the default exchange
            self._declare_retry_queue(channel, routing_key, self._retry_delay(message.attempt))
        body = event_to_json(message.event)
        self._send(channel, exchange, routing_key, body, {PREVIOUS_ATTEMPTS: previous})
        channel.basic_ack(delivery_tag=tag)

    def _settle_as_dead(self, message: Message, body: str, error: str) -> None:
        tag = self._tag(message)
        if tag is None:
            return
        channel = self._consumer.channel()
        headers = {ERROR: error[:2000], ATTEMPTS: message.attempt, FAILED_AT: _timestamp()}
        self._send(channel, self.dead_letter_exchange, self.queue, body, headers)
        channel.basic_ack(delivery_tag=tag)

    @staticmethod
    def _send(
        channel: Any, exchange: str, routing_key: str, body: str | bytes, headers: dict[str, Any]
    ) -> None:
        """Publish one persistent message and wait for the broker's confirm."""
        channel.basic_publish(
            exchange,
            routing_key,
            body.encode() if isinstance(body, str) else body,
            pika.BasicProperties(
                delivery_mode=_PERSISTENT,
                content_type="application/json",
                headers=headers or None,
            ),
            mandatory=True,
        )

    def _retry_delay(self, attempt: int) -> int:
        return min(self._retry_delay_ms << max(attempt - 1, 0), self._max_retry_delay_ms)

    def _message_count(self, queue: str) -> int:
        with self._publisher.lock, self._failures_as_unavailable(self._publisher):
            channel = self._publisher.channel()
            return int(channel.queue_declare(queue, passive=True).method.message_count)


def _dead_reason(headers: dict[str, Any]) -> str:
    """The error a dead letter carries: taskflow's, or the broker's reason."""
    if ERROR in headers:
        return str(headers[ERROR])
    reason = headers.get("x-first-death-reason")
    if reason == "delivery_limit":
        return "delivered too many times (consumers died?)"
    return f"dead-lettered by RabbitMQ: {reason}" if reason else ""
