"""The notification system's repositories on SQL (its tables are in ``tables.py``).

Claims (``claim_due``) select due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
concurrent workers pass each other by) and take each with a conditional ``UPDATE``,
whose row count decides on every backend.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.sql import ColumnElement

from taskflow.adapters.sqlalchemy import keyset
from taskflow.adapters.sqlalchemy.repositories.base import InsertOnceRepository
from taskflow.adapters.sqlalchemy.repositories.tasks import task_from_row
from taskflow.domain.models import Task, TaskStatus
from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreferences,
    NotificationType,
    PushSubscription,
)
from taskflow.domain.queries import Slice, TimeKey

__all__ = [
    "SqlDeliveryRepository",
    "SqlDueSoonRepository",
    "SqlNotificationRepository",
    "SqlPreferenceRepository",
    "SqlPushSubscriptionRepository",
]


# --- The inbox -------------------------------------------------------------------------


def _notification(row: Row[Any]) -> Notification:
    return Notification(
        id=row.id,
        user_id=row.user_id,
        type=NotificationType(row.type),
        text=row.text,
        data=dict(row.data or {}),
        event_id=row.event_id,
        created_at=row.created_at,
        read_at=row.read_at,
        archived_at=row.archived_at,
    )


class SqlNotificationRepository(InsertOnceRepository):
    _table = "notifications"

    def add(self, notification: Notification) -> None:
        self._rowcount(
            self._t.insert(),
            {
                "id": notification.id,
                "user_id": notification.user_id,
                "type": notification.type.value,
                "text": notification.text,
                "data": notification.data,
                "event_id": notification.event_id,
                "created_at": notification.created_at,
                "read_at": notification.read_at,
                "archived_at": notification.archived_at,
            },
        )

    def get(self, notification_id: UUID) -> Notification | None:
        row = self._execute(sa.select(self._t).where(self._t.c.id == notification_id)).first()
        return _notification(row) if row else None

    def list_for_user(
        self,
        user_id: UUID,
        *,
        unread_only: bool,
        include_archived: bool,
        before: TimeKey | None,
        limit: int,
    ) -> Slice[Notification]:
        c = self._t.c
        conditions: list[ColumnElement[bool]] = [
            c.user_id == user_id,
            *keyset.before(self._t, before),
        ]
        if unread_only:
            conditions.append(c.read_at.is_(None))
        if not include_archived:
            conditions.append(c.archived_at.is_(None))
        statement = (
            sa.select(self._t)
            .where(*conditions)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(limit + 1)
        )
        rows = [_notification(row) for row in self._execute(statement)]
        return Slice(items=rows[:limit], has_more=len(rows) > limit)

    def count_unread(self, user_id: UUID) -> int:
        c = self._t.c
        statement = (
            sa.select(sa.func.count())
            .select_from(self._t)
            .where(c.user_id == user_id, c.read_at.is_(None), c.archived_at.is_(None))
        )
        return int(self._execute(statement).scalar_one())

    def mark_read(self, notification_id: UUID, now: datetime) -> None:
        c = self._t.c
        self._execute(
            self._t.update().where(c.id == notification_id, c.read_at.is_(None)).values(read_at=now)
        )

    def mark_all_read(self, user_id: UUID, now: datetime) -> int:
        c = self._t.c
        return self._rowcount(
            self._t.update().where(c.user_id == user_id, c.read_at.is_(None)).values(read_at=now)
        )

    def archive(self, notification_id: UUID, now: datetime) -> None:
        c = self._t.c
        self._execute(
            self._t.update()
            .where(c.id == notification_id, c.archived_at.is_(None))
            .values(archived_at=now, read_at=sa.func.coalesce(c.read_at, now))
        )

    def delete_for_user(self, user_id: UUID) -> int:
        return self._rowcount(self._t.delete().where(self._t.c.user_id == user_id))


# --- The notification log --------------------------------------------------------------


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        event_id=row.event_id,
        recipient=row.recipient,
        channel=Channel(row.channel),
        type=NotificationType(row.type),
        user_id=row.user_id,
        email=row.email,
        context=dict(row.context or {}),
        status=DeliveryStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        next_attempt_at=row.next_attempt_at,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        claim_id=row.claim_id,
        claimed_until=row.claimed_until,
    )


def _delivery_values(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "recipient": delivery.recipient,
        "channel": delivery.channel.value,
        "type": delivery.type.value,
        "user_id": delivery.user_id,
        "email": delivery.email,
        "context": delivery.context,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
        "next_attempt_at": delivery.next_attempt_at,
        "sent_at": delivery.sent_at,
        "claim_id": delivery.claim_id,
        "claimed_until": delivery.claimed_until,
    }


@cache
def _finish(log: sa.Table) -> sa.Update:
    """Store an attempt's outcome if the row is still ``sending`` under the caller's claim
    (one statement per table, cached; the SET columns are the parameters given)."""
    return log.update().where(
        log.c.id == sa.bindparam("b_id"),
        log.c.status == DeliveryStatus.SENDING.value,
        log.c.claim_id == sa.bindparam("b_claim_id"),
    )


class SqlDeliveryRepository(InsertOnceRepository):
    _table = "notification_log"

    def add(self, delivery: Delivery) -> bool:
        return self._insert_once(self._t, _delivery_values(delivery))

    def get(self, delivery_id: UUID) -> Delivery | None:
        row = self._execute(sa.select(self._t).where(self._t.c.id == delivery_id)).first()
        return _delivery(row) if row else None

    def count_by_status(self, channel: Channel) -> dict[DeliveryStatus, int]:
        c = self._t.c
        statement = (
            sa.select(c.status, sa.func.count())
            .where(c.channel == channel.value)
            .group_by(c.status)
        )
        counts = dict.fromkeys(DeliveryStatus, 0)
        rows: list[Any] = list(self._execute(statement))
        for status, count in rows:
            counts[DeliveryStatus(status)] = int(count)
        return counts

    def _due(self, now: datetime, channels: Collection[Channel]) -> ColumnElement[bool]:
        c = self._t.c
        return sa.and_(
            c.channel.in_(sorted(channel.value for channel in channels)),
            sa.or_(
                sa.and_(
                    c.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.DEFERRED.value]),
                    c.next_attempt_at <= now,
                ),
                sa.and_(c.status == DeliveryStatus.SENDING.value, c.claimed_until <= now),
            ),
        )

    def claim_due(
        self,
        now: datetime,
        *,
        claim_id: UUID,
        claimed_until: datetime,
        limit: int,
        channels: Collection[Channel] = (Channel.EMAIL,),
    ) -> Sequence[Delivery]:
        c = self._t.c
        if not channels:
            return []
        candidates = (
            sa.select(c.id)
            .where(self._due(now, channels))
            .order_by(c.next_attempt_at, c.id)
            .limit(limit)
        )
        if self._is_postgresql():
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(self._execute(candidates).scalars())
        if not ids:
            return []
        self._execute(
            self._t.update()
            .where(c.id.in_(ids), self._due(now, channels))
            .values(
                status=DeliveryStatus.SENDING.value,
                claim_id=claim_id,
                claimed_until=claimed_until,
                updated_at=now,
            )
        )
        claimed = sa.select(self._t).where(c.claim_id == claim_id).order_by(c.next_attempt_at, c.id)
        return [_delivery(row) for row in self._execute(claimed)]

    def finish(self, delivery: Delivery, claim_id: UUID) -> bool:
        values = _delivery_values(delivery)
        del values["id"]
        values.update(b_id=delivery.id, b_claim_id=claim_id)
        return self._rowcount(_finish(self._t), values) == 1

    def update(self, delivery: Delivery) -> None:
        values = _delivery_values(delivery)
        del values["id"]
        self._execute(self._t.update().where(self._t.c.id == delivery.id).values(values))

    def sent_since(self, recipient: str, channel: Channel, since: datetime) -> Sequence[datetime]:
        c = self._t.c
        statement = (
            sa.select(c.sent_at)
            .where(c.recipient == recipient, c.channel == channel.value, c.sent_at >= since)
            .order_by(c.sent_at)
        )
        return list(self._execute(statement).scalars())

    def list(
        self, *, status: DeliveryStatus | None, before: TimeKey | None, limit: int
    ) -> Slice[Delivery]:
        c = self._t.c
        conditions = keyset.before(self._t, before)
        if status is not None:
            conditions.append(c.status == status.value)
        statement = (
            sa.select(self._t)
            .where(*conditions)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(limit + 1)
        )
        rows = [_delivery(row) for row in self._execute(statement)]
        return Slice(items=rows[:limit], has_more=len(rows) > limit)

    def for_event(self, event_id: UUID) -> Sequence[Delivery]:
        c = self._t.c
        statement = sa.select(self._t).where(c.event_id == event_id).order_by(c.created_at, c.id)
        return [_delivery(row) for row in self._execute(statement)]

    def drop_for_user(self, user_id: UUID, email: str) -> int:
        c = self._t.c
        return self._rowcount(
            self._t.delete().where(sa.or_(c.user_id == user_id, c.email == email))
        )


# --- Preferences -----------------------------------------------------------------------


def _preferences(row: Row[Any]) -> NotificationPreferences:
    return NotificationPreferences(
        user_id=row.user_id,
        email_off=frozenset(NotificationType(name) for name in row.email_off or ()),
        push_off=frozenset(NotificationType(name) for name in row.push_off or ()),
        quiet_hours_start=row.quiet_hours_start,
        quiet_hours_end=row.quiet_hours_end,
        timezone=row.timezone,
        language=row.language,
        updated_at=row.updated_at,
    )


class SqlPreferenceRepository(InsertOnceRepository):
    _table = "notification_preferences"

    def get(self, user_id: UUID) -> NotificationPreferences | None:
        row = self._execute(sa.select(self._t).where(self._t.c.user_id == user_id)).first()
        return _preferences(row) if row else None

    def get_many(self, user_ids: Sequence[UUID]) -> dict[UUID, NotificationPreferences]:
        wanted = set(user_ids)
        if not wanted:
            return {}
        statement = sa.select(self._t).where(self._t.c.user_id.in_(wanted))
        return {row.user_id: _preferences(row) for row in self._execute(statement)}

    def put(self, preferences: NotificationPreferences) -> None:
        values = {
            "email_off": sorted(kind.value for kind in preferences.email_off),
            "push_off": sorted(kind.value for kind in preferences.push_off),
            "quiet_hours_start": preferences.quiet_hours_start,
            "quiet_hours_end": preferences.quiet_hours_end,
            "timezone": preferences.timezone,
            "language": preferences.language,
            "updated_at": preferences.updated_at,
        }
        update = self._t.update().where(self._t.c.user_id == preferences.user_id).values(values)
        if self._rowcount(update) == 1:
            return
        if not self._insert_once(self._t, {"user_id": preferences.user_id, **values}):
            self._execute(update)  # inserted by a concurrent unit meanwhile: ours wins

    def delete(self, user_id: UUID) -> None:
        self._execute(self._t.delete().where(self._t.c.user_id == user_id))


# --- Web Push subscriptions ------------------------------------------------------------


def _subscription(row: Row[Any]) -> PushSubscription:
    return PushSubscription(
        id=row.id,
        user_id=row.user_id,
        endpoint=row.endpoint,
        p256dh=row.p256dh,
        auth=row.auth,
        created_at=row.created_at,
    )


def endpoint_hash(endpoint: str) -> str:
    """The unique key of an endpoint (SHA-256, hex)."""
    return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


class SqlPushSubscriptionRepository(InsertOnceRepository):
    _table = "push_subscriptions"

    def put(self, subscription: PushSubscription) -> PushSubscription:
        key = endpoint_hash(subscription.endpoint)
        keys = {
            "user_id": subscription.user_id,
            "p256dh": subscription.p256dh,
            "auth": subscription.auth,
        }
        update = self._t.update().where(self._t.c.endpoint_hash == key).values(keys)
        if self._rowcount(update) == 0:
            values = {
                "id": subscription.id,
                "endpoint": subscription.endpoint,
                "endpoint_hash": key,
                "created_at": subscription.created_at,
                **keys,
            }
            if not self._insert_once(self._t, values):
                self._execute(update)  # inserted by a concurrent unit meanwhile: ours wins
        stored = self.get_by_endpoint(subscription.endpoint)
        assert stored is not None  # noqa: S101 - written just above in this unit
        return stored

    def get(self, subscription_id: UUID) -> PushSubscription | None:
        row = self._execute(sa.select(self._t).where(self._t.c.id == subscription_id)).first()
        return _subscription(row) if row else None

    def get_by_endpoint(self, endpoint: str) -> PushSubscription | None:
        statement = sa.select(self._t).where(self._t.c.endpoint_hash == endpoint_hash(endpoint))
        row = self._execute(statement).first()
        return _subscription(row) if row else None

    def list_for_user(self, user_id: UUID) -> Sequence[PushSubscription]:
        c = self._t.c
        statement = sa.select(self._t).where(c.user_id == user_id).order_by(c.created_at, c.id)
        return [_subscription(row) for row in self._execute(statement)]

    def remove(self, subscription_id: UUID) -> bool:
        return self._rowcount(self._t.delete().where(self._t.c.id == subscription_id)) == 1


# --- The due-soon job ------------------------------------------------------------------


class SqlDueSoonRepository(InsertOnceRepository):
    def tasks_due_between(self, first: date, last: date) -> Sequence[Task]:
        tasks = self._tables.tasks
        c = tasks.c
        statement = (
            sa.select(tasks)
            .where(
                c.deleted_at.is_(None),
                c.status != TaskStatus.DONE.value,
                c.assignee_id.is_not(None),
                c.due_date.between(first, last),
            )
            .order_by(c.due_date, c.id)
        )
        return [task_from_row(row) for row in self._execute(statement)]

    def mark(self, task_id: UUID, due_date: date, now: datetime) -> bool:
        return self._insert_once(
            self._tables.due_soon_reminders,
            {"task_id": task_id, "due_date": due_date, "created_at": now},
        )
