"""A task's activity log and the user references shown beside tasks and comments,
shared by the task, comment and team services."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from taskflow.domain.models import ActivityKind, TaskActivity, UserRef
from taskflow.ids import new_id
from taskflow.ports.unit_of_work import UnitOfWork

__all__ = ["activity_text", "record_activity", "user_refs"]


def record_activity(
    uow: UnitOfWork,
    task_id: UUID,
    actor_id: UUID,
    kind: ActivityKind,
    now: datetime,
    *,
    field: str | None = None,
    old_value: str | None = None,
    new_value: str | None = None,
) -> None:
    """Add one ``TaskActivity`` row in the caller's unit of work."""
    uow.activity.add(
        TaskActivity(
            id=new_id(),
            task_id=task_id,
            actor_id=actor_id,
            kind=kind,
            created_at=now,
            field=field,
            old_value=old_value,
            new_value=new_value,
        )
    )


def activity_text(value: object) -> str | None:
    """How a field's value is written in the activity log (and in event payloads)."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def user_refs(uow: UnitOfWork, user_ids: Iterable[UUID | None]) -> dict[UUID, UserRef]:
    """``{id: UserRef}`` for the given users, in one query."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    return {u.id: UserRef(id=u.id, name=u.name) for u in uow.users.get_many(wanted).values()}
