"""What every SQL repository shares: the connection it runs on, and THE path of its
statements, through ``storage_errors`` (``errors.py``), which translates driver errors.

Each repository runs its statements on the connection its unit of work gives it (auth or
task side) and never commits. Conditional writes are single ``UPDATE ... WHERE``
statements whose row count answers whether they took effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import Executable

from taskflow.adapters.sqlalchemy.direct import DirectStatement, ResultRows
from taskflow.adapters.sqlalchemy.errors import storage_errors
from taskflow.adapters.sqlalchemy.tables import TableSet

__all__ = ["ConnectionSource", "SqlRepository", "SqlRow"]

ConnectionSource = Callable[[], Connection]
"""Gives the connection (inside the unit's open transaction) a repository runs on."""

SqlRow = Any
"""A result row: SQLAlchemy's ``Row`` or the direct lane's named tuple (both tuples with
the columns as attributes)."""


class SqlRepository:
    """``tables``: taskflow's tables with the prefix (and schema) of this storage; a
    repository about one table names it in ``_table`` and finds it as ``self._t``."""

    _table: str | None = None

    def __init__(self, connection: ConnectionSource, tables: TableSet) -> None:
        self._connection = connection
        self._tables = tables
        if self._table is not None:
            self._t: sa.Table = getattr(tables, self._table)

    def _execute(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> CursorResult[Any]:
        with storage_errors():
            return self._connection().execute(statement, parameters)

    def _direct(self, statement: DirectStatement, parameters: dict[str, Any]) -> ResultRows:
        """Run a prebuilt statement (on the direct lane where it can take it)."""
        with storage_errors():
            return statement.execute(self._connection(), parameters)

    def _rowcount(self, statement: Executable, parameters: dict[str, Any] | None = None) -> int:
        return self._execute(statement, parameters).rowcount

    @contextmanager
    def _unique(self, error: Callable[[], Exception]) -> Iterator[Connection]:
        """Run an insert that may violate a unique key inside a SAVEPOINT, so that the
        violation becomes ``error()`` and the unit's transaction stays usable."""
        with storage_errors(unique=error):
            connection = self._connection()
            with connection.begin_nested():
                yield connection

    def _is_postgresql(self) -> bool:
        return self._connection().dialect.name == "postgresql"
