"""Apply and inspect taskflow's migrations (what ``taskflow db upgrade|current`` run).

The scripts live in this package (``migrations/``) and record their revision in
``taskflow_alembic_version`` (in the schema, when one is configured). Every function
takes the ``TableSet`` whose tables it migrates (``tables.table_set(prefix, schema)``;
the default prefix when not given). An application that runs its own Alembic keeps
taskflow's tables out of its history with ``taskflow.adapters.sqlalchemy.alembic``
(see docs/storage.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from taskflow.adapters.sqlalchemy.engine import check_schema_support, create_engine
from taskflow.adapters.sqlalchemy.tables import DEFAULT, TableSet
from taskflow.errors import ConfigurationError

__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "alembic_config",
    "create_migration_engine",
    "current_revision",
    "downgrade",
    "existing_tables",
    "TablesInTheWay",
    "head_revision",
    "refuse_foreign_tables",
    "schema_differences",
    "upgrade",
    "use_schema",
]

MIGRATIONS_DIR: Final = Path(__file__).parent / "migrations"
VERSION_TABLE: Final = "taskflow_alembic_version"


def create_migration_engine(url: str) -> Engine:
    return create_engine(url)


def alembic_config(connection: Connection | None = None, tables: TableSet = DEFAULT) -> Config:
    """An Alembic ``Config`` for taskflow's scripts, optionally bound to ``connection``,
    migrating ``tables`` (their prefix and schema)."""
    from taskflow.adapters.sqlalchemy.migrations.naming import (  # noqa: PLC0415 - alembic's
        TABLES_ATTRIBUTE,
    )

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes[TABLES_ATTRIBUTE] = tables
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def use_schema(connection: Connection, schema: str) -> None:
    """Create ``schema`` if missing and make it the first of ``search_path`` for the rest
    of the connection's transaction (PostgreSQL)."""
    check_schema_support(connection.engine, schema)
    quoted = connection.dialect.identifier_preparer.quote_schema(schema)
    connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
    connection.exec_driver_sql(f"SET LOCAL search_path TO {quoted}")


def upgrade(engine: Engine, revision: str = "head", *, tables: TableSet = DEFAULT) -> None:
    """Apply every migration up to ``revision``, in one transaction where the backend
    has transactional DDL (PostgreSQL, SQLite)."""
    check_schema_support(engine, tables.schema)
    refuse_foreign_tables(engine, tables)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection, tables), revision)


def downgrade(engine: Engine, revision: str, *, tables: TableSet = DEFAULT) -> None:
    """Undo the migrations after ``revision`` (``base``: all of them)."""
    check_schema_support(engine, tables.schema)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection, tables), revision)


def _context(connection: Connection, tables: TableSet, **options: Any) -> MigrationContext:
    opts = {"version_table": VERSION_TABLE, "version_table_schema": tables.schema, **options}
    return MigrationContext.configure(connection, opts=opts)


def current_revision(engine: Engine, *, tables: TableSet = DEFAULT) -> str | None:
    """The revision the database is at (None: taskflow's tables were never created)."""
    with engine.connect() as connection:
        return _context(connection, tables).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def existing_tables(engine: Engine, *, tables: TableSet = DEFAULT) -> list[str]:
    """The names of ``tables`` that already exist in the database (in their schema)."""
    inspector = sa.inspect(engine)
    present = set(inspector.get_table_names(schema=tables.schema))
    return [table.name for table in tables.metadata.sorted_tables if table.name in present]


class TablesInTheWay(ConfigurationError):
    """taskflow would create tables that exist already: the database has no taskflow
    revision, yet holds tables with taskflow's names (another application's, or
    taskflow's own made outside its migrations)."""


def refuse_foreign_tables(engine: Engine, tables: TableSet) -> None:
    """``TablesInTheWay`` if the database has no taskflow revision but already holds a
    table taskflow's first migration would create (instead of the driver's error
    halfway through)."""
    if current_revision(engine, tables=tables) is not None:
        return
    taken = existing_tables(engine, tables=tables)
    if taken:
        where = f" in schema {tables.schema}" if tables.schema else ""
        raise TablesInTheWay(
            f"The database already has tables named like taskflow's{where} "
            f"({', '.join(taken)}), but no taskflow revision: nothing was migrated. "
            "Give taskflow's tables another prefix (TASKFLOW_TABLE_PREFIX) or, on "
            "PostgreSQL, a schema of their own (TASKFLOW_DB_SCHEMA)."
        )


def schema_differences(engine: Engine, *, tables: TableSet = DEFAULT) -> list[Any]:
    """What differs between taskflow's tables in the database and ``tables`` (empty:
    identical). Only taskflow's own tables are compared: an application's tables in
    the same database are none of its business."""
    from taskflow.adapters.sqlalchemy.alembic import taskflow_tables_only  # noqa: PLC0415

    with engine.connect() as connection:
        context = _context(
            connection,
            tables,
            compare_type=True,
            include_schemas=tables.schema is not None,
            include_name=taskflow_tables_only(tables),
        )
        differences: list[Any] = compare_metadata(context, tables.metadata)
        return differences
