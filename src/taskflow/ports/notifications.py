"""Ports of the notification system: its repositories (part of the unit of work), the
``Mailer`` that sends an email and the ``PushSender`` that sends a Web Push message.

Repositories follow the rules of ``taskflow.ports.repositories``: they never commit, and
writes that must not race are single conditional operations answering whether they took
effect.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
    PushSubscription,
)
from taskflow.domain.queries import Slice, TimeKey

__all__ = [
    "DeliveryRepository",
    "DueSoonRepository",
    "Mailer",
    "NotificationRepository",
    "PreferenceRepository",
    "PushSender",
    "PushSubscriptionRepository",
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

    def delete_for_user(self, user_id: UUID) -> int:
        """Delete the user's whole inbox (their erasure); returns how many."""


class DeliveryRepository(Protocol):
    """The notification log: one row per (event, recipient, channel)."""

    def add(self, delivery: Delivery) -> bool:
        """Insert unless a delivery with the same (event_id, recipient, channel) exists;
        return whether this call inserted it. Of two concurrent inserts of one key, exactly
        one returns True (the unique constraint decides; the other is not an error)."""

    def get(self, delivery_id: UUID) -> Delivery | None: ...

    def claim_due(
        self,
        now: datetime,
        *,
        claim_id: UUID,
        claimed_until: datetime,
        limit: int,
        channels: Collection[Channel] = (Channel.EMAIL,),
    ) -> Sequence[Delivery]:
        """Claim up to ``limit`` deliveries on ``channels`` (email, push) that are due:
        ``pending`` or ``deferred`` with ``next_attempt_at <= now``, or ``sending`` with
        ``claimed_until <= now`` (a worker died holding them), oldest ``next_attempt_at``
        first. Each is set to
        ``sending`` with this ``claim_id`` and ``claimed_until`` by a conditional update,
        so two workers never claim the same row; returns the claimed rows as stored."""

    def finish(self, delivery: Delivery, claim_id: UUID) -> bool:
        """Store ``delivery`` (the outcome of an attempt) only if the stored row is still
        ``sending`` under ``claim_id``; return whether it was stored. False: the claim ran
        out and another worker took the delivery. (A ``delivery`` still ``sending`` under
        the same claim records progress and keeps the claim: a push that reached some of
        the user's devices.)"""

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

    def drop_for_user(self, user_id: UUID, email: str) -> int:
        """Delete every delivery to the user or to ``email`` (their erasure: pending ones
        are never sent, and the log keeps no address or name of theirs); returns how
        many."""


class PreferenceRepository(Protocol):
    def get(self, user_id: UUID) -> NotificationPreferences | None:
        """None: the user never changed anything (the defaults apply)."""

    def get_many(self, user_ids: Sequence[UUID]) -> dict[UUID, NotificationPreferences]:
        """The stored preferences among ``user_ids``, in one query."""

    def put(self, preferences: NotificationPreferences) -> None:
        """Insert or replace the user's row."""

    def delete(self, user_id: UUID) -> None:
        """Delete the user's row, if any (their erasure)."""


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


class PushSubscriptionRepository(Protocol):
    """The devices that receive Web Push: unique by endpoint."""

    def put(self, subscription: PushSubscription) -> PushSubscription:
        """Insert, or, when the endpoint is stored already (whoever it belonged to),
        replace its user and keys; return the stored row, which keeps the existing id.
        Of two concurrent calls for one endpoint, both succeed and one row remains."""

    def get(self, subscription_id: UUID) -> PushSubscription | None: ...

    def get_by_endpoint(self, endpoint: str) -> PushSubscription | None: ...

    def list_for_user(self, user_id: UUID) -> Sequence[PushSubscription]:
        """The user's subscriptions, oldest first by (created_at, id)."""

    def remove(self, subscription_id: UUID) -> bool:
        """Delete it; return whether a row was deleted."""


class PushSender(Protocol):
    """Sends one Web Push message (RFC 8030) to one subscription, encrypted for it (RFC
    8291, ``aes128gcm``) and signed with the server's VAPID key (RFC 8292).

    Raises ``PushSubscriptionGone`` when the push service says the subscription no
    longer exists (404, 410), ``PermanentPushError`` for any other refusal for good, and
    ``TransientPushError`` for a failure worth retrying (a 429 or 5xx answer, a timeout,
    no connection). Returning means the push service accepted the message. Optionally
    ``async def aclose()``, called at the end of each delivery pass."""

    @property
    def public_key(self) -> str:
        """The VAPID public key, base64url (the client's ``applicationServerKey``)."""

    async def send(
        self, subscription: PushSubscription, payload: bytes, *, ttl: int, topic: str | None
    ) -> None: ...
