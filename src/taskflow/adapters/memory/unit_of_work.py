"""The in-memory unit of work."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from taskflow.adapters.memory.outbox import InMemoryOutboxRepository
from taskflow.adapters.memory.repositories import (
    InMemoryActivityRepository,
    InMemoryCommentRepository,
    InMemoryDataExportRepository,
    InMemoryDeliveryRepository,
    InMemoryDueSoonRepository,
    InMemoryEmailChangeRepository,
    InMemoryInviteRepository,
    InMemoryLoginFailureRepository,
    InMemoryMembershipRepository,
    InMemoryNotificationRepository,
    InMemoryOneTimeTokenRepository,
    InMemoryPreferenceRepository,
    InMemoryPushSubscriptionRepository,
    InMemoryTaskRepository,
    InMemoryTeamRepository,
    InMemoryUserRepository,
)
from taskflow.adapters.memory.store import InMemoryStore
from taskflow.domain.models import Event
from taskflow.ports.services import EventPublisher

__all__ = ["InMemoryUnitOfWork", "InMemoryUnitOfWorkFactory"]


class InMemoryUnitOfWork:
    """Holds the store's lock from ``__enter__`` to ``__exit__``; rolls back to the
    snapshot taken at ``__enter__`` unless ``commit()`` was called; publishes the emitted
    events after the lock is released, and only if committed."""

    def __init__(self, store: InMemoryStore, publisher: EventPublisher | None = None) -> None:
        self._store = store
        self._publisher = publisher
        self._snapshot: dict[str, Any] | None = None
        self._pending: list[Event] = []
        self._committed: list[Event] = []
        self.users = InMemoryUserRepository(store)
        self.login_failures = InMemoryLoginFailureRepository(store)
        self.one_time_tokens = InMemoryOneTimeTokenRepository(store)
        self.email_changes = InMemoryEmailChangeRepository(store)
        self.teams = InMemoryTeamRepository(store)
        self.members = InMemoryMembershipRepository(store)
        self.invites = InMemoryInviteRepository(store)
        self.tasks = InMemoryTaskRepository(store)
        self.comments = InMemoryCommentRepository(store)
        self.activity = InMemoryActivityRepository(store)
        self.outbox = InMemoryOutboxRepository(store)
        self.notifications = InMemoryNotificationRepository(store)
        self.deliveries = InMemoryDeliveryRepository(store)
        self.preferences = InMemoryPreferenceRepository(store)
        self.due_soon = InMemoryDueSoonRepository(store)
        self.data_exports = InMemoryDataExportRepository(store)
        self.push_subscriptions = InMemoryPushSubscriptionRepository(store)

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._snapshot = self._store.snapshot()
        self._pending = []
        self._committed = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._snapshot = None
            self._store.lock.release()
        committed, self._committed = self._committed, []
        if committed and self._publisher is not None:
            self._publisher.publish(committed)

    def commit(self) -> None:
        self._store.outbox.extend(self._pending)
        self._committed.extend(self._pending)
        self._pending = []
        self._snapshot = self._store.snapshot()

    def rollback(self) -> None:
        if self._snapshot is not None:
            self._store.restore(self._snapshot)
            self._snapshot = self._store.snapshot()
        self._pending = []

    def emit(self, event: Event) -> None:
        self._pending.append(event)


class InMemoryUnitOfWorkFactory:
    """Makes units of work over one shared store (``read_only`` changes nothing here)."""

    def __init__(
        self, store: InMemoryStore | None = None, publisher: EventPublisher | None = None
    ) -> None:
        self.store = store if store is not None else InMemoryStore()
        self.publisher = publisher

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:  # noqa: ARG002
        return InMemoryUnitOfWork(self.store, self.publisher)
