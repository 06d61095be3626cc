"""The direct lane (``adapters/sqlalchemy/direct.py``) on SQLite, PostgreSQL and MariaDB:
the hot statements really take it, and it behaves as ``Connection.execute`` does (same
rows and types, same events, same errors, same refusals)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sql_helpers import StatementCounter

from taskflow.adapters.sqlalchemy import SqlStorage, keyset, tables
from taskflow.adapters.sqlalchemy.direct import DirectResult, DirectStatement
from taskflow.adapters.sqlalchemy.repositories import auth, tasks, teams
from taskflow.adapters.sqlalchemy.unit_of_work import ReadOnlyUnitWrite
from taskflow.domain.models import Membership, Priority, Role, Task, TaskStatus, Team, User
from taskflow.domain.queries import TaskQuery
from taskflow.errors import Conflict, StorageUnavailable
from taskflow.ids import new_id

# The storages here run the lane even when TASKFLOW_SQL_DIRECT_LANE=off (tests/conftest.py).
pytestmark = pytest.mark.direct_lane

NOW = datetime(2024, 3, 1, 9, 30, 0, 250000, tzinfo=UTC)


def _seed(storage: SqlStorage) -> tuple[User, Team, Task]:
    user = User(new_id(), "lane@example.com", "hash", "Lane", True, NOW, NOW)
    team = Team(new_id(), "Lane team", user.id, NOW)
    task = Task(
        new_id(),
        team.id,
        "A task with every column",
        "described",
        TaskStatus.IN_PROGRESS,
        Priority.HIGH,
        user.id,
        user.id,
        date(2024, 3, 9),
        None,
        NOW,
        NOW,
        3,
        None,
        "key-1",
    )
    with storage.uow_factory() as uow:
        uow.users.add(user)
        uow.teams.add(team)
        uow.members.add(Membership(new_id(), team.id, user.id, Role.OWNER, NOW))
        uow.tasks.add(task)
        uow.commit()
    return user, team, task


def _hot_statements(user: User, team: Team, task: Task) -> list[tuple[str, Any, dict[str, Any]]]:
    one_team = TaskQuery((team.id,), statuses=(TaskStatus.IN_PROGRESS,), limit=10)
    shape = keyset.list_shape(one_team)
    parameters = keyset.list_parameters(one_team)
    return [
        ("user by id", auth._statements(tables.DEFAULT).user_by_id, {"user_id": user.id}),
        ("team by id", teams._statements(tables.DEFAULT).team_by_id, {"team_id": team.id}),
        (
            "membership",
            teams._statements(tables.DEFAULT).membership,
            {"team_id": team.id, "user_id": user.id},
        ),
        (
            "team + membership",
            teams._statements(tables.DEFAULT).team_with_membership,
            {"team_id": team.id, "user_id": user.id},
        ),
        ("task by id", tasks._statements(tables.DEFAULT).task_by_id, {"task_id": task.id}),
        (
            "live task by id",
            tasks._statements(tables.DEFAULT).live_task_by_id,
            {"task_id": task.id},
        ),
        ("task page", keyset.list_statement(tables.DEFAULT, shape, row_values=True), parameters),
        (
            "task count",
            keyset.count_statement(tables.DEFAULT, shape),
            {k: v for k, v in parameters.items() if k != "limit"},
        ),
    ]


def test_the_hot_statements_take_the_lane_and_give_the_rows_core_gives(
    sql_storage: SqlStorage,
) -> None:
    user, team, task = _seed(sql_storage)
    with sql_storage.uow_factory(read_only=True) as uow:
        connection = uow.connection(tables.TASK)
        for name, statement, parameters in _hot_statements(user, team, task):
            direct = statement.execute(connection, parameters)
            assert isinstance(direct, DirectResult), f"{name} fell back to Connection.execute"
            core = connection.execute(statement.statement, parameters).all()
            assert [tuple(row) for row in direct.all()] == [tuple(row) for row in core], name
            assert direct.all(), name
    # And the values have the domain's types on every backend (UUIDs, aware datetimes,
    # dates, booleans), whatever the driver returns.
    with sql_storage.uow_factory(read_only=True) as uow:
        assert uow.tasks.get(task.id) == task
        assert uow.users.get(user.id) == user
        found = uow.teams.get_with_membership(team.id, user.id)
        assert found is not None
        assert found[0] == team
        assert found[1] is not None
        assert found[1].role is Role.OWNER


def test_named_rows_have_the_columns_as_attributes(sql_storage: SqlStorage) -> None:
    user, team, _task = _seed(sql_storage)
    with sql_storage.uow_factory(read_only=True) as uow:
        row = (
            teams._statements(tables.DEFAULT)
            .team_with_membership.execute(
                uow.connection(tables.AUTH), {"team_id": team.id, "user_id": user.id}
            )
            .first()
        )
    assert (row.id, row.name, row.role) == (team.id, team.name, "owner")
    assert row.membership_id is not None


def test_writes_on_the_lane_count_rows_and_are_rolled_back_with_their_unit(
    sql_storage: SqlStorage,
) -> None:
    user, team, task = _seed(sql_storage)
    changed = Task(**{**_fields(task), "title": "Renamed", "version": task.version + 1})
    with sql_storage.uow_factory() as uow:
        uow.tasks.update(changed)  # the lane's UPDATE ... WHERE version = expected
        assert uow.tasks.get(task.id) == changed
        # no commit: leaving the unit rolls the lane's write back
    with sql_storage.uow_factory(read_only=True) as uow:
        assert uow.tasks.get(task.id) == task
    del user, team


def _outbox_row(name: str, payload: object) -> dict[str, Any]:
    """The parameters of ``unit_of_work._insert_outbox(tables.DEFAULT)`` for one new event."""
    return {
        "id": new_id(),
        "name": name,
        "payload": payload,
        "occurred_at": NOW,
        "published_at": None,
        "attempts": 0,
    }


def _fields(task: Task) -> dict[str, Any]:
    import attrs  # noqa: PLC0415

    return attrs.asdict(task, recurse=False)


def test_every_lane_statement_is_seen_by_cursor_listeners(
    sql_storage: SqlStorage, count_statements: StatementCounter
) -> None:
    user, team, task = _seed(sql_storage)
    with sql_storage.uow_factory(read_only=True) as uow:
        connection = uow.connection(tables.TASK)  # (SQLite's BEGIN is a statement too)
        count_statements.statements.clear()
        for _name, statement, parameters in _hot_statements(user, team, task):
            statement.execute(connection, parameters)
    assert count_statements.count == len(_hot_statements(user, team, task))


def test_a_listener_may_rewrite_the_sql_as_with_connection_execute(
    sql_storage: SqlStorage,
) -> None:
    user, _team, _task = _seed(sql_storage)
    engine = sql_storage.databases.auth

    def tag(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> tuple[str, Any]:
        return statement + " -- tagged", parameters

    seen: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
    ) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", tag, retval=True)
    sa.event.listen(engine, "after_cursor_execute", record)
    try:
        with engine.connect() as connection:
            row = (
                auth._statements(tables.DEFAULT)
                .user_by_id.execute(connection, {"user_id": user.id})
                .first()
            )
    finally:
        sa.event.remove(engine, "before_cursor_execute", tag)
        sa.event.remove(engine, "after_cursor_execute", record)
    assert row.email == user.email
    assert seen
    assert seen[-1].endswith(" -- tagged")


def test_a_duplicate_key_on_the_lane_is_a_conflict_without_the_values(
    sql_storage: SqlStorage,
) -> None:
    _user, _team, task = _seed(sql_storage)
    duplicate = Task(**{**_fields(task), "idempotency_key": None, "title": "secret title"})
    with pytest.raises(Conflict) as raised, sql_storage.uow_factory() as uow:
        uow.tasks.add(duplicate)  # same primary key, on the lane (no idempotency key)
    cause = raised.value.__cause__
    assert isinstance(cause, sa.exc.IntegrityError)
    assert "secret title" not in str(cause)  # parameters hidden, as on Connection.execute


def test_a_write_in_a_read_only_unit_is_still_refused(sql_storage: SqlStorage) -> None:
    user, team, _task = _seed(sql_storage)
    task = Task(
        new_id(), team.id, "t", None, TaskStatus.TODO, Priority.LOW, None, user.id,
        None, None, NOW, NOW, 1, None, None,
    )  # fmt: skip
    with pytest.raises(ReadOnlyUnitWrite), sql_storage.uow_factory(read_only=True) as uow:
        uow.tasks.add(task)


def test_a_value_a_type_refuses_is_a_statement_error_before_anything_is_sent(
    sql_storage: SqlStorage, count_statements: StatementCounter
) -> None:
    user, team, _task = _seed(sql_storage)
    naive = datetime(2024, 1, 1)
    task = Task(
        new_id(), team.id, "t", None, TaskStatus.TODO, Priority.LOW, None, user.id,
        None, None, naive, naive, 1, None, None,
    )  # fmt: skip
    with sql_storage.uow_factory() as uow:
        uow.connection(tables.TASK)
        count_statements.statements.clear()
        with pytest.raises(sa.exc.StatementError, match="timezone-aware"):
            uow.tasks.add(task)
        assert count_statements.count == 0


def test_a_statement_the_lane_cannot_take_runs_through_sqlalchemy(
    sql_storage: SqlStorage,
) -> None:
    user, _team, _task = _seed(sql_storage)
    expanding = DirectStatement(
        auth._statements(tables.DEFAULT).users_by_ids
    )  # IN list: rendered per execution
    with sql_storage.uow_factory(read_only=True) as uow:
        result = expanding.execute(uow.connection(tables.AUTH), {"user_ids": [user.id, new_id()]})
        assert not isinstance(result, DirectResult)
        assert [row.id for row in result] == [user.id]


def test_a_connection_lost_under_the_lane_is_storage_unavailable_and_the_pool_recovers(
    postgres_storage: SqlStorage,
) -> None:
    """(PostgreSQL: it kills the server backend of the unit's connection.)"""
    sql_storage = postgres_storage
    user, team, task = _seed(sql_storage)
    engine = sql_storage.databases.task
    with pytest.raises(StorageUnavailable), sql_storage.uow_factory() as uow:  # noqa: PT012
        backend = uow.connection(tables.TASK).exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend or 0)})")
        uow.tasks.get(task.id)  # on the lane
    with sql_storage.uow_factory(read_only=True) as uow:
        assert uow.tasks.get(task.id) == task
    del user, team


def test_plans_are_per_dialect(sql_storage: SqlStorage, tmp_path: Any) -> None:
    """One DirectStatement serves engines of different backends, each with its own SQL."""
    user, _team, _task = _seed(sql_storage)
    other = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    tables.metadata.create_all(other)
    try:
        with other.begin() as connection:
            connection.execute(tables.users.insert(), _user_row(user))
            found = (
                auth._statements(tables.DEFAULT)
                .user_by_id.execute(connection, {"user_id": user.id})
                .first()
            )
        with sql_storage.uow_factory(read_only=True) as uow:
            here = auth._statements(tables.DEFAULT).user_by_id.execute(
                uow.connection(tables.AUTH), {"user_id": user.id}
            )
            assert here.first().email == found.email == user.email
    finally:
        other.dispose()


def _user_row(user: User) -> dict[str, UUID | str | bool | datetime]:
    return {
        "id": user.id,
        "email": user.email,
        "password_hash": user.password_hash,
        "name": user.name,
        "email_verified": user.email_verified,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def test_the_token_check_and_the_outbox_insert_take_the_lane(sql_storage: SqlStorage) -> None:
    from taskflow.adapters.sqlalchemy import token_store, unit_of_work  # noqa: PLC0415

    check = {"jti": "j", "session_id": new_id(), "user_id": new_id(), "now": NOW}
    event = _outbox_row("task.created", {"title": "طراحی", "n": 1})
    with sql_storage.uow_factory() as uow:
        connection = uow.connection(tables.AUTH)
        result = token_store._statements(tables.DEFAULT).access_check.execute(connection, check)
        assert isinstance(result, DirectResult)
        assert result.first() is None
        inserted = unit_of_work._insert_outbox(tables.DEFAULT).execute(connection, event)
        assert isinstance(inserted, DirectResult)
        assert inserted.rowcount == 1
        stored = connection.execute(
            sa.select(tables.outbox.c.payload).where(tables.outbox.c.id == event["id"])
        ).scalar_one()
        assert stored == event["payload"]  # JSON through the type's own processor


def test_several_rows_go_in_one_executemany_on_the_lane(
    sql_storage: SqlStorage, count_statements: StatementCounter
) -> None:
    from taskflow.adapters.sqlalchemy import unit_of_work  # noqa: PLC0415

    events = [_outbox_row(f"task.event_{n}", {"n": n}) for n in range(3)]
    with sql_storage.uow_factory() as uow:
        connection = uow.connection(tables.TASK)
        count_statements.statements.clear()
        assert unit_of_work._insert_outbox(tables.DEFAULT).execute_many(connection, events) == 3
        assert count_statements.count == 1
        stored = connection.execute(
            sa.select(tables.outbox.c.name, tables.outbox.c.payload).order_by(tables.outbox.c.name)
        ).all()
    assert [tuple(row) for row in stored] == [(e["name"], e["payload"]) for e in events]


def test_listeners_get_a_context_they_can_read_and_write(sql_storage: SqlStorage) -> None:
    """As SQLAlchemy's execution context: tracing listeners keep their span on it."""
    user, team, task = _seed(sql_storage)
    engine = sql_storage.databases.task
    seen: list[tuple[Any, ...]] = []

    def before(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, many: bool
    ) -> None:
        context.my_span = ("span for", statement)
        seen.append(("before", context.dialect.paramstyle, context.isinsert, many))

    def after(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        seen.append(("after", context.my_span == ("span for", statement), context.statement))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        with sql_storage.uow_factory() as uow:
            assert uow.tasks.get(task.id) == task  # a lane SELECT
            changed = Task(**{**_fields(task), "version": task.version + 1})
            uow.tasks.update(changed)  # a lane UPDATE
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    lane = [entry for entry in seen if entry[0] == "after"]
    assert len(lane) >= 2
    assert all(ok for _after, ok, _sql in lane)
    paramstyle = engine.dialect.paramstyle
    assert ("before", paramstyle, False, False) in seen
    del user, team


def test_sentrys_sqlalchemy_integration_records_lane_statements(sql_storage: SqlStorage) -> None:
    """Sentry's SQLAlchemy integration (auto-enabled with SENTRY_DSN) sets its span on the
    listener's context: lane statements must work under it and show up as spans."""
    import sentry_sdk  # noqa: PLC0415 - the sentry extra (installed with taskflow[all])
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration  # noqa: PLC0415
    from sentry_sdk.transport import Transport  # noqa: PLC0415

    envelopes: list[Any] = []

    class Captured(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            envelopes.append(envelope)

    _user, _team, task = _seed(sql_storage)
    sentry_sdk.init(
        dsn="https://public@sentry.example.com/1",
        transport=Captured,
        integrations=[SqlalchemyIntegration()],
        default_integrations=False,
        traces_sample_rate=1.0,
    )
    try:
        with (
            sentry_sdk.start_transaction(name="lane"),
            sql_storage.uow_factory(read_only=True) as uow,
        ):
            assert uow.tasks.get(task.id) == task
        sentry_sdk.flush()
    finally:
        sentry_sdk.init()  # no DSN: the SDK is off again for the other tests
    transactions = [
        item.payload.json
        for envelope in envelopes
        for item in envelope.items
        if item.type == "transaction"
    ]
    spans = [span for t in transactions for span in t.get("spans", [])]
    assert any(
        span.get("op") == "db" and f"FROM {tables.tasks.name}" in span.get("description", "")
        for span in spans
    ), spans


def test_handle_error_listeners_see_the_lane_context_of_the_failed_statement(
    sql_storage: SqlStorage,
) -> None:
    """Tracing closes the span it kept on the context from ``handle_error``."""
    _user, _team, task = _seed(sql_storage)
    engine = sql_storage.databases.task
    marks: list[Any] = []

    def before(
        _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        context.my_span = "open"

    def on_error(exception_context: Any) -> None:
        marks.append(getattr(exception_context.execution_context, "my_span", None))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "handle_error", on_error)
    try:
        duplicate = Task(**{**_fields(task), "idempotency_key": None})
        with pytest.raises(Conflict), sql_storage.uow_factory() as uow:
            uow.tasks.add(duplicate)  # same primary key, on the lane
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "handle_error", on_error)
    assert marks == ["open"]


def test_none_goes_through_the_types_processor_as_with_sqlalchemy(sql_storage: SqlStorage) -> None:
    """``JSON`` stores ``None`` as JSON ``null`` (SQLAlchemy's default), not as SQL NULL
    (which the NOT NULL column would refuse)."""
    from taskflow.adapters.sqlalchemy import unit_of_work  # noqa: PLC0415

    event = _outbox_row("task.none", None)
    with sql_storage.uow_factory() as uow:
        connection = uow.connection(tables.TASK)
        result = unit_of_work._insert_outbox(tables.DEFAULT).execute(connection, event)
        assert isinstance(result, DirectResult)
        sql_nulls = connection.execute(
            sa.select(sa.func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.id == event["id"], tables.outbox.c.payload.is_(None))
        ).scalar_one()
        assert sql_nulls == 0


def test_connections_that_translate_schemas_or_echo_take_sqlalchemys_path(
    sql_storage: SqlStorage, caplog: pytest.LogCaptureFixture
) -> None:
    """The SQL text depends on a schema_translate_map, and echo/INFO logging must see the
    statement: the lane steps aside for both."""
    user, _team, _task = _seed(sql_storage)
    engine = sql_storage.databases.auth
    with engine.connect() as connection:
        translated = connection.execution_options(schema_translate_map={None: None})
        result = auth._statements(tables.DEFAULT).user_by_id.execute(
            translated, {"user_id": user.id}
        )
        assert not isinstance(result, DirectResult)
        assert result.first().id == user.id
    caplog.set_level("INFO", logger="sqlalchemy.engine")
    logged = engine.execution_options(logging_token="lane-test")
    with logged.connect() as connection:
        result = auth._statements(tables.DEFAULT).user_by_id.execute(
            connection, {"user_id": user.id}
        )
        assert not isinstance(result, DirectResult)
        assert result.first().id == user.id
    assert any(f"FROM {tables.users.name}" in record.getMessage() for record in caplog.records)


def test_the_lane_keeps_no_engine_alive(tmp_path: Any) -> None:
    import gc  # noqa: PLC0415
    import weakref  # noqa: PLC0415

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    tables.metadata.create_all(engine)
    with engine.connect() as connection:
        result = auth._statements(tables.DEFAULT).user_by_id.execute(
            connection, {"user_id": new_id()}
        )
        assert isinstance(result, DirectResult)
    dialect = weakref.ref(engine.dialect)
    engine.dispose()
    del engine, connection, result
    gc.collect()
    assert dialect() is None


def test_errors_that_are_not_the_drivers_fire_handle_error_as_with_connection_execute(
    sql_storage: SqlStorage,
) -> None:
    """A value a type refuses fires handle_error; a cursor listener's own error fires it
    exactly when Connection.execute's does on this SQLAlchemy (2.1: yes, 2.0: no)."""
    user, team, task = _seed(sql_storage)
    engine = sql_storage.databases.task
    errors: list[str] = []

    def on_error(exception_context: Any) -> None:
        errors.append(type(exception_context.original_exception).__name__)

    def failing(*_args: Any) -> None:
        raise RuntimeError("listener failed")

    def listener_error_fires_handle_error(run: Any) -> bool:
        errors.clear()
        with engine.connect() as connection:
            connection.begin()  # SQLite's BEGIN runs before the failing listener is there
            sa.event.listen(connection, "before_cursor_execute", failing)
            with pytest.raises(RuntimeError, match="listener failed"):
                run(connection)
        return "RuntimeError" in errors

    def on_the_lane(connection: sa.Connection) -> Any:
        return tasks._statements(tables.DEFAULT).task_by_id.execute(
            connection, {"task_id": task.id}
        )

    def through_connection_execute(connection: sa.Connection) -> Any:
        return connection.execute(
            tasks._statements(tables.DEFAULT).task_by_id.statement, {"task_id": task.id}
        )

    naive = datetime(2024, 1, 1)
    bad = Task(**{**_fields(task), "id": new_id(), "created_at": naive, "idempotency_key": None})
    sa.event.listen(engine, "handle_error", on_error)
    try:
        with pytest.raises(sa.exc.StatementError), sql_storage.uow_factory() as uow:
            uow.tasks.add(bad)
        assert errors == ["ValueError"]
        handled_by_sqlalchemy = sa.__version__.startswith("2.1.")
        assert listener_error_fires_handle_error(through_connection_execute) is (
            handled_by_sqlalchemy
        )
        assert listener_error_fires_handle_error(on_the_lane) is handled_by_sqlalchemy
    finally:
        sa.event.remove(engine, "handle_error", on_error)
    del user, team
