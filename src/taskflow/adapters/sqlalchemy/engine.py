"""Engines per database URL, with the settings each backend needs.

- SQLite (the embedded default, a file): foreign keys on, WAL journal (readers do not
  block the writer), a busy timeout, and ``BEGIN IMMEDIATE`` for units that write, so two
  writers queue up instead of failing with "database is locked" when a read lock would
  have to be upgraded. ``lower()`` is Python's ``str.lower`` (SQLite's own folds ASCII
  only), so a case-insensitive title search matches the other backends.
- PostgreSQL (psycopg 3) and MariaDB (PyMySQL): a connection pool that checks a
  connection before handing it out (``pool_pre_ping``), so a server restart costs one
  reconnect instead of an error; MariaDB runs at READ COMMITTED, like PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from taskflow.errors import ConfigurationError

__all__ = ["READ_ONLY_OPTION", "create_engine"]

READ_ONLY_OPTION: Final = "taskflow_read_only"
"""Execution option a read-only unit of work sets on its connection (SQLite then starts a
deferred transaction instead of an immediate one)."""

SQLITE_BUSY_TIMEOUT_MS: Final = 10_000


def create_engine(url: str, **options: Any) -> Engine:
    """A configured engine for ``url``; ``options`` go to ``sqlalchemy.create_engine``.
    Raises ``ConfigurationError`` for a URL SQLAlchemy cannot use (without echoing it:
    it may hold a password)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError("The database URL is not a valid SQLAlchemy URL.") from None
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(url, options)
        if backend in ("mysql", "mariadb"):
            options.setdefault("isolation_level", "READ COMMITTED")
            if "charset" not in parsed.query:
                parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        options.setdefault("pool_pre_ping", True)
        return sa.create_engine(parsed, **options)
    except (ArgumentError, ModuleNotFoundError) as error:
        raise ConfigurationError(
            f"Cannot use the {backend} database URL: {type(error).__name__} "
            "(is the driver installed? pip install 'taskflow[postgres]' or 'taskflow[mysql]')."
        ) from None


def _sqlite_engine(url: str, options: dict[str, Any]) -> Engine:
    engine = sa.create_engine(url, **options)

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
        # transaction handling would begin lazily and always DEFERRED).
        dbapi_connection.isolation_level = None
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()
