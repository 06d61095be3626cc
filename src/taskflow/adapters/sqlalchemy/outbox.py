"""The SQL outbox repository: how the relay reads and settles the events that units of
work wrote to the ``outbox`` table (``SqlAlchemyUnitOfWork.commit`` writes them).

With separate auth and task databases there is one outbox in each; this repository reads
and settles both, as if they were one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from taskflow.adapters.sqlalchemy.errors import storage_errors
from taskflow.adapters.sqlalchemy.tables import DEFAULT, TableSet
from taskflow.domain.models import Event

__all__ = ["SqlOutboxRepository"]


def _event(row: Row[Any]) -> Event:
    return Event(id=row.id, name=row.name, payload=row.payload, occurred_at=row.occurred_at)


class SqlOutboxRepository:
    def __init__(
        self, connections: Callable[[], list[Connection]], tables: TableSet = DEFAULT
    ) -> None:
        self._connections = connections  # one per distinct outbox (database)
        self._outbox = tables.outbox

    def _each(self, run: Callable[[Connection], Any]) -> list[Any]:
        with storage_errors():
            return [run(connection) for connection in self._connections()]

    def claim_unpublished(self, limit: int) -> list[Event]:
        c = self._outbox.c
        statement = (
            sa.select(self._outbox)
            .where(c.published_at.is_(None))
            .order_by(c.occurred_at, c.id)
            .limit(limit)
        )

        def claim(connection: Connection) -> list[Event]:
            locked = statement
            if connection.dialect.name != "sqlite":  # SQLite: the write lock is exclusive
                locked = statement.with_for_update(skip_locked=True)
            return [_event(row) for row in connection.execute(locked)]

        claimed = [event for events in self._each(claim) for event in events]
        claimed.sort(key=lambda e: (e.occurred_at, e.id))
        return claimed[:limit]

    def mark_published(self, event_ids: Sequence[UUID], now: datetime) -> None:
        if not event_ids:
            return
        c = self._outbox.c
        statement = (
            self._outbox.update()
            .where(c.id.in_(list(event_ids)), c.published_at.is_(None))
            .values(published_at=now, attempts=c.attempts + 1)
        )
        self._each(lambda connection: connection.execute(statement))

    def count_unpublished(self) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(self._outbox)
            .where(self._outbox.c.published_at.is_(None))
        )
        return sum(self._each(lambda connection: int(connection.execute(statement).scalar_one())))

    def oldest_unpublished_at(self) -> datetime | None:
        c = self._outbox.c
        # The (published_at, occurred_at) index answers it without a scan.
        statement = sa.select(sa.func.min(c.occurred_at)).where(c.published_at.is_(None))
        oldest = [
            moment
            for moment in self._each(lambda connection: connection.execute(statement).scalar())
            if moment is not None
        ]
        return min(oldest, default=None)

    def purge_published(self, before: datetime) -> int:
        c = self._outbox.c
        statement = self._outbox.delete().where(
            c.published_at.is_not(None), c.published_at < before
        )
        return sum(self._each(lambda connection: connection.execute(statement).rowcount))
