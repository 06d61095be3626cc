"""Tasks on SQL: tasks (with their idempotency keys), comments, activity. The task list's
query is built in ``keyset.py``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Final, TypeVar, cast
from uuid import UUID

import sqlalchemy as sa
from attrs import frozen

from taskflow.adapters.sqlalchemy import keyset
from taskflow.adapters.sqlalchemy.direct import DirectStatement
from taskflow.adapters.sqlalchemy.repositories.base import SqlRepository, SqlRow
from taskflow.adapters.sqlalchemy.tables import TableSet
from taskflow.domain.models import (
    ActivityKind,
    Comment,
    Priority,
    Task,
    TaskActivity,
    TaskStatus,
)
from taskflow.domain.queries import Slice, TaskQuery, TimeKey
from taskflow.errors import IdempotencyKeyTaken, VersionConflict

__all__ = [
    "SqlActivityRepository",
    "SqlCommentRepository",
    "SqlTaskRepository",
    "task_from_row",
]

T = TypeVar("T")


@frozen
class _Statements:
    """The statements of the hottest reads and writes, built once per ``TableSet`` and
    run on the direct lane. Task rows are read by position (``task_from_row``): plain
    tuples, no named tuple per row."""

    task_by_id: DirectStatement
    live_task_by_id: DirectStatement
    insert_task: DirectStatement
    update_task: DirectStatement
    insert_activity: DirectStatement


@cache
def _statements(tables: TableSet) -> _Statements:
    tasks = tables.tasks
    any_task_by_id = sa.select(tasks).where(tasks.c.id == sa.bindparam("task_id"))
    return _Statements(
        task_by_id=DirectStatement(any_task_by_id, named=False),
        live_task_by_id=DirectStatement(
            any_task_by_id.where(tasks.c.deleted_at.is_(None)), named=False
        ),
        insert_task=DirectStatement(tasks.insert()),
        update_task=DirectStatement(
            tasks.update().where(
                tasks.c.id == sa.bindparam("task_id"),
                tasks.c.version == sa.bindparam("expected_version"),
            )
        ),
        insert_activity=DirectStatement(tables.task_activity.insert()),
    )


def task_from_row(row: SqlRow) -> Task:
    # Positional: ``select(tasks)`` returns the table's columns in the order of the
    # ``Task`` fields (the hot path of every list; attribute access by name is slower).
    (
        id_,
        team_id,
        title,
        description,
        status,
        priority,
        assignee_id,
        created_by,
        due_date,
        completed_at,
        created_at,
        updated_at,
        version,
        deleted_at,
        idempotency_key,
    ) = cast("tuple[Any, ...]", row)
    return Task(
        id_,
        team_id,
        title,
        description,
        _STATUS[status],
        _PRIORITY[priority],
        assignee_id,
        created_by,
        due_date,
        completed_at,
        created_at,
        updated_at,
        version,
        deleted_at,
        idempotency_key,
    )


_STATUS: Final = {s.value: s for s in TaskStatus}
_PRIORITY: Final = {p.value: p for p in Priority}


def _task_values(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "team_id": task.team_id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee_id": task.assignee_id,
        "created_by": task.created_by,
        "due_date": task.due_date,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
        "deleted_at": task.deleted_at,
        "idempotency_key": task.idempotency_key,
    }


def _idempotency_key_taken() -> IdempotencyKeyTaken:
    return IdempotencyKeyTaken()


class SqlTaskRepository(SqlRepository):
    _table = "tasks"

    def add(self, task: Task) -> None:
        values = _task_values(task)
        insert = _statements(self._tables).insert_task
        if task.idempotency_key is None:
            self._direct(insert, values)  # nothing unique to collide with: no savepoint
            return
        with self._unique(_idempotency_key_taken) as savepoint:
            savepoint.execute(insert.statement, values)

    def get(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None:
        statements = _statements(self._tables)
        statement = statements.task_by_id if include_deleted else statements.live_task_by_id
        row = self._direct(statement, {"task_id": task_id}).first()
        return task_from_row(row) if row else None

    def get_by_idempotency_key(self, team_id: UUID, created_by: UUID, key: str) -> Task | None:
        statement = sa.select(self._t).where(
            self._t.c.team_id == team_id,
            self._t.c.created_by == created_by,
            self._t.c.idempotency_key == key,
        )
        row = self._execute(statement).first()
        return task_from_row(row) if row else None

    def update(self, task: Task) -> None:
        values = _task_values(task)
        values["task_id"] = values.pop("id")
        values["expected_version"] = task.version - 1
        if self._direct(_statements(self._tables).update_task, values).rowcount != 1:
            raise VersionConflict()

    def list(self, query: TaskQuery) -> Slice[Task]:
        row_values = self._connection().dialect.name not in ("mysql", "mariadb")
        shape, parameters = keyset.list_shape(query), keyset.list_parameters(query)
        statement = keyset.list_statement(self._tables, shape, row_values=row_values)
        rows = [task_from_row(row) for row in self._direct(statement, parameters).all()]
        total: int | None = None
        if query.with_total:
            del parameters["limit"]
            for key in [k for k in parameters if k.startswith("after_")]:
                del parameters[key]
            count = keyset.count_statement(self._tables, shape)
            total = int(self._direct(count, parameters).scalar_one())
        return Slice(items=rows[: query.limit], has_more=len(rows) > query.limit, total=total)

    def open_tasks_assigned_to(self, team_id: UUID, user_id: UUID) -> Sequence[Task]:
        statement = (
            sa.select(self._t)
            .where(
                self._t.c.team_id == team_id,
                self._t.c.assignee_id == user_id,
                self._t.c.status != TaskStatus.DONE.value,
            )
            .order_by(self._t.c.created_at, self._t.c.id)
        )
        return [task_from_row(row) for row in self._execute(statement)]

    def list_involving(self, user_id: UUID) -> Sequence[Task]:
        statement = (
            sa.select(self._t)
            .where(sa.or_(self._t.c.created_by == user_id, self._t.c.assignee_id == user_id))
            .order_by(self._t.c.created_at, self._t.c.id)
        )
        return [task_from_row(row) for row in self._execute(statement)]

    def delete_for_team(self, team_id: UUID) -> None:
        team_tasks = sa.select(self._t.c.id).where(self._t.c.team_id == team_id)
        comments, activity = self._tables.comments, self._tables.task_activity
        self._execute(comments.delete().where(comments.c.task_id.in_(team_tasks)))
        self._execute(activity.delete().where(activity.c.task_id.in_(team_tasks)))
        self._execute(self._t.delete().where(self._t.c.team_id == team_id))


def _comment(row: SqlRow) -> Comment:
    return Comment(
        id=row.id,
        task_id=row.task_id,
        user_id=row.user_id,
        content=row.content,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class _TaskTrail(SqlRepository):
    """Rows that follow a task (its comments, its activity), read oldest first a page at
    a time, the page starting after a ``(created_at, id)`` position."""

    def _page(
        self, task_id: UUID, after: TimeKey | None, limit: int, read: Callable[[SqlRow], T]
    ) -> Slice[T]:
        statement = (
            sa.select(self._t)
            .where(self._t.c.task_id == task_id, *keyset.after(self._t, after))
            .order_by(self._t.c.created_at, self._t.c.id)
            .limit(limit + 1)
        )
        rows = [read(row) for row in self._execute(statement)]
        return Slice(items=rows[:limit], has_more=len(rows) > limit)


class SqlCommentRepository(_TaskTrail):
    _table = "comments"

    def add(self, comment: Comment) -> None:
        self._execute(
            self._t.insert().values(
                id=comment.id,
                task_id=comment.task_id,
                user_id=comment.user_id,
                content=comment.content,
                created_at=comment.created_at,
                updated_at=comment.updated_at,
            )
        )

    def get(self, comment_id: UUID) -> Comment | None:
        row = self._execute(sa.select(self._t).where(self._t.c.id == comment_id)).first()
        return _comment(row) if row else None

    def update(self, comment: Comment) -> None:
        self._execute(
            self._t.update()
            .where(self._t.c.id == comment.id)
            .values(content=comment.content, updated_at=comment.updated_at)
        )

    def delete(self, comment_id: UUID) -> None:
        self._execute(self._t.delete().where(self._t.c.id == comment_id))

    def list_for_task(self, task_id: UUID, after: TimeKey | None, limit: int) -> Slice[Comment]:
        return self._page(task_id, after, limit, _comment)

    def list_by_author(self, user_id: UUID) -> Sequence[Comment]:
        statement = (
            sa.select(self._t)
            .where(self._t.c.user_id == user_id)
            .order_by(self._t.c.created_at, self._t.c.id)
        )
        return [_comment(row) for row in self._execute(statement)]


def _activity(row: SqlRow) -> TaskActivity:
    return TaskActivity(
        id=row.id,
        task_id=row.task_id,
        actor_id=row.actor_id,
        kind=ActivityKind(row.kind),
        created_at=row.created_at,
        field=row.field,
        old_value=row.old_value,
        new_value=row.new_value,
    )


class SqlActivityRepository(_TaskTrail):
    _table = "task_activity"

    def add(self, activity: TaskActivity) -> None:
        self._direct(
            _statements(self._tables).insert_activity,
            {
                "id": activity.id,
                "task_id": activity.task_id,
                "actor_id": activity.actor_id,
                "kind": activity.kind.value,
                "created_at": activity.created_at,
                "field": activity.field,
                "old_value": activity.old_value,
                "new_value": activity.new_value,
            },
        )

    def list_for_task(
        self, task_id: UUID, after: TimeKey | None, limit: int
    ) -> Slice[TaskActivity]:
        return self._page(task_id, after, limit, _activity)
