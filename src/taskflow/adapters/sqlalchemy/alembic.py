"""taskflow beside an application's own Alembic (the application's ``env.py``).

taskflow migrates its tables with its own history (``taskflow db upgrade``), recorded in
its own version table (``taskflow_alembic_version``). An application whose database
holds them too keeps them out of its ``alembic revision --autogenerate`` with a filter:

    from taskflow.adapters.sqlalchemy.alembic import exclude_taskflow_tables

    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=exclude_taskflow_tables(),  # prefix= / schema= if you changed them
    )

Without it, autogenerate sees taskflow's tables in the database and none in the
application's metadata, and proposes to drop them all.

An application that wants taskflow's tables in its OWN history instead puts
``table_set(prefix, schema).metadata`` in its ``target_metadata`` and renders the types
with ``render_item`` (so that the generated scripts import taskflow's ``UtcDateTime``);
see docs/storage.md for what that recipe costs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

from taskflow.adapters.sqlalchemy.migrate import VERSION_TABLE
from taskflow.adapters.sqlalchemy.tables import (
    DEFAULT_TABLE_PREFIX,
    TableSet,
    UtcDateTime,
    table_set,
)

__all__ = [
    "IncludeName",
    "exclude_taskflow_tables",
    "render_item",
    "taskflow_tables_only",
]

IncludeName = Callable[[str | None, Any, Any], bool]
"""Alembic's ``include_name(name, type_, parent_names)`` hook: ``type_`` is ``"schema"``,
``"table"``, ``"column"``...; ``parent_names`` maps ``"schema_name"``, ``"table_name"``...
to names. ``Any`` for those two: Alembic types them as a ``Literal`` and a
``MutableMapping`` of ``Literal`` keys, which no ``Mapping[str, ...]`` matches (a
mapping's key type is invariant), so a stricter type here made a type-checked ``env.py``
fail on ``context.configure(include_name=exclude_taskflow_tables())``, and refused a hook
typed as Alembic types it."""

_UTC_DATETIME_IMPORT: Final = "from taskflow.adapters.sqlalchemy.tables import UtcDateTime"


def _taskflow_names(tables: TableSet) -> frozenset[str]:
    """taskflow's table names (without the schema) and its version table's."""
    return frozenset([*(t.name for t in tables.metadata.tables.values()), VERSION_TABLE])


def _is_taskflows(tables: TableSet, names: frozenset[str]) -> IncludeName:
    def is_taskflows(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
        if type_ == "schema":
            return tables.schema is not None and name == tables.schema
        if type_ != "table":
            return False  # a column, index or constraint: its table was already decided
        return name in names and parent_names.get("schema_name") == tables.schema

    return is_taskflows


def exclude_taskflow_tables(
    *,
    prefix: str = DEFAULT_TABLE_PREFIX,
    schema: str | None = None,
    include_name: IncludeName | None = None,
) -> IncludeName:
    """An ``include_name`` hook for the application's ``env.py`` that hides taskflow's
    tables (those named with ``prefix`` in ``schema``, as ``TASKFLOW_TABLE_PREFIX`` and
    ``TASKFLOW_DB_SCHEMA`` say) and its version table from autogenerate, and its whole
    schema when it has one (with ``include_schemas=True``). Everything else goes to the
    application's own ``include_name`` when given, else is included."""
    tables = table_set(prefix, schema)
    is_taskflows = _is_taskflows(tables, _taskflow_names(tables))

    def include(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
        if is_taskflows(name, type_, parent_names):
            return False
        return include_name(name, type_, parent_names) if include_name else True

    return include


def taskflow_tables_only(tables: TableSet) -> IncludeName:
    """The opposite hook: only taskflow's tables (``migrate.schema_differences``)."""
    is_taskflows = _is_taskflows(tables, _taskflow_names(tables))

    def include(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
        if type_ == "schema":
            return name == tables.schema
        if type_ != "table":
            return True
        return is_taskflows(name, type_, parent_names)

    return include


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Alembic's ``render_item`` hook for an application that autogenerates taskflow's
    tables into its own history: taskflow's ``UtcDateTime`` is rendered as
    ``UtcDateTime()`` with its import added to the script (Alembic would otherwise write
    the full dotted path without importing it). Anything else: Alembic's own rendering
    (``False``). To combine it with a hook of your own, call it first."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        autogen_context.imports.add(_UTC_DATETIME_IMPORT)
        return "UtcDateTime()"
    return False
