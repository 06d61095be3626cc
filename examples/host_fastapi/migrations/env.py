"""Acme's Alembic environment: Acme's own tables only.

taskflow keeps its tables in the same database (``taskflow_users``, ``taskflow_teams``...,
and its own version table ``taskflow_alembic_version``) and migrates them with its own
history (``taskflow db upgrade``). ``exclude_taskflow_tables`` hides them from
``alembic revision --autogenerate``, which would otherwise propose to drop them all.
"""

import os
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

from acme.models import Base
from taskflow.adapters.sqlalchemy.alembic import exclude_taskflow_tables

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# The same names taskflow uses (TASKFLOW_TABLE_PREFIX / TASKFLOW_DB_SCHEMA, if set).
include_name = exclude_taskflow_tables(
    prefix=os.environ.get("TASKFLOW_TABLE_PREFIX", "taskflow_"),
    schema=os.environ.get("TASKFLOW_DB_SCHEMA") or None,
)


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url") or ""


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=Base.metadata,
        include_name=include_name,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = sa.create_engine(database_url(), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
