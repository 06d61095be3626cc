"""The direct lane: the hottest prebuilt statements, run on the driver's cursor.

Every service call runs a handful of statements that never change shape (the team and
membership check, the task page, the task insert...). Through ``Connection.execute``
each costs SQLAlchemy's per-execution machinery: an execution context, a cursor result
with its metadata, parameter processing in general form. Measured on PostgreSQL that is
about 0.1 ms per statement, as much as the round trip itself (docs/benchmarks.md).

A ``DirectStatement`` is compiled ONCE per dialect (and, for an INSERT or UPDATE taking
its values from the parameters, per set of parameter names) by SQLAlchemy itself, with
the type processors SQLAlchemy would apply (UUIDs as text on SQLite, naive UTC on
MariaDB, JSON...) looked up once. Each execution then only converts the values, runs
the SQL on the DB-API cursor of the SQLAlchemy connection (same connection, same
transaction), and converts the result columns. What SQLAlchemy guarantees around an
execution is kept:

- ``before_cursor_execute`` / ``after_cursor_execute`` listeners fire (statement
  counters, tracing, Sentry), with a ``LaneExecutionContext`` as ``context``: the
  attributes of SQLAlchemy's execution context that listeners read, and room for the
  ones they set (Sentry keeps its span on it);
- every error goes through SQLAlchemy's own error handling (a driver error wrapped in
  ``DBAPIError`` with the parameters hidden, a value a type refuses in
  ``StatementError``, ``handle_error`` events, invalidating a dead connection and the
  pool it came from), so ``errors.translate`` sees exactly what it sees for
  ``Connection.execute``;
- the type processors run for every value, ``None`` included (``JSON`` stores ``None``
  as JSON ``null``, as SQLAlchemy does);
- several parameter sets go in the driver's ``executemany``; a ``retval=True``
  listener may rewrite the SQL;
- the connection begins its transaction first if it has none (SQLAlchemy's autobegin);
- a read-only unit's refusal of writes (``unit_of_work.ReadOnlyUnitWrite``) holds: an
  INSERT, UPDATE or DELETE on a read-only connection takes the ordinary path, which
  refuses it.

Whatever the lane cannot run exactly as SQLAlchemy would (parameters expanded at
execution time such as ``IN`` lists, defaults computed in Python, RETURNING, escaped
parameter names, parameter sets with different names, a connection with a
``schema_translate_map`` or with SQL echo/logging on) simply runs through
``Connection.execute``: the lane is an optimisation, never a second semantics. The
contract suite runs every repository on both paths' backends, and
``tests/contract/test_direct_lane.py`` compares the two row for row.

The fence around it (docs/storage.md). The lane reads names SQLAlchemy does not promise
to keep (``Connection._handle_dbapi_exception``, ``_has_events``, ``_echo``, the
compiler's ``_result_columns``...): pyproject pins SQLAlchemy to the range the suite
runs at (tox envs ``sqlalchemy-lowest`` / ``sqlalchemy-highest``), and the first use
of the lane on a dialect checks that every such name is there (``missing_names``). If
one is missing, that dialect's statements all take ``Connection.execute``, with one
warning in the log. The lane can also be turned off per engine
(``create_engine(url, direct_lane=False)``, ``TASKFLOW_SQL_DIRECT_LANE=off``).

The plans live on the dialect object itself (``_PLANS_ATTRIBUTE``), so they go away with
their engine's dialect (a cache keyed by dialect would keep every dialect alive: a plan
holds its compiled statement, which holds the dialect).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Protocol

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.selectable import Select

from taskflow.adapters.sqlalchemy.engine import DIRECT_LANE_OPTION, READ_ONLY_OPTION

__all__ = [
    "DirectResult",
    "DirectStatement",
    "LaneExecutionContext",
    "ResultRows",
    "missing_names",
]

logger = logging.getLogger(__name__)

_Processor = Callable[[Any], Any] | None


class ResultRows(Protocol):
    """What the repositories use of a result: SQLAlchemy's ``CursorResult`` and the lane's
    ``DirectResult`` both provide it (rows are tuples with attribute access by column)."""

    @property
    def rowcount(self) -> int: ...

    def first(self) -> Any: ...

    def all(self) -> Sequence[Any]: ...

    def scalar_one(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class DirectResult:
    """The fetched rows of one direct execution (already converted), or its row count."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def all(self) -> list[Any]:
        return self._rows

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise exc.NoResultFound() if not self._rows else exc.MultipleResultsFound()
        return self._rows[0][0]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


_REQUIRED: Final = object()


class _Plan:
    """One statement compiled for one dialect: the SQL text, where each driver parameter
    comes from, and the type conversions in both directions."""

    __slots__ = (
        "compiled",
        "defaults",
        "is_write",
        "keys",
        "names",
        "positional",
        "processors",
        "result_processors",
        "result_types",
        "returns_rows",
        "row_type",
        "sql",
        "statement",
    )

    def __init__(
        self, compiled: SQLCompiler, statement: Executable, dialect: Dialect, *, named: bool
    ) -> None:
        self.compiled = compiled
        self.statement = statement
        self.sql: str = compiled.string
        self.positional: bool = bool(compiled.positional)
        order = compiled.positiontup if self.positional else list(compiled.binds)
        binds = [compiled.binds[name] for name in order or ()]
        self.names: tuple[str, ...] = tuple(order or ())
        self.keys: tuple[str, ...] = tuple(b.key for b in binds)
        self.defaults: tuple[Any, ...] = tuple(
            _REQUIRED if b.required else b.effective_value for b in binds
        )
        self.processors: tuple[_Processor, ...] = tuple(
            b.type.dialect_impl(dialect).bind_processor(dialect) for b in binds
        )
        self.is_write: bool = bool(compiled.isinsert or compiled.isupdate or compiled.isdelete)
        self.returns_rows = isinstance(statement, Select)
        # Plain tuples, or a named tuple class with the statement's column names.
        self.row_type: Any = tuple
        self.result_types: tuple[Any, ...] = ()
        if isinstance(statement, Select):
            columns = list(statement.selected_columns)
            if named:
                self.row_type = namedtuple(  # type: ignore[misc]
                    "Row", [c.key or f"column_{i}" for i, c in enumerate(columns)], rename=True
                )
            self.result_types = tuple(c.type.dialect_impl(dialect) for c in columns)
        # Known after the first rows (a processor may depend on the driver's type code).
        self.result_processors: tuple[_Processor, ...] | None = None

    def parameters(self, values: Mapping[str, Any]) -> Any:
        converted = []
        for key, default, process in zip(self.keys, self.defaults, self.processors, strict=True):
            value = values.get(key, default)
            if value is _REQUIRED:
                raise exc.InvalidRequestError(f"A value is required for bind parameter {key!r}")
            converted.append(value if process is None else process(value))
        if self.positional:
            return tuple(converted)
        return dict(zip(self.names, converted, strict=True))

    def rows(
        self, fetched: Sequence[Any], description: Sequence[Any] | None, dialect: Dialect
    ) -> list[Any]:
        processors = self.result_processors
        if processors is None:
            if description is None:  # pragma: no cover - read whenever processors are not
                raise exc.InvalidRequestError("no cursor description for a SELECT")
            found = tuple(
                type_.result_processor(dialect, column[1])
                for type_, column in zip(self.result_types, description, strict=True)
            )
            processors = self.result_processors = found if any(found) else ()
        row_type = self.row_type
        if not processors:  # PostgreSQL: psycopg already returns UUIDs, aware datetimes...
            if row_type is tuple:
                return list(fetched)  # the driver's rows are tuples already
            make = row_type._make
            return [make(row) for row in fetched]
        make = row_type if row_type is tuple else row_type._make
        return [
            make(
                [
                    value if process is None else process(value)
                    for value, process in zip(row, processors, strict=True)
                ]
            )
            for row in fetched
        ]


def _plan_for(
    statement: Executable, dialect: Dialect, keys: Sequence[str], *, named: bool
) -> _Plan | None:
    """The lane's plan, or None if this statement must take ``Connection.execute``."""
    if isinstance(statement, Insert | Update):
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    elif isinstance(statement, Select | Delete):
        compiled = statement.compile(dialect=dialect)
    else:
        return None
    if (
        compiled.post_compile_params  # IN lists, literal_execute: rendered per execution
        or compiled.literal_execute_params
        or compiled.escaped_bind_names
        or compiled.insert_prefetch  # Python-side defaults, computed per execution
        or compiled.update_prefetch
        or getattr(compiled, "postfetch", None)  # set for INSERT and UPDATE only
        or compiled.effective_returning
    ):
        return None
    if isinstance(statement, Select) and len(compiled._result_columns) != len(
        statement.selected_columns
    ):
        return None
    return _Plan(compiled, statement, dialect, named=named)


class DirectStatement:
    """A statement built once at import, run on the direct lane where it can be (see the
    module docstring). ``execute(connection, parameters)`` returns ``ResultRows``.

    ``named=False``: the rows are plain tuples, for a mapper that reads by position (the
    task list: no named tuple built per row)."""

    __slots__ = ("_values_from_parameters", "named", "statement")

    def __init__(self, statement: Executable, *, named: bool = True) -> None:
        self.statement = statement
        self.named = named
        # An INSERT or UPDATE without .values() compiles its SET/VALUES from the
        # parameter names: one plan per set of names.
        self._values_from_parameters = isinstance(statement, Insert | Update)

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> ResultRows:
        plan = self._plan(connection, parameters)
        if plan is None:
            return connection.execute(self.statement, dict(parameters))
        return _run(connection, plan, [parameters], many=False)

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run a write once per parameter set (the driver's ``executemany``: psycopg sends
        them in one round trip); returns the row count. Parameter sets with different
        names take ``Connection.execute``."""
        plan = self._plan(connection, rows[0]) if rows else None
        if plan is None or plan.returns_rows or any(r.keys() != rows[0].keys() for r in rows):
            return connection.execute(self.statement, [dict(r) for r in rows]).rowcount
        return _run(connection, plan, rows, many=True).rowcount

    def _plan(self, connection: Connection, parameters: Mapping[str, Any]) -> _Plan | None:
        options = connection.get_execution_options()
        if not options.get(DIRECT_LANE_OPTION, True):  # turned off for this engine
            return None
        if "schema_translate_map" in options:  # the SQL text depends on the connection
            return None
        plans = _plans(connection)
        if plans is None:  # this SQLAlchemy lacks a name the lane uses (logged once)
            return None
        if connection._echo:  # SQL echo or the sqlalchemy.engine INFO log: let it log
            return None
        key = (self, tuple(parameters) if self._values_from_parameters else ())
        try:
            plan = plans[key]
        except KeyError:
            plan = _plan_for(self.statement, connection.dialect, key[1], named=self.named)
            plans[key] = plan
        if plan is not None and plan.is_write and options.get(READ_ONLY_OPTION, False):
            return None  # Connection.execute refuses it (unit_of_work.ReadOnlyUnitWrite)
        return plan


_PLANS_ATTRIBUTE: Final = "_taskflow_direct_plans"
"""The dialect attribute holding the lane's plans for that dialect (see the module
docstring), by (statement, parameter names); None when the lane cannot run there."""

_Plans = dict[tuple[DirectStatement, tuple[str, ...]], _Plan | None]
_UNCHECKED: Final = object()
_FIRST_USE: Final = threading.Lock()


def _plans(connection: Connection) -> _Plans | None:
    """The lane's plans for the connection's dialect, or None if this SQLAlchemy lacks a
    name the lane uses. Checked on the first use per dialect, which logs the warning."""
    dialect = connection.dialect
    plans: Any = dialect.__dict__.get(_PLANS_ATTRIBUTE, _UNCHECKED)
    if plans is not _UNCHECKED:
        return plans  # type: ignore[no-any-return]
    with _FIRST_USE:  # one check and at most one warning per dialect, whatever the threads
        plans = dialect.__dict__.get(_PLANS_ATTRIBUTE, _UNCHECKED)
        if plans is _UNCHECKED:
            missing = missing_names(connection)
            if missing:
                logger.warning(
                    "SQLAlchemy %s lacks %s, which taskflow's direct lane uses: every "
                    "statement on this %s engine runs through Connection.execute instead "
                    "(slower; supported SQLAlchemy versions: see docs/storage.md)",
                    sa.__version__,
                    ", ".join(missing),
                    dialect.name,
                )
            plans = None if missing else {}
            dialect.__dict__[_PLANS_ATTRIBUTE] = plans
    return plans  # type: ignore[no-any-return]


_CONNECTION_NAMES: Final = ("_handle_dbapi_exception", "_has_events", "_echo", "dispatch")
_ENGINE_NAMES: Final = ("_has_events",)
_EVENT_NAMES: Final = ("before_cursor_execute", "after_cursor_execute")
_COMPILER_NAMES: Final = (
    "string",
    "positional",
    "positiontup",
    "binds",
    "post_compile_params",
    "literal_execute_params",
    "escaped_bind_names",
    "insert_prefetch",
    "update_prefetch",
    "effective_returning",
    "isinsert",
    "isupdate",
    "isdelete",
    "_result_columns",
)
_WRITE_COMPILER_NAMES: Final = ("postfetch",)  # set for an INSERT or UPDATE only
_BIND_NAMES: Final = ("key", "required", "effective_value", "type")
_PROBE: Final = sa.table("taskflow_lane_probe", sa.column("value"))


def missing_names(connection: Connection) -> list[str]:
    """The names the lane reads from SQLAlchemy's objects (private ones included) that
    this SQLAlchemy does not have, checked on a live connection and on statements
    compiled for its dialect; ``_handle_dbapi_exception`` must also still take the
    arguments the lane passes. Empty: the lane can run."""
    dialect = connection.dialect
    select = sa.select(_PROBE.c.value).where(_PROBE.c.value == sa.bindparam("value"))
    compiled_select = select.compile(dialect=dialect)
    compiled_insert = _PROBE.insert().compile(dialect=dialect, column_keys=["value"])
    missing = [f"Connection.{n}" for n in _CONNECTION_NAMES if not hasattr(connection, n)]
    missing += [f"Engine.{n}" for n in _ENGINE_NAMES if not hasattr(connection.engine, n)]
    dispatch = getattr(connection, "dispatch", None)
    missing += [f"ConnectionEvents.{n}" for n in _EVENT_NAMES if not hasattr(dispatch, n)]
    missing += [
        f"SQLCompiler.{n}"
        for n in _COMPILER_NAMES
        if not (hasattr(compiled_select, n) and hasattr(compiled_insert, n))
    ]
    missing += [
        f"SQLCompiler.{n}" for n in _WRITE_COMPILER_NAMES if not hasattr(compiled_insert, n)
    ]
    binds = getattr(compiled_select, "binds", {})
    missing += [
        f"BindParameter.{n}" for n in _BIND_NAMES if not all(hasattr(b, n) for b in binds.values())
    ]
    if not hasattr(ExecutionContext, "handle_dbapi_exception"):
        missing.append("ExecutionContext.handle_dbapi_exception")
    handle = getattr(connection, "_handle_dbapi_exception", None)
    if handle is not None and not _takes(handle, 5):
        missing.append(
            "Connection._handle_dbapi_exception(e, statement, parameters, cursor, context)"
        )
    return missing


def _takes(function: Callable[..., Any], count: int) -> bool:
    try:
        inspect.signature(function).bind(*range(count))
    except (TypeError, ValueError):
        return False
    return True


_LISTENER_ERRORS_HANDLED: Final = tuple(int(p) for p in sa.__version__.split(".")[:2]) >= (2, 1)
"""SQLAlchemy 2.1 runs ``before_cursor_execute`` listeners inside its error handling (a
listener's error fires ``handle_error``); 2.0 runs them just before it, and so does the
lane there."""


class LaneExecutionContext(ExecutionContext):
    """What cursor listeners receive as ``context`` for a lane statement: the attributes of
    SQLAlchemy's ``ExecutionContext`` that listeners read (``dialect``, ``cursor``,
    ``statement``, ``parameters``, ``executemany``, ``compiled``, ``isinsert``...), and room
    for the ones they set on it between ``before_cursor_execute`` and
    ``after_cursor_execute`` (Sentry and OpenTelemetry keep their span there)."""

    def __init__(
        self,
        connection: Connection,
        plan: _Plan,
        cursor: Any,
        *,
        statement: str,
        parameters: Any,
        executemany: bool,
    ) -> None:
        self.root_connection = self.connection = connection
        self.dialect = connection.dialect
        self.execution_options = connection.get_execution_options()
        self.compiled = plan.compiled
        self.invoked_statement = plan.statement
        self.cursor = cursor
        self.statement = statement
        self.parameters = parameters
        self.executemany = executemany
        self.isinsert = bool(plan.compiled.isinsert)
        self.isupdate = bool(plan.compiled.isupdate)
        self.isdelete = bool(plan.compiled.isdelete)
        self.is_crud = plan.is_write

    def handle_dbapi_exception(self, error: BaseException) -> None:
        """Called by SQLAlchemy's error handling (which then fires ``handle_error``, where
        tracing listeners close the span they kept on this context): nothing to undo."""


def _run(
    connection: Connection, plan: _Plan, values: Sequence[Mapping[str, Any]], *, many: bool
) -> DirectResult:
    if not connection.in_transaction():
        connection.begin()  # what Connection.execute's autobegin does
    sql = plan.sql
    parameters: Any
    try:
        parameters = [plan.parameters(v) for v in values] if many else plan.parameters(values[0])
    except Exception as error:
        # A value a type refuses (a naive datetime...) or a missing one: as with
        # Connection.execute, a StatementError and the handle_error events.
        given = [dict(v) for v in values] if many else dict(values[0])
        connection._handle_dbapi_exception(error, sql, given, None, None)
        raise  # pragma: no cover - the line above never returns
    # SQLAlchemy's own test before it walks the listener collections (with none
    # registered anywhere, nothing is walked).
    has_events = connection._has_events or connection.engine._has_events
    cursor = None
    context: LaneExecutionContext | None = None
    in_listeners = False
    try:
        cursor = connection.connection.cursor()  # the pooled DB-API connection's
        if has_events:
            context = LaneExecutionContext(
                connection, plan, cursor, statement=sql, parameters=parameters, executemany=many
            )
            # As in Connection.execute: every listener returns the statement and parameters
            # (SQLAlchemy wraps the ones registered without retval=True to do so).
            in_listeners = True
            for listener in connection.dispatch.before_cursor_execute:
                sql, parameters = listener(connection, cursor, sql, parameters, context, many)
            in_listeners = False
            context.statement, context.parameters = sql, parameters
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        if has_events:
            for listener in connection.dispatch.after_cursor_execute:
                listener(connection, cursor, sql, parameters, context, many)
        # ``cursor.description`` is read once per plan only: psycopg builds its column
        # objects anew on every access (about 2 µs a column).
        fetched = cursor.fetchall() if plan.returns_rows else []
        description = cursor.description if plan.result_processors is None else None
        rowcount = cursor.rowcount
        cursor.close()
    except BaseException as error:
        if in_listeners and cursor is not None and not _LISTENER_ERRORS_HANDLED:
            cursor.close()
            raise  # as SQLAlchemy 2.0 does: its listeners run before its error handling
        if context is None:
            context = LaneExecutionContext(
                connection, plan, cursor, statement=sql, parameters=parameters, executemany=many
            )
        # SQLAlchemy's own handling, as for a statement of Connection.execute: a driver
        # error wrapped in DBAPIError (parameters hidden), any other (a listener's) raised
        # as is; the cursor closed; handle_error events; a dead or interrupted connection
        # and its pool invalidated. It always raises.
        connection._handle_dbapi_exception(error, sql, parameters, cursor, context)
        raise  # pragma: no cover - the line above never returns
    rows = plan.rows(fetched, description, connection.dialect) if fetched else []
    return DirectResult(rows, rowcount)
