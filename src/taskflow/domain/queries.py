"""Typed queries the repositories answer, and the slices they return.

The services turn a client's filters into a ``TaskQuery``; every repository adapter
(memory, SQLAlchemy) must give exactly the same rows in exactly the same order for it.
That shared meaning is written down here, once.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from typing import Generic, TypeVar
from uuid import UUID

from attrs import frozen

from taskflow.domain.models import Priority, TaskStatus

__all__ = ["Slice", "SortValue", "TaskQuery", "TaskSort", "TimeKey"]

T = TypeVar("T")

SortValue = datetime | date | int | None
"""The value of a task's sort field: a timestamp, a due date (may be None), a priority rank."""


class TaskSort(enum.StrEnum):
    """What a task list is ordered by. The task id always breaks ties, in the same direction.

    - ``created_at`` / ``updated_at``: the timestamps.
    - ``due_date``: tasks without a due date come after every dated task when ascending and
      before them when descending (NULL is "largest", as PostgreSQL orders it).
    - ``priority``: by meaning, low < medium < high (``Priority.rank``).
    """

    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    DUE_DATE = "due_date"
    PRIORITY = "priority"


@frozen
class TaskQuery:
    """One page of tasks. Only tasks not soft-deleted are ever returned.

    Filters combine with AND; a tuple filter (``statuses``) matches any of its values and
    is ignored when empty.

    - ``team_ids``: the teams to look in (a team list has one; "my tasks" has all mine).
    - ``assignee_id`` / ``unassigned``: a given assignee / no assignee at all.
    - ``due_before`` / ``due_after``: due_date < due_before / due_date > due_after
      (strict; tasks without a due date never match either).
    - ``overdue_on``: due_date < overdue_on and status != done.
    - ``title_contains``: case-insensitive substring of the title.
    - ``after``: keyset position ``(sort value, task id)`` of the last task of the previous
      page; the page starts strictly after it in the requested order.
    - ``limit``: page size (the service checks 1..100); the repository reads ``limit + 1``
      rows to know whether another page follows.
    - ``with_total``: also count every task matching the filters (ignoring ``after``).
    """

    team_ids: tuple[UUID, ...]
    statuses: tuple[TaskStatus, ...] = ()
    priorities: tuple[Priority, ...] = ()
    assignee_id: UUID | None = None
    unassigned: bool = False
    created_by: UUID | None = None
    due_before: date | None = None
    due_after: date | None = None
    overdue_on: date | None = None
    title_contains: str | None = None
    sort: TaskSort = TaskSort.CREATED_AT
    descending: bool = True
    limit: int = 50
    after: tuple[SortValue, UUID] | None = None
    with_total: bool = False


@frozen
class TimeKey:
    """Keyset position in a list ordered by ``(created_at, id)`` (comments, activity...)."""

    created_at: datetime
    id: UUID


@frozen
class Slice(Generic[T]):
    """What a repository returns for a page: the rows, whether more follow, and the total
    count when it was asked for."""

    items: Sequence[T]
    has_more: bool
    total: int | None = None
