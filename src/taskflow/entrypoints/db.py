"""``taskflow db upgrade`` and ``taskflow db current``: taskflow's migrations on the
database(s) the settings name (``DATABASE_URL``, or ``AUTH_DATABASE_URL`` and
``TASK_DATABASE_URL``; the default is the SQLite file in ``TASKFLOW_DATA_DIR``).

A read replica is never migrated: it follows its primary. The migrations themselves are
the SQL adapter's (``taskflow.adapters.sqlalchemy.migrate``); the storage is built by the
composition root, from the same settings as the application's.
"""

from __future__ import annotations

import argparse

from taskflow.adapters.sqlalchemy import SqlStorage
from taskflow.adapters.sqlalchemy.errors import connection_failures
from taskflow.adapters.sqlalchemy.migrate import current_revision, head_revision, upgrade
from taskflow.bootstrap import build_sql_storage
from taskflow.errors import ConfigurationError

__all__ = ["configure_db_command", "run_db_current", "run_db_upgrade"]


def configure_db_command(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="apply every pending migration")
    up.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    up.set_defaults(handler=run_db_upgrade)
    current = actions.add_parser("current", help="show the revision the database is at")
    current.set_defaults(handler=run_db_current)


def _storage() -> SqlStorage:
    from taskflow.settings import Settings  # noqa: PLC0415 - read only when run

    settings = Settings()
    if settings.uses_memory_storage:
        raise ConfigurationError("DATABASE_URL=memory:// has no schema to migrate.")
    return build_sql_storage(settings)


def run_db_upgrade(args: argparse.Namespace) -> int:
    storage = _storage()
    tables = storage.databases.tables
    try:
        with connection_failures("Nothing was migrated."):
            for label, engine in storage.primaries():
                upgrade(engine, args.revision, tables=tables)  # TablesInTheWay: clear error
                revision = current_revision(engine, tables=tables)
                print(f"{label}: at {revision} ({engine.dialect.name})")
    finally:
        storage.close()
    return 0


def run_db_current(_args: argparse.Namespace) -> int:
    storage = _storage()
    head = head_revision()
    try:
        with connection_failures():
            for label, engine in storage.primaries():
                revision = current_revision(engine, tables=storage.databases.tables)
                state = "up to date" if revision == head else f"behind: head is {head}"
                print(f"{label}: {revision or 'empty (no taskflow tables)'} ({state})")
    finally:
        storage.close()
    return 0
