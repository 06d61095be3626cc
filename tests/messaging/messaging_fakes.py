"""Test doubles for the messaging tests (fakes, not mocks)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any
from uuid import UUID

from redis_server import free_port
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

    def ack_many(self, messages: Sequence[Message]) -> None: ...

    def retry(self, message: Message, error: str) -> None: ...

    def release(self, message: Message) -> None: ...

    def depth(self) -> int:
        return len(self.published)

    def drain_settled(self) -> list[UUID]:
        return []

    def close(self) -> None: ...


class RecordingSmtpServer:
    """An aiosmtpd server on loopback (a free port) that keeps every message it
    accepted, parsed, in ``messages``. ``delay`` seconds per message slow it down (so a
    test can kill a worker in the middle of a batch)."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Any = None
        self.port = 0

    def start(self) -> None:
        from aiosmtpd.controller import Controller  # noqa: PLC0415 - a dev dependency

        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)
