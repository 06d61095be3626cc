"""Type-checked, not run: a host's ``env.py`` as docs/storage.md and the example apps write
it, under ``mypy --strict`` (``tox -e type`` checks this folder with ``src``). Alembic
types ``include_name`` strictly; taskflow's hooks must be accepted as they are, and a
hook of the host's own, typed as Alembic types it, must be accepted by
``exclude_taskflow_tables(include_name=...)``."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Literal

import sqlalchemy as sa
from alembic import context

from taskflow.adapters.sqlalchemy import table_set
from taskflow.adapters.sqlalchemy.alembic import exclude_taskflow_tables, render_item

NameType = Literal[
    "schema",
    "table",
    "column",
    "index",
    "unique_constraint",
    "foreign_key_constraint",
    "check_constraint",
]
ParentNames = MutableMapping[
    Literal["schema_name", "table_name", "schema_qualified_table_name"], str | None
]


def not_audit(name: str | None, type_: NameType, parent_names: ParentNames) -> bool:
    """A host's own hook, typed as Alembic's ``IncludeNameFn``."""
    return not (type_ == "table" and name == "audit" and parent_names.get("schema_name") is None)


def side_by_side(connection: sa.Connection, metadata: sa.MetaData) -> None:
    context.configure(
        connection=connection, target_metadata=metadata, include_name=exclude_taskflow_tables()
    )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=exclude_taskflow_tables(prefix="tf_", include_name=not_audit),
    )


def one_history(connection: sa.Connection, metadata: sa.MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=[metadata, table_set().metadata],
        render_item=render_item,
    )
