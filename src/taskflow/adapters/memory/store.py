"""The in-memory database: plain dicts behind one lock.

A unit of work holds the lock for its whole ``with`` block, so units run one at a time
(serializable, like a database with a single connection), and a rollback restores the
snapshot taken when the unit began. It is meant for tests, demos and single-process
experiments, not for production data.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any
from uuid import UUID

from attrs import define, field

from taskflow.domain.models import (
    Comment,
    EmailChange,
    Event,
    Invite,
    LoginFailures,
    Membership,
    OneTimeToken,
    Task,
    TaskActivity,
    Team,
    User,
)
from taskflow.domain.notifications import (
    Delivery,
    DueSoonMark,
    Notification,
    NotificationPreferences,
    PushSubscription,
)

__all__ = ["InMemoryStore"]


@define
class InMemoryStore:
    users: dict[UUID, User] = field(factory=dict)
    login_failures: dict[str, LoginFailures] = field(factory=dict)  # by login subject
    one_time_tokens: dict[UUID, OneTimeToken] = field(factory=dict)
    email_changes: dict[UUID, EmailChange] = field(factory=dict)
    teams: dict[UUID, Team] = field(factory=dict)
    members: dict[tuple[UUID, UUID], Membership] = field(factory=dict)
    invites: dict[UUID, Invite] = field(factory=dict)
    tasks: dict[UUID, Task] = field(factory=dict)
    comments: dict[UUID, Comment] = field(factory=dict)
    activity: dict[UUID, TaskActivity] = field(factory=dict)
    outbox: list[Event] = field(factory=list)
    outbox_published: dict[UUID, datetime] = field(factory=dict)  # event id -> when
    notifications: dict[UUID, Notification] = field(factory=dict)
    deliveries: dict[UUID, Delivery] = field(factory=dict)
    # (event id, recipient, channel) -> delivery id: the unique key of the notification log
    delivery_keys: dict[tuple[UUID, str, str], UUID] = field(factory=dict)
    notification_preferences: dict[UUID, NotificationPreferences] = field(factory=dict)
    due_soon_marks: dict[tuple[UUID, date], DueSoonMark] = field(factory=dict)
    data_exports: dict[UUID, datetime] = field(factory=dict)  # user id -> last requested
    push_subscriptions: dict[UUID, PushSubscription] = field(factory=dict)
    lock: threading.RLock = field(factory=threading.RLock, repr=False)

    _TABLES = (
        "users",
        "login_failures",
        "one_time_tokens",
        "email_changes",
        "teams",
        "members",
        "invites",
        "tasks",
        "comments",
        "activity",
        "outbox",
        "outbox_published",
        "notifications",
        "deliveries",
        "delivery_keys",
        "notification_preferences",
        "due_soon_marks",
        "data_exports",
        "push_subscriptions",
    )

    def snapshot(self) -> dict[str, Any]:
        """A copy of every table; the values are frozen, so a shallow copy suffices."""
        return {name: getattr(self, name).copy() for name in self._TABLES}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, table in snapshot.items():
            setattr(self, name, table)
