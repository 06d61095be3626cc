"""In-memory repositories of the notification system. Like the other in-memory
repositories, they assume the caller's unit of work holds the store's lock, which makes
each conditional write atomic."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from uuid import UUID

import attrs

from taskflow.adapters.memory.repositories.base import InMemoryRepository
from taskflow.domain.models import Task, TaskStatus
from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    DueSoonMark,
    Notification,
    NotificationPreferences,
    PushSubscription,
)
from taskflow.domain.queries import Slice, TimeKey

__all__ = [
    "InMemoryDeliveryRepository",
    "InMemoryDueSoonRepository",
    "InMemoryNotificationRepository",
    "InMemoryPreferenceRepository",
    "InMemoryPushSubscriptionRepository",
]


def _newest_first(key: TimeKey) -> tuple[datetime, UUID]:
    return key.created_at, key.id


class InMemoryNotificationRepository(InMemoryRepository):
    def add(self, notification: Notification) -> None:
        self._store.notifications[notification.id] = notification

    def get(self, notification_id: UUID) -> Notification | None:
        return self._store.notifications.get(notification_id)

    def list_for_user(
        self,
        user_id: UUID,
        *,
        unread_only: bool,
        include_archived: bool,
        before: TimeKey | None,
        limit: int,
    ) -> Slice[Notification]:
        rows = [
            n
            for n in self._store.notifications.values()
            if n.user_id == user_id
            and (include_archived or n.archived_at is None)
            and (not unread_only or n.read_at is None)
            and (before is None or (n.created_at, n.id) < _newest_first(before))
        ]
        rows.sort(key=lambda n: (n.created_at, n.id), reverse=True)
        return Slice(items=rows[:limit], has_more=len(rows) > limit)

    def count_unread(self, user_id: UUID) -> int:
        return sum(
            1
            for n in self._store.notifications.values()
            if n.user_id == user_id and n.read_at is None and n.archived_at is None
        )

    def mark_read(self, notification_id: UUID, now: datetime) -> None:
        current = self._store.notifications.get(notification_id)
        if current is not None and current.read_at is None:
            self._store.notifications[notification_id] = attrs.evolve(current, read_at=now)

    def mark_all_read(self, user_id: UUID, now: datetime) -> int:
        changed = 0
        for notification in list(self._store.notifications.values()):
            if notification.user_id == user_id and notification.read_at is None:
                self._store.notifications[notification.id] = attrs.evolve(notification, read_at=now)
                changed += 1
        return changed

    def archive(self, notification_id: UUID, now: datetime) -> None:
        current = self._store.notifications.get(notification_id)
        if current is not None and current.archived_at is None:
            self._store.notifications[notification_id] = attrs.evolve(
                current, archived_at=now, read_at=current.read_at or now
            )

    def delete_for_user(self, user_id: UUID) -> int:
        inbox = self._store.notifications
        doomed = [n.id for n in inbox.values() if n.user_id == user_id]
        for notification_id in doomed:
            del inbox[notification_id]
        return len(doomed)


_CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED)


class InMemoryDeliveryRepository(InMemoryRepository):
    def add(self, delivery: Delivery) -> bool:
        key = (delivery.event_id, delivery.recipient, delivery.channel.value)
        if key in self._store.delivery_keys:
            return False
        self._store.delivery_keys[key] = delivery.id
        self._store.deliveries[delivery.id] = delivery
        return True

    def get(self, delivery_id: UUID) -> Delivery | None:
        return self._store.deliveries.get(delivery_id)

    def count_by_status(self, channel: Channel) -> dict[DeliveryStatus, int]:
        counts = dict.fromkeys(DeliveryStatus, 0)
        for delivery in self._store.deliveries.values():
            if delivery.channel is channel:
                counts[delivery.status] += 1
        return counts

    def claim_due(
        self,
        now: datetime,
        *,
        claim_id: UUID,
        claimed_until: datetime,
        limit: int,
        channels: Collection[Channel] = (Channel.EMAIL,),
    ) -> Sequence[Delivery]:
        due = [
            d
            for d in self._store.deliveries.values()
            if d.channel in channels
            and (
                (d.status in _CLAIMABLE and d.next_attempt_at <= now)
                or (
                    d.status is DeliveryStatus.SENDING
                    and d.claimed_until is not None
                    and d.claimed_until <= now
                )
            )
        ]
        due.sort(key=lambda d: (d.next_attempt_at, d.id))
        claimed = []
        for delivery in due[:limit]:
            updated = attrs.evolve(
                delivery,
                status=DeliveryStatus.SENDING,
                claim_id=claim_id,
                claimed_until=claimed_until,
                updated_at=now,
            )
            self._store.deliveries[delivery.id] = updated
            claimed.append(updated)
        return claimed

    def finish(self, delivery: Delivery, claim_id: UUID) -> bool:
        stored = self._store.deliveries.get(delivery.id)
        if stored is None or stored.status is not DeliveryStatus.SENDING:
            return False
        if stored.claim_id != claim_id:
            return False
        self._store.deliveries[delivery.id] = delivery
        return True

    def update(self, delivery: Delivery) -> None:
        self._store.deliveries[delivery.id] = delivery

    def sent_since(self, recipient: str, channel: Channel, since: datetime) -> Sequence[datetime]:
        return sorted(
            d.sent_at
            for d in self._store.deliveries.values()
            if d.recipient == recipient
            and d.channel is channel
            and d.sent_at is not None
            and d.sent_at >= since
        )

    def list(
        self, *, status: DeliveryStatus | None, before: TimeKey | None, limit: int
    ) -> Slice[Delivery]:
        rows = [
            d
            for d in self._store.deliveries.values()
            if (status is None or d.status is status)
            and (before is None or (d.created_at, d.id) < _newest_first(before))
        ]
        rows.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return Slice(items=rows[:limit], has_more=len(rows) > limit)

    def for_event(self, event_id: UUID) -> Sequence[Delivery]:
        rows = [d for d in self._store.deliveries.values() if d.event_id == event_id]
        rows.sort(key=lambda d: (d.created_at, d.id))
        return rows

    def drop_for_user(self, user_id: UUID, email: str) -> int:
        doomed = [
            d for d in self._store.deliveries.values() if d.user_id == user_id or d.email == email
        ]
        for delivery in doomed:
            del self._store.deliveries[delivery.id]
            key = (delivery.event_id, delivery.recipient, delivery.channel.value)
            self._store.delivery_keys.pop(key, None)
        return len(doomed)


class InMemoryPreferenceRepository(InMemoryRepository):
    def get(self, user_id: UUID) -> NotificationPreferences | None:
        return self._store.notification_preferences.get(user_id)

    def get_many(self, user_ids: Sequence[UUID]) -> dict[UUID, NotificationPreferences]:
        stored = self._store.notification_preferences
        return {i: stored[i] for i in set(user_ids) if i in stored}

    def put(self, preferences: NotificationPreferences) -> None:
        self._store.notification_preferences[preferences.user_id] = preferences

    def delete(self, user_id: UUID) -> None:
        self._store.notification_preferences.pop(user_id, None)


class InMemoryDueSoonRepository(InMemoryRepository):
    def tasks_due_between(self, first: date, last: date) -> Sequence[Task]:
        rows = [
            t
            for t in self._store.tasks.values()
            if t.deleted_at is None
            and t.status is not TaskStatus.DONE
            and t.assignee_id is not None
            and t.due_date is not None
            and first <= t.due_date <= last
        ]
        rows.sort(key=lambda t: (t.due_date or first, t.id))
        return rows

    def mark(self, task_id: UUID, due_date: date, now: datetime) -> bool:
        key = (task_id, due_date)
        if key in self._store.due_soon_marks:
            return False
        self._store.due_soon_marks[key] = DueSoonMark(
            task_id=task_id, due_date=due_date, created_at=now
        )
        return True


class InMemoryPushSubscriptionRepository(InMemoryRepository):
    def put(self, subscription: PushSubscription) -> PushSubscription:
        existing = self.get_by_endpoint(subscription.endpoint)
        stored = (
            attrs.evolve(
                existing,
                user_id=subscription.user_id,
                p256dh=subscription.p256dh,
                auth=subscription.auth,
            )
            if existing is not None
            else subscription
        )
        self._store.push_subscriptions[stored.id] = stored
        return stored

    def get(self, subscription_id: UUID) -> PushSubscription | None:
        return self._store.push_subscriptions.get(subscription_id)

    def get_by_endpoint(self, endpoint: str) -> PushSubscription | None:
        return next(
            (s for s in self._store.push_subscriptions.values() if s.endpoint == endpoint), None
        )

    def list_for_user(self, user_id: UUID) -> Sequence[PushSubscription]:
        rows = [s for s in self._store.push_subscriptions.values() if s.user_id == user_id]
        rows.sort(key=lambda s: (s.created_at, s.id))
        return rows

    def remove(self, subscription_id: UUID) -> bool:
        return self._store.push_subscriptions.pop(subscription_id, None) is not None
