"""What every SQL repository shares: the connection it runs on, and THE path of its
statements, through ``storage_errors`` (``errors.py``), which translates driver errors.

Each repository runs its statements on the connection its unit of work gives it (auth or
task side) and never commits. Conditional writes are single ``UPDATE ... WHERE``
statements whose row count answers whether they took effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import Executable

from taskflow.adapters.sqlalchemy.direct import DirectStatement, ResultRows
from taskflow.adapters.sqlalchemy.errors import UniqueKeyTaken, storage_errors
from taskflow.adapters.sqlalchemy.tables import TableSet

__all__ = ["ConnectionSource", "InsertOnceRepository", "SqlRepository", "SqlRow"]

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


class InsertOnceRepository(SqlRepository):
    def _insert_once(self, table: sa.Table, values: dict[str, Any]) -> bool:
        """Insert unless a unique key is taken; return whether it was inserted. PostgreSQL
        and SQLite say ``ON CONFLICT DO NOTHING`` (one statement; a concurrent insert of
        the same key waits for the other transaction, then does nothing); MariaDB runs
        the insert in a SAVEPOINT and reads the duplicate-key error."""
        connection = self._connection()
        dialect = connection.dialect.name
        if dialect in _ON_CONFLICT:
            # RETURNING tells whether a row went in (rowcount may be -1 here)
            return self._execute(_insert_or_nothing(table, dialect), values).first() is not None
        try:
            with self._unique(UniqueKeyTaken) as savepoint:
                savepoint.execute(table.insert(), values)
        except UniqueKeyTaken:
            return False
        return True


_ON_CONFLICT: Final = ("postgresql", "sqlite")
_INSERT_OR_NOTHING: dict[tuple[str, str], sa.Executable] = {}


def _insert_or_nothing(table: sa.Table, dialect: str) -> sa.Executable:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING <first key column>``, built once."""
    key = (table.fullname, dialect)  # the schema too
    statement = _INSERT_OR_NOTHING.get(key)
    if statement is None:
        first_key = next(iter(table.primary_key.columns))
        if dialect == "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing().returning(first_key)
        else:
            statement = sqlite.insert(table).on_conflict_do_nothing().returning(first_key)
        _INSERT_OR_NOTHING[key] = statement
    return statement
