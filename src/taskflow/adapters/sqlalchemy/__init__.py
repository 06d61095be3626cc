"""The SQLAlchemy 2 storage adapter: SQLite (embedded default), PostgreSQL (psycopg 3),
MariaDB/MySQL (PyMySQL).

    from taskflow.adapters.sqlalchemy import SqlStorage

    storage = SqlStorage.from_urls("postgresql+psycopg://app@db/app")
    storage.upgrade()          # apply taskflow's migrations (or: taskflow db upgrade)

taskflow's tables are named ``taskflow_users``, ``taskflow_tasks``...: ``table_prefix``
changes the prefix and ``schema`` (PostgreSQL) puts them in a schema of their own
(``TASKFLOW_TABLE_PREFIX``, ``TASKFLOW_DB_SCHEMA``; see ``tables.table_set``).
    tf = TaskFlow.from_adapters(uow_factory=storage.uow_factory,
                                token_store=storage.token_store, ...)

``TaskFlow.from_settings`` does this from ``DATABASE_URL`` (and ``AUTH_DATABASE_URL``,
``TASK_DATABASE_URL``, ``DATABASE_REPLICA_URL``, ``TASKFLOW_TABLE_PREFIX``,
``TASKFLOW_DB_SCHEMA``) through
``taskflow.bootstrap.build_sql_storage``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.adapters.sqlalchemy.engine import check_schema_support, create_engine
from taskflow.adapters.sqlalchemy.tables import (
    DEFAULT_TABLE_PREFIX,
    TableSet,
    metadata,
    table_set,
)
from taskflow.adapters.sqlalchemy.token_store import SqlTokenStore
from taskflow.adapters.sqlalchemy.unit_of_work import (
    Databases,
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)
from taskflow.errors import ConfigurationError
from taskflow.ports.services import EventPublisher

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = [
    "Databases",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "SqlStorage",
    "SqlTokenStore",
    "TableSet",
    "create_engine",
    "metadata",
    "table_set",
]


class SqlStorage:
    """The engines, the unit-of-work factory and the token store, built together."""

    def __init__(self, databases: Databases, publisher: EventPublisher | None = None) -> None:
        self.databases = databases
        self.uow_factory = SqlAlchemyUnitOfWorkFactory(databases, publisher)
        self.token_store = SqlTokenStore(databases.auth, databases.tables)

    def primaries(self) -> list[tuple[str, Engine]]:
        """The databases that are migrated, each with a label for people: one, or the auth
        and the task database when they are separate (a replica follows its primary)."""
        if not self.databases.separate:
            return [("database", self.databases.auth)]
        return [("auth database", self.databases.auth), ("task database", self.databases.task)]

    @classmethod
    def from_urls(
        cls,
        database_url: str,
        *,
        auth_url: str | None = None,
        task_url: str | None = None,
        replica_url: str | None = None,
        publisher: EventPublisher | None = None,
        pool_size: int | None = None,
        max_overflow: int | None = None,
        direct_lane: bool = True,
        table_prefix: str = DEFAULT_TABLE_PREFIX,
        schema: str | None = None,
    ) -> SqlStorage:
        """One URL for everything, or separate auth / task databases (each defaults to
        ``database_url``), plus an optional read replica. ``pool_size`` and
        ``max_overflow`` size each server database's connection pool (SQLAlchemy's
        defaults: 5 and 10). ``direct_lane=False`` runs every statement through
        ``Connection.execute`` (see ``direct.py`` and docs/storage.md).
        ``table_prefix`` starts every table's name (``taskflow_``: ``taskflow_users``...;
        lower-case letters, digits and ``_``, or empty); ``schema`` (PostgreSQL only)
        is the schema the tables live in (None: the connection's default).
        ``ConfigurationError`` for a prefix or schema that cannot be used."""
        tables = table_set(table_prefix, schema)

        def engine(url: str) -> Engine:
            pool = _pool_options(url, pool_size, max_overflow)
            return create_engine(url, direct_lane=direct_lane, **pool)

        main = engine(database_url)
        auth = engine(auth_url) if auth_url and auth_url != database_url else main
        if task_url and task_url != database_url:
            task = auth if task_url == auth_url else engine(task_url)
        else:
            task = main
        replica = engine(replica_url) if replica_url else None
        if auth is not main and task is not main:
            main.dispose()  # the main URL serves neither side
        databases = Databases(auth=auth, task=task, replica=replica, tables=tables)
        try:
            for each in databases.engines():
                check_schema_support(each, schema)
        except ConfigurationError:
            databases.dispose()
            raise
        return cls(databases, publisher)

    def upgrade(self) -> None:
        """Apply taskflow's migrations to every primary database (auth and task)."""
        from taskflow.adapters.sqlalchemy.migrate import upgrade  # noqa: PLC0415

        for engine in {id(e): e for e in (self.databases.auth, self.databases.task)}.values():
            upgrade(engine, tables=self.databases.tables)

    def close(self) -> None:
        self.databases.dispose()


def _pool_options(url: str, pool_size: int | None, max_overflow: int | None) -> dict[str, int]:
    """Pool sizing for a server database; SQLite (an embedded file) keeps its own."""
    if url.startswith("sqlite"):
        return {}
    options = {"pool_size": pool_size, "max_overflow": max_overflow}
    return {name: value for name, value in options.items() if value is not None}
