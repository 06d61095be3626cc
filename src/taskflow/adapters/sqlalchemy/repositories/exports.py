"""Data export requests on SQL: one row per user, ``requested_at`` the last request."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from taskflow.adapters.sqlalchemy.repositories.base import InsertOnceRepository

__all__ = ["SqlDataExportRepository"]


class SqlDataExportRepository(InsertOnceRepository):
    _table = "data_exports"

    def record(self, user_id: UUID, now: datetime, *, unless_since: datetime) -> bool:
        # A conditional UPDATE of the user's row (a concurrent one waits for the row lock,
        # then finds it recent and changes nothing), else a first INSERT that a concurrent
        # first one makes a no-op: either way one statement decides.
        moved = self._rowcount(
            self._t.update()
            .where(self._t.c.user_id == user_id, self._t.c.requested_at <= unless_since)
            .values(requested_at=now)
        )
        if moved:
            return True
        return self._insert_once(self._t, {"user_id": user_id, "requested_at": now})

    def last_requested_at(self, user_id: UUID) -> datetime | None:
        statement = sa.select(self._t.c.requested_at).where(self._t.c.user_id == user_id)
        value: datetime | None = self._execute(statement).scalar_one_or_none()
        return value
