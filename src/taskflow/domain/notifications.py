"""The notification domain: in-app notifications, email deliveries (the seed's
``notification_log``), per-user preferences, and the due-soon reminder marks.

Frozen ``attrs`` values like the rest of the domain; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any, Final
from uuid import UUID

from attrs import field, frozen

__all__ = [
    "DEFAULT_LANGUAGE",
    "DEFAULT_TIMEZONE",
    "FINAL_STATUSES",
    "LANGUAGES",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "DueSoonMark",
    "Notification",
    "NotificationPreferences",
    "NotificationType",
    "PushSubscription",
]

LANGUAGES: Final = ("fa", "en")
DEFAULT_LANGUAGE: Final = "fa"
"""The product speaks Persian first (the seed)."""
DEFAULT_TIMEZONE: Final = "UTC"


class Channel(enum.StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"
    PUSH = "push"


class NotificationType(enum.StrEnum):
    """What a notification is about. ``user.welcome`` is sent for the ``user.signup``
    event, and ``comment.mentioned`` to the people a comment mentions (when it is added
    or edited); every other type has the name of the event that causes it."""

    TASK_ASSIGNED = "task.assigned"
    TASK_COMPLETED = "task.completed"
    TASK_DUE_SOON = "task.due_soon"
    INVITE_CREATED = "invite.created"
    USER_WELCOME = "user.welcome"
    USER_VERIFY_EMAIL = "user.verify_email"
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 - a type name
    USER_EMAIL_CHANGE = "user.email_change"
    USER_EMAIL_CHANGED = "user.email_changed"
    USER_DELETION_REQUESTED = "user.deletion_requested"
    COMMENT_ADDED = "comment.added"
    COMMENT_MENTIONED = "comment.mentioned"
    USER_DATA_EXPORT = "user.data_export"

    @property
    def email_can_be_turned_off(self) -> bool:
        """Security mails (verification, password reset, email change, deletion) always
        go out, and so does the data export the user just asked for (mail is its only way
        to them)."""
        return self not in _ALWAYS_EMAILED


_ALWAYS_EMAILED = frozenset(
    {
        NotificationType.USER_VERIFY_EMAIL,
        NotificationType.USER_PASSWORD_RESET,
        NotificationType.USER_EMAIL_CHANGE,
        NotificationType.USER_EMAIL_CHANGED,
        NotificationType.USER_DELETION_REQUESTED,
        NotificationType.USER_DATA_EXPORT,
    }
)


class DeliveryStatus(enum.StrEnum):
    """Where one delivery is.

    - ``pending``: waiting to be sent (new, or replayed);
    - ``sending``: claimed by a worker until ``claimed_until`` (a crashed worker's claim
      runs out and another worker takes the delivery again);
    - ``sent``: the mail server (or, for push, the push service of at least one of the
      user's devices) accepted it (final);
    - ``deferred``: waiting until ``next_attempt_at``: after a transient failure, in the
      recipient's quiet hours, or over their rate limit (``last_error`` says which);
    - ``failed``: refused for good by the mail server (a 5xx answer), or a push that no
      subscription of the user took (final, replayable);
    - ``dead``: every attempt failed transiently (final, replayable).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEFERRED = "deferred"
    FAILED = "failed"
    DEAD = "dead"


FINAL_STATUSES: Final = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.DEAD})


@frozen
class Notification:
    """One in-app notification. ``text`` is rendered in the recipient's language when the
    event is handled; ``data`` holds the ids a client needs (``task_id``...)."""

    id: UUID
    user_id: UUID
    type: NotificationType
    text: str
    data: dict[str, Any]
    event_id: UUID
    created_at: datetime
    read_at: datetime | None = None
    archived_at: datetime | None = None

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


@frozen
class Delivery:
    """One row of the notification log: one (event, recipient, channel), unique.

    ``recipient`` is the key of the person: the user id (as text) for a user, the email
    address for an invitee who has no account. ``context`` holds the template variables;
    secrets in it (a link token) are removed once the mail is sent.
    """

    id: UUID
    event_id: UUID
    recipient: str
    channel: Channel
    type: NotificationType
    user_id: UUID | None
    email: str | None
    context: dict[str, Any] = field(repr=False)
    status: DeliveryStatus
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    claim_id: UUID | None = None
    claimed_until: datetime | None = None


@frozen
class NotificationPreferences:
    """A user's choices. In-app notifications cannot be turned off; ``email_off`` and
    ``push_off`` list the types whose mail, or push notification, the user does not want.
    Quiet hours (both set, or neither) are read in ``timezone`` (IANA, e.g.
    ``Asia/Tehran``); they may cross midnight (22:00-07:00) and hold mail and push alike."""

    user_id: UUID
    email_off: frozenset[NotificationType] = frozenset()
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    timezone: str = DEFAULT_TIMEZONE
    language: str = DEFAULT_LANGUAGE
    updated_at: datetime | None = None
    push_off: frozenset[NotificationType] = frozenset()

    def wants_email(self, notification_type: NotificationType) -> bool:
        return not notification_type.email_can_be_turned_off or (
            notification_type not in self.email_off
        )

    def wants_push(self, notification_type: NotificationType) -> bool:
        return notification_type not in self.push_off


@frozen
class PushSubscription:
    """One device (a browser's service worker) that receives Web Push for a user: the
    push service's ``endpoint`` and the keys the payload is encrypted with (RFC 8291:
    ``p256dh``, the device's P-256 public key, and ``auth``, its 16-byte secret; both
    base64url as ``PushSubscription.toJSON()`` gives them). An endpoint belongs to one
    user at a time: subscribing it again moves it to whoever subscribed last."""

    id: UUID
    user_id: UUID
    endpoint: str
    p256dh: str = field(repr=False)
    auth: str = field(repr=False)
    created_at: datetime


@frozen
class DueSoonMark:
    """ "This task was announced as due soon for this due date": unique (task, due date)."""

    task_id: UUID
    due_date: date
    created_at: datetime
