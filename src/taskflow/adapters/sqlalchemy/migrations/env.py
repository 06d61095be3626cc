"""Alembic environment of taskflow's own migrations.

Run through ``taskflow.adapters.sqlalchemy.migrate`` (``taskflow db upgrade``), which
passes an open connection in ``config.attributes["connection"]`` and the ``TableSet``
being migrated (its prefix and schema) in ``config.attributes["taskflow_tables"]``
(``migrations/naming.py``). taskflow records its revision in its own table,
``taskflow_alembic_version``, so an application's Alembic history in the same database
(``alembic_version``) is left alone.

With a schema (``TASKFLOW_DB_SCHEMA``, PostgreSQL), the schema is created if missing, the
version table lives in it, and the scripts run with ``search_path`` set to it for their
transaction (``SET LOCAL``), so their unqualified names land there.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from taskflow.adapters.sqlalchemy.migrate import (
    VERSION_TABLE,
    create_migration_engine,
    use_schema,
)
from taskflow.adapters.sqlalchemy.migrations.naming import configured_tables


def _run(connection: Connection) -> None:
    tables = configured_tables()
    if tables.schema is not None:
        use_schema(connection, tables.schema)
    context.configure(
        connection=connection,
        target_metadata=tables.metadata,
        version_table=VERSION_TABLE,
        version_table_schema=tables.schema,
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
