"""The task endpoints with the auth and task databases split (two SQLite files; two
PostgreSQL schemas): the one-hop FastAPI endpoints, and the Flask ones, answer as on one
database (the membership comes from the auth side, the tasks from the task side), and
each row lands in its own database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher, RecordingMailer
from taskflow.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory, SqlStorage, tables
from taskflow.testing import FAST_PASSWORD_HASHING, TEST_AUTH_CONFIG, FakeClock


def _split_postgres(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    base = sa.make_url(request.getfixturevalue("postgres_engine_url"))  # skips/fails as usual
    # Named like the suite's run schemas, so a run killed half-way is cleaned up too.
    names = [f"tf_{os.getpid()}_{secrets.token_hex(3)}" for _ in range(2)]
    admin = sa.create_engine(base.update_query_dict({"options": ""}), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f"CREATE SCHEMA {name}")
        urls = [
            base.update_query_dict(
                {"options": f"-csearch_path={name} -csynchronous_commit=off"}
            ).render_as_string(hide_password=False)
            for name in names
        ]
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite, id="sqlite"),
        pytest.param("postgres", marks=pytest.mark.postgres, id="postgres"),
    ]
)
def split_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'auth.db'}", f"sqlite:///{tmp_path / 'task.db'}"
    else:
        yield from _split_postgres(request)


@pytest.fixture
def tf(
    split_urls: tuple[str, str],
    clock: FakeClock,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
) -> Iterator[TaskFlow]:
    """Overrides the suite's ``tf``: the fixtures ``api``, ``alice``, ``team``... run on it."""
    auth_url, task_url = split_urls
    storage = SqlStorage.from_urls(auth_url, auth_url=auth_url, task_url=task_url)
    assert storage.databases.separate
    storage.upgrade()
    try:
        yield TaskFlow.from_adapters(
            uow_factory=SqlAlchemyUnitOfWorkFactory(storage.databases, events),
            token_store=storage.token_store,
            clock=clock,
            publisher=events,
            auth_config=TEST_AUTH_CONFIG,
            password_hashing=FAST_PASSWORD_HASHING,
            mailer=mailer,
        )
    finally:
        storage.close()


def _count(url: str, table: sa.Table) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(table)
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_the_task_endpoints_on_split_databases(api, alice, bob, team, split_urls):
    auth_url, task_url = split_urls
    path = f"/teams/{team['id']}/tasks"
    created = api.post(path, {"title": "Split", "priority": "high"}, token=alice.token)
    assert created.status == 201
    assert created.headers["etag"] == '"1"'
    assert created.json()["title"] == "Split"
    listed = api.get(f"{path}?limit=50", token=alice.token)
    assert listed.status == 200
    assert listed.json() == {"items": [created.json()], "next_cursor": None}
    assert api.get(path, token=bob.token).error_code == "not_team_member"
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.post(f"/teams/{unknown}/tasks", {"title": "x"}, token=alice.token).status == 404
    assert api.get(f"{path}?limit=0", token="not-a-token").status == 401
    # The task, its activity and its outbox row are on the task side, nothing on the other.
    assert _count(task_url, tables.tasks) == 1
    assert _count(task_url, tables.task_activity) == 1
    assert _count(task_url, tables.outbox) >= 1
    assert _count(auth_url, tables.tasks) == 0
    assert _count(auth_url, tables.task_activity) == 0
    # Revoked on the auth side: refused at once on the task endpoints.
    assert api.post("/auth/logout", token=alice.token).status == 204
    assert api.get(path, token=alice.token).error_code == "token_revoked"
    assert api.post(path, {"title": "late"}, token=alice.token).error_code == "token_revoked"
    assert _count(task_url, tables.tasks) == 1
