"""A blank database of each SQL backend for a test of its own (the migration and embedding
tests need one that the session's migrated database is not): a SQLite file, a PostgreSQL
schema (the URL's ``search_path``) or a MariaDB database, dropped afterwards. Also a
host application's own tables with rows, and a short taskflow story to run on a storage.

Use: ``from blank_databases import blank_database`` in a test module (the fixture is
parametrized over the SQL backends, each with its marker; ``blank_postgres_database``
for a test of PostgreSQL alone)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sql_helpers import make_taskflow

from taskflow.adapters.sqlalchemy import SqlStorage
from taskflow.testing import FakeClock

POSTGRES_URL = os.environ.get(
    "TASKFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get(
    "TASKFLOW_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
)
SQL_BACKEND_PARAMS = [
    pytest.param(name, marks=getattr(pytest.mark, name), id=name)
    for name in ("sqlite", "postgres", "mariadb")
]
PASSWORD = "correct horse battery staple"


def fresh_name() -> str:
    """A ``tf_<pid>_<hex>`` name: the test session's clean-up of dead runs knows it."""
    return f"tf_{os.getpid()}_{secrets.token_hex(3)}"


def _unreachable(backend: str, error: BaseException) -> None:
    reason = f"{backend} server unreachable: {type(error).__name__}".splitlines()[0]
    if os.environ.get("TASKFLOW_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(params=SQL_BACKEND_PARAMS)
def blank_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the backend under test, for this test alone."""
    yield from _blank(request.param, tmp_path)


@pytest.fixture
def blank_postgres_database(tmp_path: Path) -> Iterator[str]:
    """``blank_database`` on PostgreSQL only (mark the test ``postgres``)."""
    yield from _blank("postgres", tmp_path)


def _blank(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.sqlite3'}"
        return
    name = fresh_name()
    admin = _admin(POSTGRES_URL if backend == "postgres" else MARIADB_URL)
    try:
        with admin.connect() as connection:
            if backend == "postgres":
                connection.exec_driver_sql(f"CREATE SCHEMA {name}")
            else:
                connection.exec_driver_sql(
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                )
    except sa.exc.OperationalError as error:
        admin.dispose()
        _unreachable(backend, error)
    if backend == "postgres":
        url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={name}"})
    else:
        url = sa.make_url(MARIADB_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            if backend == "postgres":
                connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
            else:
                connection.exec_driver_sql(f"DROP DATABASE {name}")
        admin.dispose()


def drop_schema(url: str, schema: str) -> None:
    """Drop a PostgreSQL schema a test made taskflow create (if it did)."""
    admin = _admin(url)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        admin.dispose()


# --- the host application's own tables -------------------------------------------------

HOST = sa.MetaData()
HOST_TABLES = {
    name: sa.Table(
        name,
        HOST,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(50), nullable=False),
    )
    for name in ("users", "teams", "tasks", "comments", "sessions")
}
"""The tables an application embedding taskflow is likely to have already."""


def create_host_tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The host's ``users``, ``teams``, ``tasks``, ``comments`` and ``sessions``, two rows
    each; returns their rows."""
    engine = sa.create_engine(url)
    try:
        HOST.create_all(engine)
        with engine.begin() as connection:
            for name, table in HOST_TABLES.items():
                connection.execute(
                    table.insert(), [{"id": 1, "label": f"{name} 1"}, {"id": 2, "label": "two"}]
                )
        return host_rows(url)
    finally:
        engine.dispose()


def host_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(sa.select(table).order_by("id"))]
                for name, table in HOST_TABLES.items()
            }
    finally:
        engine.dispose()


def host_columns(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {name: [c["name"] for c in inspector.get_columns(name)] for name in HOST_TABLES}
    finally:
        engine.dispose()


# --- a short taskflow story ------------------------------------------------------------


def write_story(storage: SqlStorage) -> dict[str, UUID]:
    """An account, its team, a task in it and a comment on the task."""
    tf = make_taskflow(storage, FakeClock())
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner").user
    team = tf.teams.create(owner.id, name="Crew")
    task = tf.tasks.create(owner.id, team.id, title="Ship it")
    comment = tf.comments.add(owner.id, task.id, content="On it")
    return {"owner": owner.id, "team": team.id, "task": task.id, "comment": comment.id}


def read_story(storage: SqlStorage, ids: dict[str, UUID]) -> None:
    """What ``write_story`` wrote is all there (the password still logs in)."""
    tf = make_taskflow(storage, FakeClock())
    login = tf.auth.login(email="owner@example.com", password=PASSWORD)
    assert login.user.id == ids["owner"]
    assert [team.id for team in login.user.teams] == [ids["team"]]
    assert tf.tasks.get(ids["owner"], ids["task"]).title == "Ship it"
    comments = tf.comments.list(ids["owner"], ids["task"]).items
    assert [c.id for c in comments] == [ids["comment"]]


def inline_unique_names_only(differences: list[object]) -> bool:
    """True if every difference is a unique constraint renamed in place: what SQLite
    keeps from before revision 0004 (the names inside a table's definition)."""
    for difference in differences:
        kind, constraint = difference  # type: ignore[misc]
        if kind not in ("add_constraint", "remove_constraint"):
            return False
        if not isinstance(constraint, sa.UniqueConstraint):
            return False
    return True
