"""Migration 0002 builds exactly the notification tables of ``metadata`` (on every SQL
backend the ``sql_storage`` fixture reaches), and its downgrade removes only them. (Below
revision 0004 the tables have the unprefixed names of the releases before it.)"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from blank_databases import inline_unique_names_only

from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    schema_differences,
    upgrade,
)

NOTIFICATION_TABLES = {
    "notifications",
    "notification_log",
    "notification_preferences",
    "due_soon_reminders",
}
PREFIXED_NOTIFICATION_TABLES = {tables.DEFAULT.name(name) for name in NOTIFICATION_TABLES}


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_builds_the_schema_of_metadata_and_downgrade_removes_only_0002(
    tmp_path: Path,
) -> None:
    storage = SqlStorage.from_urls(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
    try:
        engine = storage.databases.auth
        storage.upgrade()
        assert current_revision(engine) == head_revision()
        assert _tables(engine) >= PREFIXED_NOTIFICATION_TABLES
        assert schema_differences(engine) == []

        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0001")
        assert current_revision(engine) == "0001"
        remaining = _tables(engine)
        assert not NOTIFICATION_TABLES & remaining
        assert {"users", "tasks", "outbox"} <= remaining
        indexes = {index["name"] for index in sa.inspect(engine).get_indexes("tasks")}
        assert "ix_tasks_due_date" not in indexes

        upgrade(engine)  # 0002 and 0003 on the unprefixed names, then 0004 renames
        # (SQLite keeps the names of the constraints inside a table's definition: 0004)
        assert inline_unique_names_only(schema_differences(engine))
    finally:
        storage.close()


def test_every_sql_backend_migrated_to_head_matches_metadata(sql_storage: SqlStorage) -> None:
    for engine in sql_storage.databases.engines():
        assert _tables(engine) >= PREFIXED_NOTIFICATION_TABLES
        assert schema_differences(engine) == []
