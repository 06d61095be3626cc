"""The in-memory outbox: the store's ``outbox`` list plus a published marker per event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from taskflow.adapters.memory.store import InMemoryStore
from taskflow.domain.models import Event

__all__ = ["InMemoryOutboxRepository"]


class InMemoryOutboxRepository:
    """A unit of work holds the store lock for its whole block, so a claim here is
    exclusive by construction: no other relay can see the rows until the unit ends."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def claim_unpublished(self, limit: int) -> list[Event]:
        published = self._store.outbox_published
        unpublished = (event for event in self._store.outbox if event.id not in published)
        claimed: list[Event] = []
        for event in unpublished:
            if len(claimed) >= limit:
                break
            claimed.append(event)
        return claimed

    def mark_published(self, event_ids: Sequence[UUID], now: datetime) -> None:
        known = {event.id for event in self._store.outbox}
        for event_id in event_ids:
            if event_id in known:
                self._store.outbox_published.setdefault(event_id, now)

    def count_unpublished(self) -> int:
        published = self._store.outbox_published
        return sum(1 for event in self._store.outbox if event.id not in published)

    def oldest_unpublished_at(self) -> datetime | None:
        published = self._store.outbox_published
        waiting = [event.occurred_at for event in self._store.outbox if event.id not in published]
        return min(waiting, default=None)

    def purge_published(self, before: datetime) -> int:
        published = self._store.outbox_published
        doomed = {event_id for event_id, when in published.items() if when < before}
        self._store.outbox = [event for event in self._store.outbox if event.id not in doomed]
        for event_id in doomed:
            del published[event_id]
        return len(doomed)
