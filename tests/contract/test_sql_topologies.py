"""Separate auth and task databases, a read replica, and building from settings — on
SQLite files, which need no server."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sql_helpers import make_taskflow

from taskflow import TaskFlow
from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy.migrate import current_revision, head_revision
from taskflow.errors import StorageUnavailable, TaskNotFound
from taskflow.settings import Settings
from taskflow.testing import FakeClock

pytestmark = pytest.mark.sqlite


def _count(url: str, table: sa.Table) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
    finally:
        engine.dispose()


def _split(tmp_path: Path, direct_lane: bool) -> tuple[str, str, SqlStorage]:
    """Separate auth and task databases (SQLite files): their URLs and the storage."""
    auth_url = f"sqlite:///{tmp_path / 'auth.db'}"
    task_url = f"sqlite:///{tmp_path / 'task.db'}"
    storage = SqlStorage.from_urls(
        auth_url, auth_url=auth_url, task_url=task_url, direct_lane=direct_lane
    )
    return auth_url, task_url, storage


def test_separate_auth_and_task_databases_work_and_keep_their_own_rows(
    tmp_path: Path, sql_direct_lane: bool
) -> None:
    auth_url, task_url, storage = _split(tmp_path, sql_direct_lane)
    try:
        assert storage.databases.separate
        storage.upgrade()
        tf = make_taskflow(storage, FakeClock())
        owner = tf.auth.signup(email="o@example.com", password="correct horse battery", name="O")
        team = tf.teams.create(owner.user.id, name="Crew")
        task = tf.tasks.create(owner.user.id, team.id, title="Split", assignee_id=owner.user.id)
        page = tf.tasks.list_team(owner.user.id, team.id)
        assert [(t.id, t.assignee) for t in page.items] == [(task.id, task.assignee)]
        tf.tasks.complete(owner.user.id, task.id)
        # Deleting the team touches both databases in one unit of work.
        tf.teams.delete(owner.user.id, team.id)
        with pytest.raises(TaskNotFound):
            tf.tasks.get(owner.user.id, task.id)
    finally:
        storage.close()
    assert _count(auth_url, tables.users) == 1
    assert _count(task_url, tables.users) == 0
    assert _count(task_url, tables.tasks) == 0
    assert _count(auth_url, tables.tasks) == 0
    # Each event went to the outbox of the database its change was made in.
    assert _count(auth_url, tables.outbox) >= 1  # user.signup
    assert _count(task_url, tables.outbox) >= 2  # task.created, task.completed


def _event_names(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(tables.outbox.c.name)).scalars())
    finally:
        engine.dispose()


def test_comment_events_go_to_the_task_side_and_an_export_reads_both(
    tmp_path: Path, sql_direct_lane: bool
) -> None:
    auth_url, task_url, storage = _split(tmp_path, sql_direct_lane)
    try:
        storage.upgrade()
        tf = make_taskflow(storage, FakeClock())
        owner = tf.auth.signup(email="o@example.com", password="correct horse battery", name="O")
        team = tf.teams.create(owner.user.id, name="Crew")
        task = tf.tasks.create(owner.user.id, team.id, title="Split")
        comment = tf.comments.add(owner.user.id, task.id, content="first")
        tf.comments.edit(owner.user.id, comment.id, content="second")
        tf.exports.request(owner.user.id)
        document = tf.exports.build(owner.user.id)
    finally:
        storage.close()
    assert [t["title"] for t in document["tasks"]] == ["Split"]  # the task side
    assert [c["content"] for c in document["comments"]] == ["second"]
    assert [m["team_name"] for m in document["memberships"]] == ["Crew"]  # the auth side
    task_events, auth_events = _event_names(task_url), _event_names(auth_url)
    assert {"comment.added", "comment.edited"} <= set(task_events)
    assert not {"comment.added", "comment.edited"} & set(auth_events)
    assert "user.data_export" in auth_events
    assert "user.data_export" not in task_events


def test_read_only_units_read_from_the_replica_and_writes_go_to_the_primary(
    tmp_path: Path, sql_direct_lane: bool
) -> None:
    primary_url = f"sqlite:///{tmp_path / 'primary.db'}"
    replica_url = f"sqlite:///{tmp_path / 'replica.db'}"
    replica = SqlStorage.from_urls(replica_url)  # an empty "replica" that never catches up
    try:
        replica.upgrade()
    finally:
        replica.close()
    storage = SqlStorage.from_urls(
        primary_url, replica_url=replica_url, direct_lane=sql_direct_lane
    )
    try:
        storage.upgrade()
        tf: TaskFlow = make_taskflow(storage, FakeClock())
        owner = tf.auth.signup(email="o@example.com", password="correct horse battery", name="O")
        team = tf.teams.create(owner.user.id, name="Crew")
        with storage.uow_factory() as uow:
            assert uow.teams.get(team.id) is not None
        with storage.uow_factory(read_only=True) as uow:
            assert uow.teams.get(team.id) is None  # the replica has not seen it
    finally:
        storage.close()
    assert _count(primary_url, tables.teams) == 1
    assert _count(replica_url, tables.teams) == 0


def test_from_settings_builds_sql_storage_and_creates_the_sqlite_schema(tmp_path: Path) -> None:
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        data_dir=tmp_path,  # TASKFLOW_DATA_DIR=... as a keyword was silently ignored
        JWT_SECRET="j" * 40,
        REFRESH_SECRET="r" * 40,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )
    with TaskFlow.from_settings(settings) as tf:
        result = tf.auth.signup(email="a@example.com", password="correct horse battery", name="A")
        assert tf.auth.me(result.user.id).email == "a@example.com"
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_sqlite_file_that_cannot_be_opened_is_storage_unavailable(tmp_path: Path) -> None:
    storage = SqlStorage.from_urls(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        tf = make_taskflow(storage, FakeClock())
        with pytest.raises(StorageUnavailable):
            tf.auth.signup(email="a@example.com", password="correct horse battery", name="A")
    finally:
        storage.close()
