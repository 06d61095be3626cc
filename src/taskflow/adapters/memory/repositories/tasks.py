"""Tasks in memory: tasks (with their idempotency keys), comments, activity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar
from uuid import UUID

from taskflow.adapters.memory.repositories.base import InMemoryRepository
from taskflow.domain.models import Comment, Task, TaskActivity, TaskStatus
from taskflow.domain.queries import Slice, SortValue, TaskQuery, TaskSort, TimeKey
from taskflow.errors import IdempotencyKeyTaken, VersionConflict

__all__ = [
    "InMemoryActivityRepository",
    "InMemoryCommentRepository",
    "InMemoryTaskRepository",
    "task_sort_value",
]

T = TypeVar("T")

_FAR_FUTURE = date.max


def task_sort_value(task: Task, sort: TaskSort) -> SortValue:
    """The value a task is ordered by under ``sort`` (what a cursor records)."""
    if sort is TaskSort.CREATED_AT:
        return task.created_at
    if sort is TaskSort.UPDATED_AT:
        return task.updated_at
    if sort is TaskSort.DUE_DATE:
        return task.due_date
    return task.priority.rank


def _comparable(value: SortValue) -> tuple[int, object]:
    # None (no due date) orders after every date, as PostgreSQL orders NULL.
    return (1, _FAR_FUTURE) if value is None else (0, value)


class InMemoryTaskRepository(InMemoryRepository):
    def add(self, task: Task) -> None:
        if task.idempotency_key is not None and self.get_by_idempotency_key(
            task.team_id, task.created_by, task.idempotency_key
        ):
            raise IdempotencyKeyTaken()
        self._store.tasks[task.id] = task

    def get(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None:
        task = self._store.tasks.get(task_id)
        if task is None or (task.deleted_at is not None and not include_deleted):
            return None
        return task

    def get_by_idempotency_key(self, team_id: UUID, created_by: UUID, key: str) -> Task | None:
        return next(
            (
                t
                for t in self._store.tasks.values()
                if t.team_id == team_id and t.created_by == created_by and t.idempotency_key == key
            ),
            None,
        )

    def update(self, task: Task) -> None:
        stored = self._store.tasks.get(task.id)
        if stored is None or stored.version != task.version - 1:
            raise VersionConflict()
        self._store.tasks[task.id] = task

    def list(self, query: TaskQuery) -> Slice[Task]:
        matching = [t for t in self._store.tasks.values() if _matches(t, query)]

        def key(task: Task) -> tuple[tuple[int, object], UUID]:
            return _comparable(task_sort_value(task, query.sort)), task.id

        matching.sort(key=key, reverse=query.descending)
        total = len(matching) if query.with_total else None
        if query.after is not None:
            position = (_comparable(query.after[0]), query.after[1])
            if query.descending:
                matching = [t for t in matching if key(t) < position]
            else:
                matching = [t for t in matching if key(t) > position]
        page = matching[: query.limit]
        return Slice(items=page, has_more=len(matching) > query.limit, total=total)

    def open_tasks_assigned_to(self, team_id: UUID, user_id: UUID) -> Sequence[Task]:
        found = [
            t
            for t in self._store.tasks.values()
            if t.team_id == team_id and t.assignee_id == user_id and t.status is not TaskStatus.DONE
        ]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def list_involving(self, user_id: UUID) -> Sequence[Task]:
        found = [t for t in self._store.tasks.values() if user_id in (t.created_by, t.assignee_id)]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def delete_for_team(self, team_id: UUID) -> None:
        task_ids = {t.id for t in self._store.tasks.values() if t.team_id == team_id}
        for task_id in task_ids:
            del self._store.tasks[task_id]
        for table in (self._store.comments, self._store.activity):
            for row_id in [r.id for r in table.values() if r.task_id in task_ids]:
                del table[row_id]


def _matches(task: Task, q: TaskQuery) -> bool:
    checks: list[Callable[[], bool]] = [
        lambda: task.deleted_at is None,
        lambda: task.team_id in q.team_ids,
        lambda: not q.statuses or task.status in q.statuses,
        lambda: not q.priorities or task.priority in q.priorities,
        lambda: q.assignee_id is None or task.assignee_id == q.assignee_id,
        lambda: not q.unassigned or task.assignee_id is None,
        lambda: q.created_by is None or task.created_by == q.created_by,
        lambda: (
            q.due_before is None or (task.due_date is not None and task.due_date < q.due_before)
        ),
        lambda: q.due_after is None or (task.due_date is not None and task.due_date > q.due_after),
        lambda: (
            q.overdue_on is None
            or (
                task.due_date is not None
                and task.due_date < q.overdue_on
                and task.status is not TaskStatus.DONE
            )
        ),
        lambda: q.title_contains is None or q.title_contains.lower() in task.title.lower(),
    ]
    return all(check() for check in checks)


def _time_slice(
    rows: list[T], key: Callable[[T], TimeKey], after: TimeKey | None, limit: int
) -> Slice[T]:
    rows.sort(key=lambda r: (key(r).created_at, key(r).id))
    if after is not None:
        rows = [r for r in rows if (key(r).created_at, key(r).id) > (after.created_at, after.id)]
    return Slice(items=rows[:limit], has_more=len(rows) > limit)


class InMemoryCommentRepository(InMemoryRepository):
    def add(self, comment: Comment) -> None:
        self._store.comments[comment.id] = comment

    def get(self, comment_id: UUID) -> Comment | None:
        return self._store.comments.get(comment_id)

    def update(self, comment: Comment) -> None:
        if comment.id in self._store.comments:  # deleted meanwhile: stays deleted
            self._store.comments[comment.id] = comment

    def delete(self, comment_id: UUID) -> None:
        self._store.comments.pop(comment_id, None)

    def list_for_task(self, task_id: UUID, after: TimeKey | None, limit: int) -> Slice[Comment]:
        rows = [c for c in self._store.comments.values() if c.task_id == task_id]
        return _time_slice(rows, lambda c: TimeKey(c.created_at, c.id), after, limit)

    def list_by_author(self, user_id: UUID) -> Sequence[Comment]:
        rows = [c for c in self._store.comments.values() if c.user_id == user_id]
        return sorted(rows, key=lambda c: (c.created_at, c.id))


class InMemoryActivityRepository(InMemoryRepository):
    def add(self, activity: TaskActivity) -> None:
        self._store.activity[activity.id] = activity

    def list_for_task(
        self, task_id: UUID, after: TimeKey | None, limit: int
    ) -> Slice[TaskActivity]:
        rows = [a for a in self._store.activity.values() if a.task_id == task_id]
        return _time_slice(rows, lambda a: TimeKey(a.created_at, a.id), after, limit)
