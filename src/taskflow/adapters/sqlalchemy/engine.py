"""Engines per database URL, with the settings each backend needs.

- SQLite (the embedded default, a file): foreign keys on, WAL journal (readers do not
  block the writer), a busy timeout, and ``BEGIN IMMEDIATE`` for units that write, so two
  writers queue up instead of failing with "database is locked" when a read lock would
  have to be upgraded. ``lower()`` is Python's ``str.lower`` (SQLite's own folds ASCII
  only), so a case-insensitive title search matches the other backends.
- PostgreSQL (psycopg 3) and MariaDB (PyMySQL): a connection pool; MariaDB runs at READ
  COMMITTED, like PostgreSQL; PostgreSQL sessions run in UTC (timestamps come back in UTC
  with no conversion in Python).

URLs: ``postgres://`` and ``postgresql://`` mean psycopg 3 (``postgresql+psycopg://``, the
[postgres] extra), ``mysql://`` means PyMySQL; a SQLite file's missing folder is created.
A missing driver names the ``pip install`` to run.

Stale connections: SQLAlchemy's ``pool_pre_ping`` would cost one extra round trip on
EVERY unit of work (measured: about 1 ms of a 2 ms list call, see docs/benchmarks.md).
Instead, a connection that sat idle in the pool for more than ``PING_AFTER_IDLE_SECONDS``
is pinged when it is checked out (the idle ones are those a server restart, failover or
firewall may have killed), and a dead one is replaced transparently. A connection that
dies while in use fails its unit with ``StorageUnavailable`` (nothing half-written: the
server rolled the transaction back), and SQLAlchemy then recycles the whole pool, so the
retry gets a fresh connection. ``create_engine(url, pool_pre_ping=True)`` turns the
per-checkout ping back on for those who prefer it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from taskflow.errors import ConfigurationError
from taskflow.version import pip_install

__all__ = [
    "DIRECT_LANE_OPTION",
    "READ_ONLY_OPTION",
    "check_schema_support",
    "create_engine",
    "with_supported_driver",
]

DIRECT_LANE_OPTION: Final = "taskflow_direct_lane"
"""Execution option that turns the direct lane (``direct.py``) off for an engine when
False: every statement then runs through ``Connection.execute``."""

READ_ONLY_OPTION: Final = "taskflow_read_only"
"""Execution option a read-only unit of work sets on its connection (SQLite then starts a
deferred transaction instead of an immediate one)."""

SQLITE_BUSY_TIMEOUT_MS: Final = 10_000
PING_AFTER_IDLE_SECONDS: Final = 30.0
_IDLE_SINCE: Final = "taskflow_idle_since"


def create_engine(url: str, *, direct_lane: bool = True, **options: Any) -> Engine:
    """A configured engine for ``url``; ``options`` go to ``sqlalchemy.create_engine``.
    ``direct_lane=False``: every statement runs through ``Connection.execute`` (see
    ``direct.py``). Raises ``ConfigurationError`` for a URL SQLAlchemy cannot use
    (without echoing it: it may hold a password)."""
    if not direct_lane:
        execution_options = dict(options.get("execution_options") or {})
        execution_options[DIRECT_LANE_OPTION] = False
        options["execution_options"] = execution_options
    try:
        parsed = with_supported_driver(make_url(url))
    except ArgumentError:
        raise ConfigurationError("The database URL is not a valid SQLAlchemy URL.") from None
    backend = parsed.get_backend_name()
    if backend not in _EXTRA_OF_BACKEND:
        raise ConfigurationError(
            f"The database URL names {backend!r}, which taskflow does not support: use "
            "sqlite:///path/file.sqlite3, postgresql+psycopg://... or mysql+pymysql://..."
        )
    # A driver error's text would otherwise list the bound values (password and token
    # hashes, emails...) and reach the log with the traceback of an unexpected error.
    options.setdefault("hide_parameters", True)
    try:
        if backend == "sqlite":
            return _sqlite_engine(parsed, options)
        if backend in ("mysql", "mariadb"):
            options.setdefault("isolation_level", "READ COMMITTED")
            if "charset" not in parsed.query:
                parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        engine = sa.create_engine(parsed, **options)
        _ping_idle_connections(engine)
        if backend == "postgresql":
            _utc_sessions(engine)
        return engine
    except ModuleNotFoundError as error:
        install = pip_install(_EXTRA_OF_BACKEND[backend])
        ours = _DRIVER_OF_SCHEME.get(backend)
        if ours is not None and parsed.drivername != ours:
            install = f"install it, or use {ours}:// ({install})"
        raise ConfigurationError(
            f"The {backend} database URL needs the driver {error.name!r}, which is not "
            f"installed: {install}"
        ) from None
    except ArgumentError as error:
        raise ConfigurationError(
            f"Cannot use the {backend} database URL ({parsed.drivername}): "
            f"{type(error).__name__}. taskflow's drivers: postgresql+psycopg, mysql+pymysql, "
            "sqlite."
        ) from None


def check_schema_support(engine: Engine, schema: str | None) -> None:
    """``ConfigurationError`` if a schema is asked for on a backend other than PostgreSQL
    (on MariaDB a schema is a database: name it in the URL)."""
    if schema is not None and engine.dialect.name != "postgresql":
        raise ConfigurationError(
            f"TASKFLOW_DB_SCHEMA is for PostgreSQL; this database is {engine.dialect.name} "
            "(on MariaDB name the database in the URL; on SQLite use another file)."
        )


_EXTRA_OF_BACKEND: Final = {
    "sqlite": "sqlalchemy",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}
# The drivers taskflow installs ([postgres], [mysql]) for a URL that names none, or the
# scheme many hosts hand out: "postgres://" (Heroku, Render, Fly...).
_DRIVER_OF_SCHEME: Final = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


def with_supported_driver(url: URL) -> URL:
    """``url`` with the driver taskflow installs when it names none: ``postgres://`` and
    ``postgresql://`` become ``postgresql+psycopg://`` (psycopg 3, the [postgres] extra;
    SQLAlchemy's default would be psycopg2), ``mysql://`` ``mysql+pymysql://``."""
    driver = _DRIVER_OF_SCHEME.get(url.drivername)
    return url.set(drivername=driver) if driver is not None else url


def _sqlite_engine(url: URL, options: dict[str, Any]) -> Engine:
    _create_sqlite_folder(url)
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


def _create_sqlite_folder(url: URL) -> None:
    """SQLite creates a missing database file but not its folder ("unable to open
    database file"): create the folder, like the embedded default's data folder."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return  # in memory, or a URI filename (uri=true) that says what it wants
    Path(database).expanduser().parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _ping_idle_connections(engine: Engine) -> None:
    @sa.event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:
            # The pool discards this connection and checks out another (SQLAlchemy's
            # documented "pessimistic disconnect handling").
            raise sa.exc.DisconnectionError() from error


def _utc_sessions(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.close()
        dbapi_connection.commit()


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()
