"""Data export requests in memory: when each user last asked."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from taskflow.adapters.memory.repositories.base import InMemoryRepository

__all__ = ["InMemoryDataExportRepository"]


class InMemoryDataExportRepository(InMemoryRepository):
    def record(self, user_id: UUID, now: datetime, *, unless_since: datetime) -> bool:
        last = self._store.data_exports.get(user_id)
        if last is not None and last > unless_since:
            return False
        self._store.data_exports[user_id] = now
        return True

    def last_requested_at(self, user_id: UUID) -> datetime | None:
        return self._store.data_exports.get(user_id)
