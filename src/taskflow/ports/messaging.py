"""Ports for moving committed events out of the database: the outbox and the queue.

The flow (see docs/events.md)::

    service ──uow.emit──▶ outbox row (same transaction as the change)
    relay   ──claim_unpublished──▶ Queue.publish ──▶ mark_published
    consumer ◀──Queue.receive── handler(event) ──▶ Queue.ack  (or Queue.retry)

Delivery is at least once: a crash between two steps repeats the step, never skips it, so
every handler must be idempotent (the notification handler keys its rows by event id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from attrs import frozen

from taskflow.domain.models import Event

__all__ = ["Message", "OutboxRepository", "Queue", "QueuePublisher"]


class OutboxRepository(Protocol):
    """The outbox table, inside a unit of work. Events are *written* by ``uow.emit``;
    this repository is how the relay reads and settles them."""

    def claim_unpublished(self, limit: int) -> list[Event]:
        """The oldest unpublished events (at most ``limit``, oldest first), locked until
        this unit of work ends so that another relay running at the same time skips them
        (``FOR UPDATE SKIP LOCKED`` where the database has it)."""

    def mark_published(self, event_ids: Sequence[UUID], now: datetime) -> None:
        """Record that these events reached the queue (or, for a queue that is not
        durable, reached a final state there)."""

    def count_unpublished(self) -> int:
        """How many events still wait in the outbox (for monitoring)."""

    def oldest_unpublished_at(self) -> datetime | None:
        """When the oldest event still waiting in the outbox occurred (None: none waits).
        Its age is the relay's lag (for monitoring)."""

    def purge_published(self, before: datetime) -> int:
        """Delete events published before ``before``; returns how many."""


@frozen
class Message:
    """One delivery of an event by a queue.

    ``receipt`` is the queue's handle for acknowledging it (a stream entry id for Redis);
    ``attempt`` counts deliveries of this event, 1 for the first.
    """

    event: Event
    receipt: str
    attempt: int = 1


class QueuePublisher(Protocol):
    """The relay's side of a queue (``Queue`` has it; so does a publisher whose consumers
    are not taskflow's, such as the Celery adapter's)."""

    @property
    def durable(self) -> bool:
        """See ``Queue.durable``."""

    def publish(self, events: Sequence[Event]) -> None:
        """See ``Queue.publish``."""

    def drain_settled(self) -> list[UUID]:
        """See ``Queue.drain_settled``."""


class Queue(Protocol):
    """Carries events from the relay to the consumers.

    A message is acknowledged only once its work reached a final state. A message that
    is neither acknowledged nor retried (its consumer died) is delivered again after the
    queue's visibility timeout; one that failed ``max_attempts`` times goes to the queue's
    dead letters instead of blocking the others.
    """

    @property
    def durable(self) -> bool:
        """True if a published message survives a crash of this process (Redis). For a
        queue that is not durable (the in-process one) the outbox row stays unpublished
        until the message is settled; see ``drain_settled``."""

    def publish(self, events: Sequence[Event]) -> None:
        """Hand the events to the queue. Raises ``StorageUnavailable`` if it cannot; then
        none of them may be considered published."""

    def receive(self, *, max_messages: int, timeout: float) -> list[Message]:
        """Up to ``max_messages`` messages for this consumer, waiting at most ``timeout``
        seconds for the first one; an empty list when there is none."""

    def ack(self, message: Message) -> None:
        """The message's work reached a final state: never deliver it again."""

    def ack_many(self, messages: Sequence[Message]) -> None:
        """``ack`` for several messages at once (one round trip)."""

    def retry(self, message: Message, error: str) -> None:
        """The work failed: deliver the message again later, or move it to the dead
        letters if this was its last attempt."""

    def release(self, message: Message) -> None:
        """Give back a message that was received but not worked on (at shutdown), so
        another consumer gets it without waiting for the visibility timeout."""

    def depth(self) -> int:
        """Messages published and not yet settled: waiting, in a consumer's hands, or
        waiting for a retry (dead letters excluded). The worker's backlog, for
        monitoring and autoscaling; one number for every consumer of the queue."""

    def drain_settled(self) -> list[UUID]:
        """Ids of events whose messages were acknowledged or dead-lettered since the last
        call. Only a queue that is not durable reports them (the relay then marks their
        outbox rows published); a durable queue returns an empty list."""

    def close(self) -> None: ...
