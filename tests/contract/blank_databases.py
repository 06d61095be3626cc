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


# --- the same story as an older release (revision 0003, unprefixed tables) wrote it -----


def _legacy_tables() -> dict[str, sa.TableClause]:
    """Revision 0003's columns of the story's tables, frozen: today's repositories read
    and write columns that a 0003 database does not have yet."""
    from taskflow.adapters.sqlalchemy.tables import UtcDateTime  # noqa: PLC0415

    def ts(name: str) -> sa.ColumnClause[Any]:
        return sa.column(name, UtcDateTime())

    uuid = sa.Uuid()
    return {
        "users": sa.table(
            "users",
            sa.column("id", uuid),
            sa.column("email", sa.String()),
            sa.column("password_hash", sa.String()),
            sa.column("name", sa.String()),
            sa.column("email_verified", sa.Boolean()),
            ts("created_at"),
            ts("updated_at"),
        ),
        "teams": sa.table(
            "teams",
            sa.column("id", uuid),
            sa.column("name", sa.String()),
            sa.column("owner_id", uuid),
            ts("created_at"),
        ),
        "team_members": sa.table(
            "team_members",
            sa.column("id", uuid),
            sa.column("team_id", uuid),
            sa.column("user_id", uuid),
            sa.column("role", sa.String()),
            ts("joined_at"),
        ),
        "tasks": sa.table(
            "tasks",
            sa.column("id", uuid),
            sa.column("team_id", uuid),
            sa.column("title", sa.String()),
            sa.column("status", sa.String()),
            sa.column("priority", sa.String()),
            sa.column("created_by", uuid),
            ts("created_at"),
            ts("updated_at"),
            sa.column("version", sa.Integer()),
        ),
        "comments": sa.table(
            "comments",
            sa.column("id", uuid),
            sa.column("task_id", uuid),
            sa.column("user_id", uuid),
            sa.column("content", sa.Text()),
            ts("created_at"),
            ts("updated_at"),
        ),
    }


def write_legacy_story(engine: sa.Engine) -> dict[str, UUID]:
    """``write_story``'s rows, written as revision 0003's schema has them."""
    from taskflow.ids import new_id  # noqa: PLC0415
    from taskflow.security.passwords import Argon2PasswordHasher  # noqa: PLC0415
    from taskflow.testing import FAST_PASSWORD_HASHING  # noqa: PLC0415

    now = FakeClock().now()
    ids = {"owner": new_id(), "team": new_id(), "task": new_id(), "comment": new_id()}
    t = _legacy_tables()
    password_hash = Argon2PasswordHasher(FAST_PASSWORD_HASHING).hash(PASSWORD)
    with engine.begin() as connection:
        connection.execute(
            t["users"]
            .insert()
            .values(
                id=ids["owner"],
                email="owner@example.com",
                password_hash=password_hash,
                name="Owner",
                email_verified=False,
                created_at=now,
                updated_at=now,
            )
        )
        connection.execute(
            t["teams"]
            .insert()
            .values(id=ids["team"], name="Crew", owner_id=ids["owner"], created_at=now)
        )
        connection.execute(
            t["team_members"]
            .insert()
            .values(
                id=new_id(), team_id=ids["team"], user_id=ids["owner"], role="owner", joined_at=now
            )
        )
        connection.execute(
            t["tasks"]
            .insert()
            .values(
                id=ids["task"],
                team_id=ids["team"],
                title="Ship it",
                status="todo",
                priority="medium",
                created_by=ids["owner"],
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
        connection.execute(
            t["comments"]
            .insert()
            .values(
                id=ids["comment"],
                task_id=ids["task"],
                user_id=ids["owner"],
                content="On it",
                created_at=now,
                updated_at=now,
            )
        )
    return ids


def read_legacy_story(engine: sa.Engine, ids: dict[str, UUID]) -> None:
    """What ``write_legacy_story`` wrote is where revision 0003's schema has it."""
    t = _legacy_tables()
    with engine.connect() as connection:
        users = connection.execute(sa.select(t["users"].c.id, t["users"].c.email)).all()
        assert [tuple(row) for row in users] == [(ids["owner"], "owner@example.com")]
        teams = connection.execute(sa.select(t["teams"].c.id)).scalars().all()
        assert teams == [ids["team"]]
        tasks = connection.execute(sa.select(t["tasks"].c.id, t["tasks"].c.title)).all()
        assert [tuple(row) for row in tasks] == [(ids["task"], "Ship it")]
        comments = connection.execute(sa.select(t["comments"].c.id)).scalars().all()
        assert comments == [ids["comment"]]
