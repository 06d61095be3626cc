"""The unit of work port: one service call, one transaction.

``with uow:`` opens it; leaving the block rolls back unless ``commit()`` was called.
Events passed to ``emit`` are written to the outbox in the same transaction as the
change, and handed to the ``EventPublisher`` only after the commit succeeded (when the
``with`` block ends), never for a rolled-back change.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from taskflow.domain.models import Event
from taskflow.ports.messaging import OutboxRepository
from taskflow.ports.notifications import (
    DeliveryRepository,
    DueSoonRepository,
    NotificationRepository,
    PreferenceRepository,
    PushSubscriptionRepository,
)
from taskflow.ports.repositories import (
    ActivityRepository,
    CommentRepository,
    DataExportRepository,
    EmailChangeRepository,
    InviteRepository,
    LoginFailureRepository,
    MembershipRepository,
    OneTimeTokenRepository,
    TaskRepository,
    TeamRepository,
    UserRepository,
)

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork(Protocol):
    # Read-only properties, so an adapter may expose its concrete repository types.
    @property
    def users(self) -> UserRepository: ...

    @property
    def login_failures(self) -> LoginFailureRepository: ...

    @property
    def one_time_tokens(self) -> OneTimeTokenRepository: ...

    @property
    def email_changes(self) -> EmailChangeRepository: ...

    @property
    def teams(self) -> TeamRepository: ...

    @property
    def members(self) -> MembershipRepository: ...

    @property
    def invites(self) -> InviteRepository: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def comments(self) -> CommentRepository: ...

    @property
    def activity(self) -> ActivityRepository: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    @property
    def preferences(self) -> PreferenceRepository: ...

    @property
    def due_soon(self) -> DueSoonRepository: ...

    @property
    def data_exports(self) -> DataExportRepository: ...

    @property
    def push_subscriptions(self) -> PushSubscriptionRepository: ...

    @property
    def outbox(self) -> OutboxRepository:
        """The events committed by units of work, for the relay (``emit`` writes them)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every change of this unit durable, with its events in the outbox."""

    def rollback(self) -> None:
        """Discard every change and every emitted event."""

    def emit(self, event: Event) -> None:
        """Record an event caused by this unit's changes (published after commit)."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work. ``read_only=True`` marks a call that only reads, which
    an adapter may send to a read replica."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
