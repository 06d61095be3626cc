"""taskflow's tables never collide with the application's: they carry a prefix
(``taskflow_`` by default, ``TASKFLOW_TABLE_PREFIX``), and on PostgreSQL they may live in
a schema of their own (``TASKFLOW_DB_SCHEMA``, created by ``taskflow db upgrade``).
Revision 0004 renames the tables of a database an older release migrated (0003)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from blank_databases import (
    HOST_TABLES,
    blank_database,
    blank_postgres_database,
    create_host_tables,
    drop_schema,
    fresh_name,
    host_columns,
    host_rows,
    inline_unique_names_only,
    read_legacy_story,
    read_story,
    write_legacy_story,
    write_story,
)

from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy.migrate import (
    current_revision,
    downgrade,
    head_revision,
    schema_differences,
    upgrade,
)
from taskflow.entrypoints import cli
from taskflow.errors import ConfigurationError

__all__ = ["blank_database", "blank_postgres_database"]  # fixtures, imported for pytest

ADDED_AFTER_0004 = {"email_changes", "data_exports", "push_subscriptions"}
"""Tables of revisions after 0004 (0006, 0007, 0008), absent from a database at 0003."""
_COLUMNS_ADDED_AFTER_0004 = {
    ("users", "external_id"),  # 0005
    ("users", "deletion_due_at"),  # 0006
    ("users", "erased_at"),  # 0006
    ("notification_preferences", "push_off"),  # 0008
}


def _added_after_0004(difference: Any) -> bool:
    """A difference between a database at 0003 and today's metadata (legacy names) that
    a revision after 0004 accounts for: a table, column or index it added."""
    kind = difference[0]
    if kind == "add_table":
        return str(difference[1].name) in ADDED_AFTER_0004
    if kind == "add_column":
        return (str(difference[2]), str(difference[3].name)) in _COLUMNS_ADDED_AFTER_0004
    if kind == "add_index":
        index = difference[1]
        table = str(index.table.name)
        return table in ADDED_AFTER_0004 or all(
            (table, column.name) in _COLUMNS_ADDED_AFTER_0004 for column in index.columns
        )
    return False


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean environment for ``taskflow db``: only what the test sets."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "DATABASE_URL",
        "AUTH_DATABASE_URL",
        "TASK_DATABASE_URL",
        "DATABASE_REPLICA_URL",
        "TASKFLOW_TABLE_PREFIX",
        "TASKFLOW_DB_SCHEMA",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TASKFLOW_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def _names(url: str, schema: str | None = None) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()


# --- beside the application's tables ---------------------------------------------------


def test_db_upgrade_beside_the_host_tables_leaves_them_alone(
    blank_database: str, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = create_host_tables(blank_database)
    columns = host_columns(blank_database)
    environment.setenv("DATABASE_URL", blank_database)

    assert cli.main(["db", "upgrade"]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith(f"database: at {head_revision()} (")

    assert host_rows(blank_database) == rows
    assert host_columns(blank_database) == columns
    present = _names(blank_database)
    assert {table.name for table in tables.metadata.sorted_tables} <= present
    assert all(table.name.startswith("taskflow_") for table in tables.metadata.sorted_tables)
    storage = SqlStorage.from_urls(blank_database)
    try:
        assert schema_differences(storage.databases.auth) == []
        ids = write_story(storage)
        read_story(storage, ids)
    finally:
        storage.close()
    assert host_rows(blank_database) == rows  # taskflow wrote to its own tables only


def test_a_custom_prefix_names_every_table_and_matches_the_migrations(
    blank_database: str,
) -> None:
    create_host_tables(blank_database)
    custom = tables.table_set("tf_")
    storage = SqlStorage.from_urls(blank_database, table_prefix="tf_")
    try:
        storage.upgrade()
        engine = storage.databases.auth
        assert current_revision(engine, tables=custom) == head_revision()
        assert schema_differences(engine, tables=custom) == []
        present = _names(blank_database)
        assert {f"tf_{name}" for name in tables.TABLE_NAMES} <= present
        assert not {f"taskflow_{name}" for name in tables.TABLE_NAMES} & present
        ids = write_story(storage)
        read_story(storage, ids)
    finally:
        storage.close()


def test_tables_in_the_way_are_one_clear_error(
    blank_database: str, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = sa.create_engine(blank_database)
    try:
        with engine.begin() as connection:  # not taskflow's: no taskflow revision
            connection.execute(sa.text("CREATE TABLE taskflow_teams (id INTEGER PRIMARY KEY)"))
    finally:
        engine.dispose()
    environment.setenv("DATABASE_URL", blank_database)

    assert cli.main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("taskflow: error: The database already has tables named like "), err
    assert "(taskflow_teams)" in err
    assert "TASKFLOW_TABLE_PREFIX" in err
    assert "unexpected" not in err
    assert _names(blank_database) == {"taskflow_teams"}  # nothing was migrated


@pytest.mark.parametrize("prefix", ["Taskflow_", "tf-", "tf_; drop table users", "toolong_pfx_"])
def test_a_prefix_that_is_not_safe_is_refused(prefix: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="TASKFLOW_TABLE_PREFIX"):
        SqlStorage.from_urls(f"sqlite:///{tmp_path / 'x.db'}", table_prefix=prefix)


def test_the_longest_prefix_fits_every_name_in_63_characters() -> None:
    longest = tables.table_set("abcdefghij_")  # 11 characters: the limit
    for table in longest.metadata.sorted_tables:
        names = [table.name, *(c.name for c in table.constraints), *(i.name for i in table.indexes)]
        assert all(len(str(name)) <= tables.MAX_IDENTIFIER_LENGTH for name in names)


def test_a_schema_is_for_postgresql_only(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="TASKFLOW_DB_SCHEMA is for PostgreSQL"):
        SqlStorage.from_urls(f"sqlite:///{tmp_path / 'x.db'}", schema="taskflow")


# --- a schema of its own (PostgreSQL) ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("prefix", ["taskflow_", ""])
def test_db_upgrade_creates_the_schema_and_puts_every_table_there(
    prefix: str,
    blank_postgres_database: str,
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    url = blank_postgres_database  # the host's tables in the connection's default schema
    rows = create_host_tables(url)
    schema = fresh_name()
    request.addfinalizer(lambda: drop_schema(url, schema))
    environment.setenv("DATABASE_URL", url)
    environment.setenv("TASKFLOW_DB_SCHEMA", schema)
    storage = SqlStorage.from_urls(url, table_prefix=prefix, schema=schema)
    try:
        if prefix:
            assert cli.main(["db", "upgrade"]) == 0, capsys.readouterr().err
        else:  # an empty variable means "not set": bare names are asked for from Python
            storage.upgrade()
        expected = {prefix + name for name in tables.TABLE_NAMES} | {"taskflow_alembic_version"}
        assert _names(url, schema) == expected
        assert set(HOST_TABLES) <= _names(url)  # the host's, in the default schema
        assert host_rows(url) == rows
        in_schema = tables.table_set(prefix, schema)
        engine = storage.databases.auth
        assert current_revision(engine, tables=in_schema) == head_revision()
        assert schema_differences(engine, tables=in_schema) == []
        ids = write_story(storage)
        read_story(storage, ids)
        assert host_rows(url) == rows
    finally:
        storage.close()


# --- databases an older release migrated: revision 0004 --------------------------------


def test_0004_renames_the_tables_of_an_older_release_keeping_their_rows(
    blank_database: str,
) -> None:
    legacy = tables.table_set("")  # the names of the releases before 0004
    old = SqlStorage.from_urls(blank_database, table_prefix="")
    try:
        upgrade(old.databases.auth, "0003", tables=legacy)
        assert {"users", "tasks", "comments"} <= _names(blank_database)
        ids = write_legacy_story(old.databases.auth)
    finally:
        old.close()

    new = SqlStorage.from_urls(blank_database)
    try:
        new.upgrade()
        engine = new.databases.auth
        assert current_revision(engine) == head_revision()
        present = _names(blank_database)
        assert {table.name for table in tables.metadata.sorted_tables} <= present
        assert not set(tables.TABLE_NAMES) & present
        differences = schema_differences(engine)
        if engine.dialect.name == "sqlite":
            assert inline_unique_names_only(differences), differences
        else:
            assert differences == []
        read_story(new, ids)

        downgrade(engine, "0003")
        assert current_revision(engine) == "0003"
        present = _names(blank_database)
        assert set(tables.TABLE_NAMES) - ADDED_AFTER_0004 <= present
        assert not {table.name for table in tables.metadata.sorted_tables} & present
        if engine.dialect.name != "sqlite":
            differences = schema_differences(engine, tables=legacy)
            assert [d for d in differences if not _added_after_0004(d)] == []
    finally:
        new.close()
    old = SqlStorage.from_urls(blank_database, table_prefix="")
    try:
        # The older release finds its rows where they were.
        read_legacy_story(old.databases.auth, ids)
    finally:
        old.close()
