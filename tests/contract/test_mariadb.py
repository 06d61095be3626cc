"""MariaDB only: the keyset page is a range scan of the status index, without a sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from test_postgres import _tasks

from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy.keyset import task_list_statement
from taskflow.domain.models import TaskStatus
from taskflow.domain.queries import TaskQuery
from taskflow.ids import new_id

pytestmark = pytest.mark.mariadb

NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)


def _explain(connection: sa.Connection, statement: sa.Select[Any]) -> list[dict[str, Any]]:
    compiled = statement.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    for name, process in compiled._bind_processors.items():  # UUID -> CHAR(32) etc.
        if name in params:
            params[name] = process(params[name])
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", params)
    return [dict(row._mapping) for row in rows]


def test_a_deep_keyset_page_is_a_range_scan_of_the_status_index(
    mariadb_storage: SqlStorage,
) -> None:
    team = new_id()
    engine = mariadb_storage.databases.task
    with engine.begin() as connection:
        connection.execute(tables.tasks.insert(), _tasks(team, 3000, NOW))
        for _ in range(3):
            connection.execute(tables.tasks.insert(), _tasks(new_id(), 1500, NOW))
        connection.exec_driver_sql(f"ANALYZE TABLE {tables.tasks.name}")
    first = TaskQuery((team,), statuses=(TaskStatus.TODO,), limit=50)
    deep = attrs.evolve(first, after=(NOW + timedelta(seconds=1500), new_id()))
    with engine.connect() as connection:
        for query in (first, deep):
            (plan,) = _explain(connection, task_list_statement(query, row_values=False))
            assert plan["key"] == "ix_taskflow_tasks_team_id_status_created_at_id", plan
            assert "filesort" not in (plan["Extra"] or ""), plan
        (deep_plan,) = _explain(connection, task_list_statement(deep, row_values=False))
        # The cursor bounds the scan inside the index (a range on created_at too).
        assert deep_plan["type"] == "range", deep_plan


def test_the_repository_sends_the_expanded_form_on_mariadb(mariadb_storage: SqlStorage) -> None:
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = mariadb_storage.databases.task
    query = TaskQuery((new_id(),), limit=50, after=(NOW, new_id()))
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with mariadb_storage.uow_factory(read_only=True) as uow:
            uow.tasks.list(query)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    (select,) = [s for s in sent if f"FROM {tables.tasks.name}" in s]
    assert "(tasks.created_at, tasks.id) <" not in select
    assert "tasks.created_at <" in select
