"""Settings to storage: the in-memory adapters or SQLAlchemy, plus the Redis denylist.

The one place that builds a ``SqlStorage`` from ``Settings`` (``build_sql_storage``):
``TaskFlow.from_settings``, ``taskflow serve``'s migrations and ``taskflow db`` all go
through it, with every setting (pool sizes, replica).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from taskflow.errors import ConfigurationError
from taskflow.ports.services import EventPublisher
from taskflow.ports.storage import Storage
from taskflow.version import pip_install

if TYPE_CHECKING:
    from pydantic import SecretStr

    from taskflow.adapters.sqlalchemy import SqlStorage
    from taskflow.settings import Settings

__all__ = ["build_memory_storage", "build_sql_storage", "build_storage", "upgrade_sql_storage"]


def build_storage(
    settings: Settings, publisher: EventPublisher, *, migrate: bool = False
) -> Storage:
    """The storage ``DATABASE_URL`` names, with the Redis denylist when ``REDIS_URL``.

    - ``memory://``: the in-memory adapters (demos; nothing survives the process).
    - anything else (and the default, a SQLite file in ``TASKFLOW_DATA_DIR``): SQLAlchemy.
      The schema must exist (``taskflow db upgrade``, or ``migrate=True``); SQLite files
      are always upgraded, since an embedded database has nobody else to do it.
    """
    if settings.uses_memory_storage:
        storage = build_memory_storage(publisher)
    else:
        sql = build_sql_storage(settings, publisher)
        try:
            if migrate or all(e.dialect.name == "sqlite" for e in sql.databases.engines()):
                upgrade_sql_storage(sql)
        except BaseException:
            sql.close()
            raise
        storage = Storage(uow_factory=sql.uow_factory, token_store=sql.token_store, close=sql.close)
    return _with_redis_denylist(settings, storage)


def build_memory_storage(publisher: EventPublisher | None = None) -> Storage:
    """The in-memory adapters: one fresh store, its unit of work and token store."""
    from taskflow.adapters.memory import (  # noqa: PLC0415 - only when asked
        InMemoryStore,
        InMemoryTokenStore,
        InMemoryUnitOfWorkFactory,
    )

    return Storage(
        uow_factory=InMemoryUnitOfWorkFactory(InMemoryStore(), publisher),
        token_store=InMemoryTokenStore(),
    )


def build_sql_storage(settings: Settings, publisher: EventPublisher | None = None) -> SqlStorage:
    """The SQL storage of ``settings``: the engines of ``DATABASE_URL`` (or the SQLite file
    in ``TASKFLOW_DATA_DIR``), ``AUTH_DATABASE_URL``, ``TASK_DATABASE_URL`` and
    ``DATABASE_REPLICA_URL``, pooled as ``TASKFLOW_DB_POOL_SIZE`` / ``_MAX_OVERFLOW`` say,
    with the tables ``TASKFLOW_TABLE_PREFIX`` and ``TASKFLOW_DB_SCHEMA`` name.
    The caller closes it."""
    if settings.uses_memory_storage:
        raise ConfigurationError("DATABASE_URL=memory:// has no SQL database.")
    try:
        from taskflow.adapters.sqlalchemy import SqlStorage  # noqa: PLC0415 - an extra
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing.partition(".")[0] == "taskflow":
            raise  # a bug inside taskflow, not a missing extra
        what = (
            "The embedded default (a SQLite file in TASKFLOW_DATA_DIR, used when "
            "DATABASE_URL is unset)"
            if settings.database_url is None
            else "DATABASE_URL names a SQL database, which"
        )
        raise ConfigurationError(
            f"{what} needs the optional dependency {missing!r}: install it with: "
            f"{pip_install('sqlalchemy')} (or [postgres], [mysql] for those servers); "
            "DATABASE_URL=memory:// runs on the core alone, in memory."
        ) from None
    if settings.database_url is None:  # the embedded default: a SQLite file in data_dir
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return SqlStorage.from_urls(
        settings.resolved_database_url(),
        auth_url=_secret(settings.auth_database_url),
        task_url=_secret(settings.task_database_url),
        replica_url=_secret(settings.database_replica_url),
        publisher=publisher,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        direct_lane=settings.sql_direct_lane == "on",
        table_prefix=settings.table_prefix,
        schema=settings.db_schema,
    )


def upgrade_sql_storage(storage: SqlStorage) -> None:
    """Apply taskflow's migrations to every primary database of ``storage`` (what
    ``taskflow db upgrade`` does). ``StorageUnavailable`` if a server cannot be reached."""
    from taskflow.adapters.sqlalchemy.errors import connection_failures  # noqa: PLC0415

    with connection_failures("Nothing was migrated."):
        storage.upgrade()


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _with_redis_denylist(settings: Settings, storage: Storage) -> Storage:
    """With ``REDIS_URL``, revoked access tokens are kept in Redis (shared by every
    process, expiring with the tokens); sessions stay in the storage's token store."""
    if settings.redis_url is None:
        return storage
    try:
        from taskflow.adapters.redis.token_store import (  # noqa: PLC0415 - an extra
            RedisDenylistTokenStore,
        )
    except ModuleNotFoundError as error:
        storage.close()
        raise ConfigurationError(
            f"REDIS_URL is set, which needs the optional dependency {error.name!r}: "
            f"install it with: {pip_install('redis')}"
        ) from None
    redis_store = RedisDenylistTokenStore.from_url(
        storage.token_store, settings.redis_url.get_secret_value()
    )
    return Storage(
        uow_factory=storage.uow_factory,
        token_store=redis_store,
        close=_in_turn(redis_store.close, storage.close),
    )


def _in_turn(*closers: Callable[[], None]) -> Callable[[], None]:
    def close() -> None:
        for closer in closers:
            closer()

    return close
