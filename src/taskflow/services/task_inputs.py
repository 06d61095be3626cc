"""The inputs of the task service: what a create, a change or a list accepts.

Pydantic models (``taskflow.validation.InputModel``) that turn the caller's arguments into
checked values; a bad value is ``InvalidInput`` (400) naming the field.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import BeforeValidator, Field, StringConstraints

from taskflow.domain.models import Priority, TaskStatus
from taskflow.domain.queries import TaskSort
from taskflow.errors import InvalidInput
from taskflow.validation import InputModel, trimmed, validate

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_PAGE_SIZE",
    "UNSET",
    "Assign",
    "CreateTask",
    "PageRequest",
    "TaskChanges",
    "TaskFilters",
    "Unset",
    "task_filters",
]

MAX_DESCRIPTION_LENGTH: Final = 10_000
MAX_PAGE_SIZE: Final = 100


class Unset(enum.Enum):
    """The type of ``UNSET``: "this field was not given", as opposed to ``None``
    ("clear this field") in a PATCH-style update."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_due_date(value: object) -> object:
    """A ``date`` or a ``'YYYY-MM-DD'`` string; a datetime is refused (it is not a day)."""
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError("must be an ISO date (YYYY-MM-DD)")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO date (YYYY-MM-DD) that exists") from None
    return value


Title = Annotated[str, trimmed(1, 255)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH)]
DueDate = Annotated[date, BeforeValidator(_parse_due_date)]
# Enums arrive as their plain string values ("high") from web layers: not strict here.
StatusValue = Annotated[TaskStatus, Field(strict=False)]
PriorityValue = Annotated[Priority, Field(strict=False)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Cursor = Annotated[str, StringConstraints(max_length=1000)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


class CreateTask(InputModel):
    title: Title
    description: Description | None = None
    status: StatusValue = TaskStatus.TODO
    priority: PriorityValue = Priority.MEDIUM
    assignee_id: UUID | None = None
    due_date: DueDate | None = None
    idempotency_key: IdempotencyKey | None = None


class TaskChanges(InputModel):
    """Only the given fields are set (``model_fields_set``); None means "clear"."""

    title: Title | None = None
    description: Description | None = None
    status: StatusValue | None = None
    priority: PriorityValue | None = None
    assignee_id: UUID | None = None
    due_date: DueDate | None = None
    expected_version: Annotated[int, Field(ge=1)] | None = None


class Assign(InputModel):
    assignee_id: UUID | None


class TaskFilters(InputModel):
    status: list[StatusValue] = Field(default_factory=list)
    priority: list[PriorityValue] = Field(default_factory=list)
    assignee_id: UUID | None = None
    unassigned: bool = False
    created_by: UUID | None = None
    due_before: DueDate | None = None
    due_after: DueDate | None = None
    overdue: bool = False
    q: Annotated[str, StringConstraints(max_length=255)] | None = None
    sort: Annotated[TaskSort, Field(strict=False)] = TaskSort.CREATED_AT
    order: Literal["asc", "desc"] = "desc"
    limit: PageSize = 50
    cursor: Cursor | None = None
    with_total: bool = False


class PageRequest(InputModel):
    limit: PageSize = 50
    cursor: Cursor | None = None


def task_filters(
    *,
    status: object,
    priority: object,
    assignee_id: object,
    unassigned: object,
    created_by: object,
    due_before: object,
    due_after: object,
    overdue: object,
    q: object,
    sort: object,
    order: object,
    limit: object,
    cursor: object,
    with_total: object,
) -> TaskFilters:
    """The checked filters of a task list. ``status`` and ``priority`` take one value or
    several; ``unassigned`` and ``assignee_id`` exclude each other."""
    filters = validate(
        TaskFilters,
        status=_as_list(status),
        priority=_as_list(priority),
        assignee_id=assignee_id,
        unassigned=unassigned,
        created_by=created_by,
        due_before=due_before,
        due_after=due_after,
        overdue=overdue,
        q=q,
        sort=sort,
        order=order,
        limit=limit,
        cursor=cursor,
        with_total=with_total,
    )
    if filters.unassigned and filters.assignee_id is not None:
        raise InvalidInput.for_field("unassigned", "cannot be combined with assignee_id")
    return filters


def _as_list(value: object) -> object:
    """A filter given as one value or several (list, tuple, set) becomes a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]
