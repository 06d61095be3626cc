"""What the contract suites drive the ports with: ``StorageUnderTest`` (what the
``storage`` and ``token_store`` fixtures of tests/conftest.py give) and ``receive``
(a queue's messages, however many receives they take)."""

from __future__ import annotations

import time
from typing import Any

import attrs

from taskflow.ports.messaging import Message, Queue
from taskflow.ports.services import TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory


@attrs.frozen
class StorageUnderTest:
    """One backend's storage: its unit-of-work factory (publishing to ``events``) and its
    token store; ``sql`` is the ``SqlStorage`` behind them (None in memory)."""

    backend: str
    uow_factory: UnitOfWorkFactory
    token_store: TokenStore
    sql: Any = None


def receive(queue: Queue, count: int, seconds: float = 5) -> list[Message]:
    """``count`` messages, or what came within ``seconds`` (a queue may hand a batch over
    in several receives)."""
    deadline = time.monotonic() + seconds
    received: list[Message] = []
    while len(received) < count and time.monotonic() < deadline:
        received += queue.receive(max_messages=count - len(received), timeout=0.05)
    return received
