"""Test doubles for the messaging tests (fakes, not mocks)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from taskflow.domain.models import Event
from taskflow.errors import StorageUnavailable
from taskflow.ports.messaging import Message


class SwitchableDurableQueue:
    """A durable queue that can be switched off (``up = False``): publish then raises
    ``StorageUnavailable``, like the Redis queue when Redis is down."""

    durable = True

    def __init__(self) -> None:
        self.up = True
        self.published: list[Event] = []

    def publish(self, events: Sequence[Event]) -> None:
        if not self.up:
            raise StorageUnavailable("queue down")
        self.published.extend(events)

    def receive(self, *, max_messages: int, timeout: float) -> list[Message]:
        return []

    def ack(self, message: Message) -> None: ...

    def retry(self, message: Message, error: str) -> None: ...

    def release(self, message: Message) -> None: ...

    def drain_settled(self) -> list[UUID]:
        return []

    def close(self) -> None: ...
