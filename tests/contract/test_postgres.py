"""PostgreSQL only: the list query is an index scan, concurrent writers, lost connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest
import sqlalchemy as sa
from sql_helpers import make_taskflow

from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy.keyset import task_list_statement
from taskflow.domain.models import Membership, Priority, Role, Task, TaskStatus, User
from taskflow.domain.queries import TaskQuery
from taskflow.errors import EmailAlreadyExists, StorageUnavailable, VersionConflict
from taskflow.ids import new_id
from taskflow.testing import FakeClock

pytestmark = pytest.mark.postgres

NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)


def _run_together(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in its own thread, released at the same moment; returns each
    one's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = workers[index]()
        except Exception as error:  # collected for the assertions
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _tasks(team_id: UUID, count: int, start: datetime) -> list[dict[str, Any]]:
    statuses = (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.DONE)
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": new_id(),
                "team_id": team_id,
                "title": f"Task {i}",
                "description": None,
                "status": statuses[i % 3].value,
                "priority": Priority.MEDIUM.value,
                "assignee_id": None,
                "created_by": team_id,
                "due_date": None,
                "completed_at": None,
                "created_at": start + timedelta(seconds=i),
                "updated_at": start + timedelta(seconds=i),
                "version": 1,
                "deleted_at": None,
                "idempotency_key": None,
            }
        )
    return rows


def _plan(connection: sa.Connection, statement: sa.Select[Any]) -> str:
    compiled = statement.compile(dialect=connection.dialect)
    explained = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return "\n".join(row[0] for row in explained)


def test_a_teams_tasks_by_status_are_read_by_an_index_scan_not_a_sort(
    postgres_storage: SqlStorage,
) -> None:
    team = new_id()
    engine = postgres_storage.databases.task
    with engine.begin() as connection:
        connection.execute(tables.tasks.insert(), _tasks(team, 6000, NOW))
        for _ in range(4):  # other teams, so the team is a small part of the table
            connection.execute(tables.tasks.insert(), _tasks(new_id(), 3000, NOW))
        connection.exec_driver_sql(f"ANALYZE {tables.tasks.name}")
    first = TaskQuery((team,), statuses=(TaskStatus.TODO,), limit=50)
    deep = attrs.evolve(first, after=(NOW + timedelta(seconds=3000), new_id()))
    with engine.connect() as connection:
        for query in (first, deep):
            plan = _plan(connection, task_list_statement(query))
            assert "ix_taskflow_tasks_team_id_status_created_at_id" in plan, plan
            assert "Sort" not in plan, plan
            assert "Seq Scan" not in plan, plan


def test_twenty_threads_creating_tasks_at_once_all_persist(
    postgres_storage: SqlStorage, clock: FakeClock
) -> None:
    tf = make_taskflow(postgres_storage, clock)
    owner = tf.auth.signup(email="o@example.com", password="correct horse battery", name="O")
    team = tf.teams.create(owner.user.id, name="Crew")
    created = _run_together(
        [lambda i=i: tf.tasks.create(owner.user.id, team.id, title=f"Task {i}") for i in range(20)]
    )
    assert not [r for r in created if isinstance(r, Exception)]
    page = tf.tasks.list_team(owner.user.id, team.id, limit=100, with_total=True)
    assert page.total == 20
    assert {t.title for t in page.items} == {f"Task {i}" for i in range(20)}


def test_two_concurrent_updates_with_the_same_version_exactly_one_wins(
    postgres_storage: SqlStorage,
) -> None:
    task = Task(
        id=new_id(),
        team_id=new_id(),
        title="Start",
        description=None,
        status=TaskStatus.TODO,
        priority=Priority.LOW,
        assignee_id=None,
        created_by=new_id(),
        due_date=None,
        completed_at=None,
        created_at=NOW,
        updated_at=NOW,
    )
    with postgres_storage.uow_factory() as uow:
        uow.tasks.add(task)
        uow.commit()
    read = threading.Barrier(2)

    def update(title: str) -> str:
        with postgres_storage.uow_factory() as uow:
            current = uow.tasks.get(task.id)
            assert current is not None
            read.wait()  # both read version 1 before either writes
            uow.tasks.update(attrs.evolve(current, title=title, version=current.version + 1))
            uow.commit()
        return title

    results = _run_together([lambda: update("A"), lambda: update("B")])
    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1
    assert [type(r) for r in results if not isinstance(r, str)] == [VersionConflict]
    with postgres_storage.uow_factory(read_only=True) as uow:
        stored = uow.tasks.get(task.id)
    assert stored is not None
    assert (stored.title, stored.version) == (winners[0], 2)


def test_concurrent_signups_with_one_email_give_one_account_and_one_email_taken(
    postgres_storage: SqlStorage,
) -> None:
    checked = threading.Barrier(2)

    def signup() -> UUID:
        user = User(new_id(), "race@example.com", "h", "R", False, NOW, NOW)
        with postgres_storage.uow_factory() as uow:
            assert uow.users.get_by_email(user.email) is None
            checked.wait()  # both saw the email free
            uow.users.add(user)  # the second waits on the unique index, then fails
            uow.commit()
        return user.id

    results = _run_together([signup, signup])
    assert [type(r) for r in results].count(EmailAlreadyExists) == 1
    assert sum(isinstance(r, UUID) for r in results) == 1


def test_concurrent_invite_accepts_make_one_membership(postgres_storage: SqlStorage) -> None:
    clock = FakeClock()
    tf = make_taskflow(postgres_storage, clock)
    owner = tf.auth.signup(email="o@example.com", password="correct horse battery", name="O")
    guest = tf.auth.signup(email="g@example.com", password="correct horse battery", name="G")
    team = tf.teams.create(owner.user.id, name="Crew")
    invite = tf.invites.create(owner.user.id, team.id, email="g@example.com")
    with postgres_storage.uow_factory(read_only=True) as uow:
        stored = uow.invites.get(invite.id)
    assert stored is not None
    accepted = _run_together(
        [lambda: _accept(postgres_storage, stored.id, guest.user.id) for _ in range(2)]
    )
    assert sorted(accepted) == [False, True]
    members = tf.teams.list_members(owner.user.id, team.id)
    assert [m.user_id for m in members].count(guest.user.id) == 1


def _accept(storage: SqlStorage, invite_id: UUID, user_id: UUID) -> bool:
    with storage.uow_factory() as uow:
        if not uow.invites.accept(invite_id, user_id, NOW):
            return False
        invite = uow.invites.get(invite_id)
        assert invite is not None
        uow.members.add(Membership(new_id(), invite.team_id, user_id, Role.MEMBER, NOW))
        uow.commit()
    return True


def test_a_connection_lost_in_the_middle_of_a_unit_is_storage_unavailable_and_writes_nothing(
    postgres_storage: SqlStorage,
) -> None:
    user = User(new_id(), "lost@example.com", "h", "L", False, NOW, NOW)
    engine = postgres_storage.databases.auth
    with pytest.raises(StorageUnavailable), postgres_storage.uow_factory() as uow:  # noqa: PT012
        uow.users.add(user)
        backend = uow.connection("auth").exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend or 0)})")
        uow.users.add(attrs.evolve(user, id=new_id(), email="second@example.com"))
        uow.commit()
    with postgres_storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) is None  # the first insert was rolled back too
    # The pool recovers: the next unit works.
    with postgres_storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()


def test_a_connection_lost_at_commit_is_storage_unavailable_and_writes_nothing(
    postgres_storage: SqlStorage,
) -> None:
    user = User(new_id(), "lost@example.com", "h", "L", False, NOW, NOW)
    engine = postgres_storage.databases.auth
    with pytest.raises(StorageUnavailable), postgres_storage.uow_factory() as uow:  # noqa: PT012
        uow.users.add(user)
        backend = uow.connection("auth").exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend or 0)})")
        uow.commit()
    with postgres_storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) is None


def test_an_unreachable_server_is_storage_unavailable() -> None:
    storage = SqlStorage.from_urls("postgresql+psycopg://postgres@127.0.0.1:1/test")
    try:
        tf = make_taskflow(storage, FakeClock())
        with pytest.raises(StorageUnavailable) as raised:
            tf.auth.signup(email="a@example.com", password="correct horse battery", name="A")
        assert "127.0.0.1" not in str(raised.value)
    finally:
        storage.close()


def test_a_pooled_connection_killed_while_idle_is_replaced_without_an_error(
    postgres_storage: SqlStorage, postgres_engine_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskflow.adapters.sqlalchemy import Databases  # noqa: PLC0415
    from taskflow.adapters.sqlalchemy import engine as engine_module  # noqa: PLC0415

    del postgres_storage  # requested for its migrated, empty schema

    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # every one is "idle"
    engine = engine_module.create_engine(postgres_engine_url)
    storage = SqlStorage(Databases(auth=engine, task=engine))
    try:
        with storage.uow_factory() as uow:
            backend = uow.connection("auth").exec_driver_sql("SELECT pg_backend_pid()").scalar()
        killer_engine = sa.create_engine(postgres_engine_url)
        with killer_engine.connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend or 0)})")
        killer_engine.dispose()
        # The pool hands out the dead connection; the checkout ping notices and replaces it.
        with storage.uow_factory(read_only=True) as uow:
            assert uow.users.get(new_id()) is None
            again = uow.connection("auth").exec_driver_sql("SELECT pg_backend_pid()").scalar()
        assert again != backend
    finally:
        storage.close()


def test_read_only_units_run_without_a_transaction_and_leave_none_behind(
    postgres_storage: SqlStorage,
) -> None:
    """A read-only unit reads in autocommit (no BEGIN/ROLLBACK round trips); the pooled
    connection goes back to transactions for the next unit that writes."""
    import psycopg  # noqa: PLC0415 - this test is PostgreSQL-only

    user = User(new_id(), "ro@example.com", "h", "R", False, NOW, NOW)

    def status(uow: Any) -> psycopg.pq.TransactionStatus:
        return uow.connection(tables.AUTH).connection.dbapi_connection.info.transaction_status

    with postgres_storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) is None
        assert status(uow) == psycopg.pq.TransactionStatus.IDLE  # no transaction open
    with postgres_storage.uow_factory() as uow:
        uow.users.add(user)
        assert status(uow) == psycopg.pq.TransactionStatus.INTRANS
        # not committed: rolled back when the unit ends
    with postgres_storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) is None


def test_the_pool_size_settings_reach_the_engines(
    postgres_storage: SqlStorage, postgres_engine_url: str, tmp_path: Any
) -> None:
    from taskflow.adapters.memory import RecordingEventPublisher  # noqa: PLC0415
    from taskflow.bootstrap import build_storage  # noqa: PLC0415
    from taskflow.settings import Settings  # noqa: PLC0415

    del postgres_storage  # requested for its migrated schema
    settings = Settings(
        database_url=postgres_engine_url,
        db_pool_size=7,
        db_max_overflow=2,
        data_dir=tmp_path,
        jwt_secret="a-jwt-secret-long-enough-for-the-rules-0123",
        refresh_secret="a-refresh-secret-long-enough-for-the-rules-45",
    )
    storage = build_storage(settings, RecordingEventPublisher())
    try:
        engine = storage.uow_factory.databases.auth  # type: ignore[attr-defined]
        assert engine.pool.size() == 7
        assert engine.pool._max_overflow == 2
    finally:
        storage.close()
