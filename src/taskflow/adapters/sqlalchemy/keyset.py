"""Keyset pagination in SQL: the one SELECT behind ``TaskRepository.list`` and the
``(created_at, id)`` positions of the other lists (comments, activity, notifications).

A task list is a keyset over ``TaskSort``'s keys, the task id last: the next page starts
strictly after the last row's keys. One statement is built per *shape* of query (which
filters it uses, not their values), once, with named parameters; each call only computes
the values (building and hashing a new statement per call costs more than the query).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final, cast
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from taskflow.adapters.sqlalchemy.direct import DirectStatement
from taskflow.adapters.sqlalchemy.tables import DEFAULT, TableSet, UtcDateTime
from taskflow.domain.models import Priority, TaskStatus
from taskflow.domain.queries import SortValue, TaskQuery, TaskSort, TimeKey

__all__ = [
    "TaskListShape",
    "after",
    "before",
    "count_statement",
    "list_parameters",
    "list_shape",
    "list_statement",
    "task_list_statement",
]

_NO_DUE_DATE: Final = date.max  # with the "is null" key first, NULL sorts as largest


def _sort_keys(tasks: sa.Table, sort: TaskSort) -> list[ColumnElement[Any]]:
    """The ORDER BY keys of a task list, the task id last (see ``TaskSort``)."""
    c = tasks.c
    if sort is TaskSort.CREATED_AT:
        return [c.created_at, c.id]
    if sort is TaskSort.UPDATED_AT:
        return [c.updated_at, c.id]
    if sort is TaskSort.DUE_DATE:
        no_due_date = sa.case((c.due_date.is_(None), 1), else_=0)
        due = sa.func.coalesce(c.due_date, sa.literal(_NO_DUE_DATE, sa.Date()))
        return [no_due_date, due, c.id]
    priority_rank = sa.case({p.value: p.rank for p in Priority}, value=c.priority, else_=-1)
    return [priority_rank, c.id]


def _key_values(sort: TaskSort, value: SortValue, task_id: UUID) -> list[Any]:
    if sort is TaskSort.DUE_DATE:
        return [1 if value is None else 0, _NO_DUE_DATE if value is None else value, task_id]
    return [value, task_id]


TaskListShape = tuple[Any, ...]
"""Which filters a ``TaskQuery`` uses (not their values), its order, whether it has a
keyset position, the keyset form: everything that decides the SQL text. One statement
is built per shape, once, with named parameters; each call only computes the values
(building and hashing a new statement per call costs more than the query itself)."""


def list_shape(query: TaskQuery) -> TaskListShape:
    return (
        len(query.team_ids) == 1,
        min(len(query.statuses), 2),
        bool(query.priorities),
        query.assignee_id is not None,
        query.unassigned,
        query.created_by is not None,
        query.due_before is not None,
        query.due_after is not None,
        query.overdue_on is not None,
        query.title_contains is not None,
        query.sort,
        query.descending,
        query.after is not None,
    )


def list_parameters(query: TaskQuery) -> dict[str, Any]:
    """The values of the named parameters of the statements of ``query``'s shape."""
    values: dict[str, Any] = {"limit": query.limit + 1}
    if len(query.team_ids) == 1:
        values["team_id"] = query.team_ids[0]
    else:
        values["team_ids"] = list(query.team_ids)
    if len(query.statuses) == 1:
        values["status"] = query.statuses[0].value
    elif query.statuses:
        values["statuses"] = [s.value for s in query.statuses]
    if query.priorities:
        values["priorities"] = [p.value for p in query.priorities]
    if query.assignee_id is not None:
        values["assignee_id"] = query.assignee_id
    if query.created_by is not None:
        values["created_by"] = query.created_by
    if query.due_before is not None:
        values["due_before"] = query.due_before
    if query.due_after is not None:
        values["due_after"] = query.due_after
    if query.overdue_on is not None:
        values["overdue_on"] = query.overdue_on
    if query.title_contains is not None:
        # What ``contains(..., autoescape=True)`` does to a literal: LIKE's wildcards
        # (and the escape character itself) in the searched text are literal.
        escaped = query.title_contains.lower()
        for special in ("/", "%", "_"):
            escaped = escaped.replace(special, "/" + special)
        values["title_contains"] = escaped
    if query.after is not None:
        position = _key_values(query.sort, *query.after)
        values |= {f"after_{i}": value for i, value in enumerate(position)}
    return values


def _shape_filters(tasks: sa.Table, shape: TaskListShape) -> list[ColumnElement[bool]]:
    (
        one_team,
        statuses,
        priorities,
        assignee,
        unassigned,
        created_by,
        due_before,
        due_after,
        overdue_on,
        title_contains,
        *_order,
    ) = shape
    c = tasks.c
    where: list[ColumnElement[bool]] = [c.deleted_at.is_(None)]
    if one_team:
        where.append(c.team_id == sa.bindparam("team_id"))
    else:
        where.append(c.team_id.in_(sa.bindparam("team_ids", expanding=True)))
    if statuses == 1:
        where.append(c.status == sa.bindparam("status"))
    elif statuses:
        where.append(c.status.in_(sa.bindparam("statuses", expanding=True)))
    if priorities:
        where.append(c.priority.in_(sa.bindparam("priorities", expanding=True)))
    if assignee:
        where.append(c.assignee_id == sa.bindparam("assignee_id"))
    if unassigned:
        where.append(c.assignee_id.is_(None))
    if created_by:
        where.append(c.created_by == sa.bindparam("created_by"))
    if due_before:
        where.append(c.due_date < sa.bindparam("due_before"))
    if due_after:
        where.append(c.due_date > sa.bindparam("due_after"))
    if overdue_on:
        where.append(c.due_date < sa.bindparam("overdue_on"))
        where.append(c.status != TaskStatus.DONE.value)
    if title_contains:
        title = sa.func.lower(c.title)
        where.append(title.contains(sa.bindparam("title_contains", type_=sa.String()), escape="/"))
    return where


_LIST_STATEMENTS: Final[dict[tuple[TableSet, TaskListShape, bool], DirectStatement]] = {}
_COUNT_STATEMENTS: Final[dict[tuple[TableSet, TaskListShape], DirectStatement]] = {}


def list_statement(tables: TableSet, shape: TaskListShape, *, row_values: bool) -> DirectStatement:
    key = (tables, shape, row_values)
    statement = _LIST_STATEMENTS.get(key)
    if statement is None:
        sort, descending, has_position = shape[-3:]
        keys = _sort_keys(tables.tasks, sort)
        where = _shape_filters(tables.tasks, shape)
        if has_position:
            binds: list[ColumnElement[Any]] = [
                sa.bindparam(f"after_{i}", type_=k.type) for i, k in enumerate(keys)
            ]
            if row_values:
                row, position = sa.tuple_(*keys), sa.tuple_(*binds)
                where.append(row < position if descending else row > position)
            else:
                where.append(_beyond(keys, binds, descending=descending))
        order = [k.desc() if descending else k.asc() for k in keys]
        select = (
            sa.select(tables.tasks)
            .where(*where)
            .order_by(*order)
            .limit(sa.bindparam("limit", type_=sa.Integer()))
        )
        # Task rows are read by position (``_task``): plain tuples.
        statement = _LIST_STATEMENTS[key] = DirectStatement(select, named=False)
    return statement


def count_statement(tables: TableSet, shape: TaskListShape) -> DirectStatement:
    statement = _COUNT_STATEMENTS.get((tables, shape))
    if statement is None:
        where = _shape_filters(tables.tasks, shape)
        select = sa.select(sa.func.count()).select_from(tables.tasks).where(*where)
        statement = _COUNT_STATEMENTS[(tables, shape)] = DirectStatement(select)
    return statement


def _beyond(
    keys: list[ColumnElement[Any]], values: list[ColumnElement[Any]], *, descending: bool
) -> ColumnElement[bool]:
    """``(k1, k2, ...) < (v1, v2, ...)`` (``>`` ascending), expanded into
    ``k1 < v1 OR (k1 = v1 AND (k2 < v2 OR ...))``: MariaDB's range optimizer reads this
    form from an index, not the row-value one."""
    first, first_value = keys[0], values[0]
    strictly = first < first_value if descending else first > first_value
    if len(keys) == 1:
        return strictly
    rest = _beyond(keys[1:], values[1:], descending=descending)
    return sa.or_(strictly, sa.and_(first == first_value, rest))


def task_list_statement(
    query: TaskQuery, *, row_values: bool = True, tables: TableSet = DEFAULT
) -> sa.Select[Any]:
    """The one SELECT behind ``TaskRepository.list``, with ``query``'s values bound (for
    the EXPLAIN tests and the benchmark). ``row_values``: the keyset as a row-value
    comparison (PostgreSQL, SQLite: an index condition there), else in the expanded OR
    form (MariaDB)."""
    built = list_statement(tables, list_shape(query), row_values=row_values)
    statement = cast("sa.Select[Any]", built.statement)
    return statement.params(list_parameters(query))


def _position(key: TimeKey) -> ColumnElement[Any]:
    return sa.tuple_(
        sa.bindparam(None, key.created_at, type_=UtcDateTime()),
        sa.bindparam(None, key.id, type_=sa.Uuid()),
    )


def after(table: sa.Table, key: TimeKey | None) -> list[ColumnElement[bool]]:
    """The rows after ``key`` in ``(created_at, id)`` order (none: from the start)."""
    if key is None:
        return []
    return [sa.tuple_(table.c.created_at, table.c.id) > _position(key)]


def before(table: sa.Table, key: TimeKey | None) -> list[ColumnElement[bool]]:
    """The rows before ``key`` in ``(created_at, id)`` order: the next page newest first."""
    if key is None:
        return []
    return [sa.tuple_(table.c.created_at, table.c.id) < _position(key)]
