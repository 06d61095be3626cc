"""Keyset paging of task lists: the query a page of filters asks for, and its cursors.

A cursor carries the last task's sort value and id, and its kind names the sort AND the
order, so a cursor made for another list is refused instead of silently skipping tasks.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from taskflow.domain.models import Priority, Task
from taskflow.domain.queries import SortValue, TaskQuery, TaskSort
from taskflow.errors import InvalidInput
from taskflow.pagination import decode_sort_cursor, encode_sort_cursor
from taskflow.services.task_inputs import TaskFilters

__all__ = ["next_cursor", "task_query"]


def task_query(team_ids: tuple[UUID, ...], filters: TaskFilters, today: date) -> TaskQuery:
    """The repository query for one page of ``filters`` over ``team_ids``; ``today``
    (UTC) is what ``overdue`` compares with."""
    after = None
    if filters.cursor is not None:
        value, last_id = decode_sort_cursor(filters.cursor, _cursor_kind(filters))
        after = (_check_cursor_value(filters.sort, value), last_id)
    q = filters.q.strip() if filters.q is not None else None
    return TaskQuery(
        team_ids=team_ids,
        statuses=tuple(dict.fromkeys(filters.status)),
        priorities=tuple(dict.fromkeys(filters.priority)),
        assignee_id=filters.assignee_id,
        unassigned=filters.unassigned,
        created_by=filters.created_by,
        due_before=filters.due_before,
        due_after=filters.due_after,
        overdue_on=today if filters.overdue else None,
        title_contains=q or None,
        sort=filters.sort,
        descending=filters.order == "desc",
        limit=filters.limit,
        after=after,
        with_total=filters.with_total,
    )


def next_cursor(filters: TaskFilters, last: Task) -> str:
    """The cursor of the page after the one ending with ``last``."""
    return encode_sort_cursor(_cursor_kind(filters), _sort_value(last, filters.sort), last.id)


def _cursor_kind(filters: TaskFilters) -> str:
    return f"{filters.sort.value}.{filters.order}"


def _sort_value(task: Task, sort: TaskSort) -> SortValue:
    if sort is TaskSort.CREATED_AT:
        return task.created_at
    if sort is TaskSort.UPDATED_AT:
        return task.updated_at
    if sort is TaskSort.DUE_DATE:
        return task.due_date
    return task.priority.rank


def _check_cursor_value(sort: TaskSort, value: SortValue) -> SortValue:
    if sort in (TaskSort.CREATED_AT, TaskSort.UPDATED_AT):
        ok = isinstance(value, datetime)
    elif sort is TaskSort.DUE_DATE:
        ok = value is None or (isinstance(value, date) and not isinstance(value, datetime))
    else:
        ok = isinstance(value, int) and 0 <= value <= max(p.rank for p in Priority)
    if not ok:
        raise InvalidInput.for_field("cursor", "is not a valid cursor for this list")
    return value
