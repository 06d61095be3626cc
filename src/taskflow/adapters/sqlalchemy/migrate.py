"""Apply and inspect taskflow's migrations (what ``taskflow db upgrade|current`` run).

The scripts live in this package (``migrations/``) and record their revision in
``taskflow_alembic_version``. An application that runs its own Alembic can instead put
``taskflow.adapters.sqlalchemy.tables.metadata`` in its ``target_metadata`` (a list) and
autogenerate taskflow's tables into its own history (see docs/storage.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from taskflow.adapters.sqlalchemy.engine import create_engine
from taskflow.adapters.sqlalchemy.tables import metadata

__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "alembic_config",
    "create_migration_engine",
    "current_revision",
    "head_revision",
    "schema_differences",
    "upgrade",
]

MIGRATIONS_DIR: Final = Path(__file__).parent / "migrations"
VERSION_TABLE: Final = "taskflow_alembic_version"


def create_migration_engine(url: str) -> Engine:
    return create_engine(url)


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for taskflow's scripts, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (each in its own transaction)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: taskflow's tables were never created)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the database's schema and ``metadata`` (empty: identical)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        differences: list[Any] = compare_metadata(context, metadata)
        return differences
