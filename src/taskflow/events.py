"""Domain event names and their constructor.

In-process receivers subscribe to the events of their own ``TaskFlow``, which hands them
each event after the unit of work that caused it has committed::

    @tf.events.receiver(TASK_COMPLETED)
    def on_completed(event: Event) -> None: ...
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from taskflow.domain.models import Event
from taskflow.ids import new_id

__all__ = [
    "COMMENT_ADDED",
    "COMMENT_EDITED",
    "EVENT_NAMES",
    "INVITE_CREATED",
    "TASK_ASSIGNED",
    "TASK_COMPLETED",
    "TASK_CREATED",
    "TASK_DUE_SOON",
    "USER_DATA_EXPORT",
    "USER_DELETION_CANCELLED",
    "USER_DELETION_REQUESTED",
    "USER_EMAIL_CHANGED",
    "USER_EMAIL_CHANGE_REQUESTED",
    "USER_EMAIL_CHANGE_UNDONE",
    "USER_ERASED",
    "USER_PASSWORD_RESET",
    "USER_SIGNUP",
    "USER_VERIFY_EMAIL",
    "make_event",
]

TASK_CREATED: Final = "task.created"
TASK_COMPLETED: Final = "task.completed"
TASK_ASSIGNED: Final = "task.assigned"
TASK_DUE_SOON: Final = "task.due_soon"
USER_SIGNUP: Final = "user.signup"
USER_VERIFY_EMAIL: Final = "user.verify_email"
USER_PASSWORD_RESET: Final = "user.password_reset"  # noqa: S105 - an event name
INVITE_CREATED: Final = "invite.created"
USER_EMAIL_CHANGE_REQUESTED: Final = "user.email_change"
"""``{user_id, email (the new address), sealed_token}``: the confirmation link's mail."""
USER_EMAIL_CHANGED: Final = "user.email_changed"
"""``{user_id, email (the OLD address), new_email, sealed_token}``: the undo link's mail."""
USER_EMAIL_CHANGE_UNDONE: Final = "user.email_change_undone"
"""``{user_id}``: the account is back at its previous address."""
USER_DELETION_REQUESTED: Final = "user.deletion_requested"
"""``{user_id, email, due_at, erase_on}``: the account is erased at ``due_at`` (ISO 8601;
``erase_on``: the same for people, ``YYYY-MM-DD HH:MM`` UTC) unless a login comes first."""
USER_DELETION_CANCELLED: Final = "user.deletion_cancelled"
"""``{user_id}``: a login cancelled the deletion."""
USER_ERASED: Final = "user.erased"
"""``{user_id}``: the account was erased (no address: nothing personal is kept)."""
COMMENT_ADDED: Final = "comment.added"
COMMENT_EDITED: Final = "comment.edited"
USER_DATA_EXPORT: Final = "user.data_export"

EVENT_NAMES: Final = frozenset(
    {
        TASK_CREATED,
        TASK_COMPLETED,
        TASK_ASSIGNED,
        TASK_DUE_SOON,
        USER_SIGNUP,
        USER_VERIFY_EMAIL,
        USER_PASSWORD_RESET,
        INVITE_CREATED,
        USER_EMAIL_CHANGE_REQUESTED,
        USER_EMAIL_CHANGED,
        USER_EMAIL_CHANGE_UNDONE,
        USER_DELETION_REQUESTED,
        USER_DELETION_CANCELLED,
        USER_ERASED,
        COMMENT_ADDED,
        COMMENT_EDITED,
        USER_DATA_EXPORT,
    }
)


def make_event(name: str, payload: dict[str, Any], occurred_at: datetime) -> Event:
    """A new event with a unique, time-ordered id (UUIDv7: the outbox relays events in
    id order). Payload values must be JSON-friendly (str, int, bool, None, lists, dicts)."""
    return Event(id=new_id(), name=name, payload=payload, occurred_at=occurred_at)
