"""What every in-memory repository shares: the store. Each assumes the caller's unit of
work holds the store's lock, which makes each conditional write atomic."""

from __future__ import annotations

from taskflow.adapters.memory.store import InMemoryStore

__all__ = ["InMemoryRepository"]


class InMemoryRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
