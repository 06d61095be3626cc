"""Alembic environment of taskflow's own migrations.

Run through ``taskflow.adapters.sqlalchemy.migrate`` (``taskflow db upgrade``), which
passes an open connection in ``config.attributes["connection"]``. taskflow records its
revision in its own table, ``taskflow_alembic_version``, so an application's Alembic
history in the same database is left alone.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from taskflow.adapters.sqlalchemy.migrate import VERSION_TABLE, create_migration_engine
from taskflow.adapters.sqlalchemy.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url for taskflow's migrations")
    engine = create_migration_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


_main()
