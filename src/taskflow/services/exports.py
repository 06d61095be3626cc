"""``tf.exports``: a user's own data, as one JSON document, mailed to them.

``request(user_id)`` records the request and emits ``user.data_export`` ``{user_id,
requested_at}``; the worker turns the event into a mail to the user (routing) and, when
it sends the mail, builds the document from the storage as it is then and attaches it
(``attachment``, which ``TaskFlow`` hands to its notifications). Nothing of the document
is stored on the way: not in the outbox, the queue nor the notification log; the mail is
its only copy. A user may ask once per ``ExportConfig.interval`` (24 hours unless
``TASKFLOW_DATA_EXPORT_INTERVAL`` says otherwise): ``DataExportTooSoon`` (429, with
``retry_after``) before that.

Why an attachment rather than a link to download it: no endpoint, no file kept on the
server, no token that could leak and no expiry to enforce; the mail goes to the address
of the account, as a password reset does. The cost: a mail server refuses a mail over
its size limit (commonly 10 to 25 MB), which then ends ``failed`` in the notification
log; a user with that much data needs an operator (``build`` gives the same document).

The document (``DOCUMENT_FORMAT``, ``DOCUMENT_VERSION``)::

    {"format": "taskflow.data_export", "version": 1, "generated_at": "<ISO 8601>",
     "profile": {id, email, name, email_verified, created_at, updated_at},
     "preferences": {email_off, quiet_hours_start, quiet_hours_end, timezone, language,
                     updated_at} or null (never changed: the defaults apply),
     "memberships": [{team_id, team_name, role, joined_at}],
     "tasks": [{id, team_id, title, description, status, priority, assignee_id,
                created_by, due_date, completed_at, created_at, updated_at, deleted_at,
                involvement: ["creator"] | ["assignee"] | both}],
     "comments": [{id, task_id, content, created_at, updated_at}],
     "notifications": [{id, type, text, data, created_at, read_at, archived_at}]}

Tasks are those the user created or is assigned, in any team (one they left too), a
soft-deleted one included (``deleted_at``); comments are their own, on any task. Lists
are oldest first; times are UTC in ISO 8601. No password hash, session or token is in it.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from attrs import frozen

from taskflow.config import ExportConfig
from taskflow.domain.models import Comment, Task
from taskflow.domain.notifications import Delivery, Notification, NotificationPreferences
from taskflow.domain.queries import TimeKey
from taskflow.errors import DataExportTooSoon, UserNotFound
from taskflow.events import USER_DATA_EXPORT, make_event
from taskflow.notifications.mime import Attachment
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.validation import InputModel, validate

__all__ = [
    "DOCUMENT_FORMAT",
    "DOCUMENT_VERSION",
    "DataExportRequest",
    "DataExportService",
    "export_document",
]

DOCUMENT_FORMAT: Final = "taskflow.data_export"
DOCUMENT_VERSION: Final = 1
_NOTIFICATION_PAGE: Final = 500


class _UserInput(InputModel):
    user_id: UUID


@frozen
class DataExportRequest:
    """A request accepted: when it was made, and from when the next one may be."""

    requested_at: datetime
    next_request_at: datetime


class DataExportService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: ExportConfig) -> None:
        self._uow = uow
        self._clock = clock
        self.config = config

    def request(self, user_id: UUID) -> DataExportRequest:
        """Ask for an export of ``user_id``'s data, mailed to them by the worker.
        ``DataExportTooSoon`` (``retry_after`` seconds) within ``config.interval`` of the
        previous request; ``UserNotFound`` if there is no such user."""
        data = validate(_UserInput, user_id=user_id)
        now = self._clock.now()
        interval = self.config.interval
        with self._uow() as uow:
            if uow.users.get(data.user_id) is None:
                raise UserNotFound()
            if not uow.data_exports.record(data.user_id, now, unless_since=now - interval):
                last = uow.data_exports.last_requested_at(data.user_id) or now
                wait = (last + interval - now).total_seconds()
                raise DataExportTooSoon(retry_after=max(1, math.ceil(wait)))
            payload = {"user_id": str(data.user_id), "requested_at": now.isoformat()}
            uow.emit(make_event(USER_DATA_EXPORT, payload, now))
            uow.commit()
        return DataExportRequest(requested_at=now, next_request_at=now + interval)

    def build(self, user_id: UUID) -> dict[str, Any]:
        """The document of ``user_id`` as it is now (what the mail attaches), for an
        operator or a test; ``UserNotFound`` if there is no such user."""
        data = validate(_UserInput, user_id=user_id)
        with self._uow(read_only=True) as uow:
            return export_document(uow, data.user_id, self._clock.now())

    def attachment(self, uow: UnitOfWork, delivery: Delivery, now: datetime) -> list[Attachment]:
        """The attachment of a ``user.data_export`` mail: the document of its recipient,
        read in the delivery runner's unit of work when the mail is built."""
        if delivery.user_id is None:
            raise UserNotFound()
        document = export_document(uow, delivery.user_id, now)
        content = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        name = f"data-export-{now.date().isoformat()}.json"
        return [Attachment(filename=name, content_type="application/json", data=content.encode())]


def export_document(uow: UnitOfWork, user_id: UUID, now: datetime) -> dict[str, Any]:
    """The export of ``user_id`` (see the module) read in ``uow``."""
    user = uow.users.get(user_id)
    if user is None:
        raise UserNotFound()
    memberships = []
    for team in uow.members.teams_of_user(user_id):
        membership = uow.members.get(team.id, user_id)
        memberships.append(
            {
                "team_id": str(team.id),
                "team_name": team.name,
                "role": team.role.value,
                "joined_at": _time(membership.joined_at) if membership is not None else None,
            }
        )
    preferences = uow.preferences.get(user_id)
    return {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "generated_at": _time(now),
        "profile": {
            "id": str(user.id),
            "email": user.email,
            "name": user.name,
            "email_verified": user.email_verified,
            "created_at": _time(user.created_at),
            "updated_at": _time(user.updated_at),
        },
        "preferences": _preferences(preferences) if preferences is not None else None,
        "memberships": memberships,
        "tasks": [_task(task, user_id) for task in uow.tasks.list_involving(user_id)],
        "comments": [_comment(comment) for comment in uow.comments.list_by_author(user_id)],
        "notifications": [_notification(n) for n in _all_notifications(uow, user_id)],
    }


def _all_notifications(uow: UnitOfWork, user_id: UUID) -> list[Notification]:
    """Every notification of the user, archived ones too, oldest first (read newest
    first a page at a time, as the inbox is)."""
    found: list[Notification] = []
    before: TimeKey | None = None
    while True:
        page = uow.notifications.list_for_user(
            user_id,
            unread_only=False,
            include_archived=True,
            before=before,
            limit=_NOTIFICATION_PAGE,
        )
        found += page.items
        if not page.has_more or not page.items:
            break
        last = page.items[-1]
        before = TimeKey(created_at=last.created_at, id=last.id)
    found.reverse()
    return found


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _preferences(preferences: NotificationPreferences) -> dict[str, Any]:
    return {
        "email_off": sorted(kind.value for kind in preferences.email_off),
        "quiet_hours_start": (
            preferences.quiet_hours_start.isoformat() if preferences.quiet_hours_start else None
        ),
        "quiet_hours_end": (
            preferences.quiet_hours_end.isoformat() if preferences.quiet_hours_end else None
        ),
        "timezone": preferences.timezone,
        "language": preferences.language,
        "updated_at": _time(preferences.updated_at),
    }


def _task(task: Task, user_id: UUID) -> dict[str, Any]:
    parts = (("creator", task.created_by), ("assignee", task.assignee_id))
    involvement = [part for part, holder in parts if holder == user_id]
    return {
        "id": str(task.id),
        "team_id": str(task.team_id),
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee_id": str(task.assignee_id) if task.assignee_id is not None else None,
        "created_by": str(task.created_by),
        "due_date": task.due_date.isoformat() if task.due_date is not None else None,
        "completed_at": _time(task.completed_at),
        "created_at": _time(task.created_at),
        "updated_at": _time(task.updated_at),
        "deleted_at": _time(task.deleted_at),
        "involvement": involvement,
    }


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": str(comment.id),
        "task_id": str(comment.task_id),
        "content": comment.content,
        "created_at": _time(comment.created_at),
        "updated_at": _time(comment.updated_at),
    }


def _notification(notification: Notification) -> dict[str, Any]:
    return {
        "id": str(notification.id),
        "type": notification.type.value,
        "text": notification.text,
        "data": notification.data,
        "created_at": _time(notification.created_at),
        "read_at": _time(notification.read_at),
        "archived_at": _time(notification.archived_at),
    }
