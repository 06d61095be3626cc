"""Ports of the notification system: its repositories (part of the unit of work) and the
``Mailer`` that sends an email.

Repositories follow the rules of ``taskflow.ports.repositories``: they never commit, and
writes that must not race are single conditional operations answering whether they took
effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from email.message import EmailMessage
from typing import Protocol
from uuid import UUID

from taskflow.domain.models import Task
from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreferences,
)
from taskflow.domain.queries import Slice, TimeKey

__all__ = [
    "DeliveryRepository",
    "DueSoonRepository",
    "Mailer",
    "NotificationRepository",
    "PreferenceRepository",
]


class NotificationRepository(Protocol):
    """The in-app inbox."""

    def add(self, notification: Notification) -> None: ...

    def get(self, notification_id: UUID) -> Notification | None: ...

    def list_for_user(
        self,
        user_id: UUID,
        *,
        unread_only: bool,
        include_archived: bool,
        before: TimeKey | None,
        limit: int,
    ) -> Slice[Notification]:
        """Newest first by (created_at, id), starting strictly before ``before``."""

    def count_unread(self, user_id: UUID) -> int:
        """Unread and not archived."""

    def mark_read(self, notification_id: UUID, now: datetime) -> None:
        """Set ``read_at`` if it is not set yet."""

    def mark_all_read(self, user_id: UUID, now: datetime) -> int:
        """Mark every unread notification of the user read; returns how many."""

    def archive(self, notification_id: UUID, now: datetime) -> None:
        """Set ``archived_at`` (and ``read_at``) if not set yet."""


class DeliveryRepository(Protocol):
    """The notification log: one row per (event, recipient, channel)."""

    def add(self, delivery: Delivery) -> bool:
        """Insert unless a delivery with the same (event_id, recipient, channel) exists;
        return whether this call inserted it. Of two concurrent inserts of one key, exactly
        one returns True (the unique constraint decides; the other is not an error)."""

    def get(self, delivery_id: UUID) -> Delivery | None: ...

    def claim_due(
        self, now: datetime, *, claim_id: UUID, claimed_until: datetime, limit: int
    ) -> Sequence[Delivery]:
        """Claim up to ``limit`` email deliveries that are due: ``pending`` or ``deferred``
        with ``next_attempt_at <= now``, or ``sending`` with ``claimed_until <= now`` (a
        worker died holding them), oldest ``next_attempt_at`` first. Each is set to
        ``sending`` with this ``claim_id`` and ``claimed_until`` by a conditional update,
        so two workers never claim the same row; returns the claimed rows as stored."""

    def finish(self, delivery: Delivery, claim_id: UUID) -> bool:
        """Store ``delivery`` (the outcome of an attempt) only if the stored row is still
        ``sending`` under ``claim_id``; return whether it was stored. False: the claim ran
        out and another worker took the delivery."""

    def update(self, delivery: Delivery) -> None:
        """Store ``delivery`` unconditionally (operator actions such as replay)."""

    def sent_since(self, recipient: str, channel: Channel, since: datetime) -> Sequence[datetime]:
        """``sent_at`` of the recipient's deliveries on the channel sent at or after
        ``since``, oldest first (the rate limit's window)."""

    def list(
        self, *, status: DeliveryStatus | None, before: TimeKey | None, limit: int
    ) -> Slice[Delivery]:
        """Newest first by (created_at, id), optionally of one status."""

    def count_by_status(self, channel: Channel) -> dict[DeliveryStatus, int]:
        """How many deliveries of ``channel`` are in each status (every status present,
        0 for none), for monitoring."""

    def for_event(self, event_id: UUID) -> Sequence[Delivery]:
        """Every delivery of one event, in creation order."""


class PreferenceRepository(Protocol):
    def get(self, user_id: UUID) -> NotificationPreferences | None:
        """None: the user never changed anything (the defaults apply)."""

    def get_many(self, user_ids: Sequence[UUID]) -> dict[UUID, NotificationPreferences]:
        """The stored preferences among ``user_ids``, in one query."""

    def put(self, preferences: NotificationPreferences) -> None:
        """Insert or replace the user's row."""


class DueSoonRepository(Protocol):
    """What the ``task.due_soon`` job reads and the marks that make it once-only."""

    def tasks_due_between(self, first: date, last: date) -> Sequence[Task]:
        """Tasks not deleted, not done, with an assignee and ``first <= due_date <= last``."""

    def mark(self, task_id: UUID, due_date: date, now: datetime) -> bool:
        """Record that this task was announced for this due date, unless it already was;
        return whether this call recorded it (unique on (task_id, due_date): of two
        concurrent calls exactly one returns True)."""


class Mailer(Protocol):
    """Sends one email. Raises ``TransientMailError`` for a failure worth retrying
    (connection refused, timeout, a 4xx answer) and ``PermanentMailError`` when the server
    refused the message for good (a 5xx answer). Returning means the server accepted it."""

    async def send(self, message: EmailMessage) -> None: ...
