"""The SQL unit of work: one service call, one transaction (per database).

``with uow:`` starts nothing by itself: the first statement of a side (auth or task)
checks a connection out of that side's pool and begins a transaction on it. ``commit()``
writes the emitted events to the outbox of their side, then commits. Leaving the block
rolls back whatever was not committed, returns the connections to their pools, and only
then hands the committed events to the ``EventPublisher``.

One database (the default): both sides are the same engine, so a unit holds ONE
connection and ONE transaction, and its events are written atomically with its change.

Separate auth and task databases: a unit that touches both holds two transactions,
committed auth side first, then task side. There is no two-phase commit, so if the task
side's commit fails after the auth side's succeeded, the auth changes (and their outbox
rows) stay and the task changes are lost; the call raises ``StorageUnavailable`` and the
in-process signals are not sent. The order is chosen so that the only call that writes to
both sides in a way that matters, deleting a team, can at worst leave orphaned tasks of a
deleted team (invisible: every task read goes through a membership of an existing team),
never a team whose tasks were deleted.

Read replica: a ``read_only`` unit reads from the replica engine when one is configured
(replication lag means it may not yet see a change just committed on the primary).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from attrs import field, frozen
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from taskflow.adapters.sqlalchemy import tables as t
from taskflow.adapters.sqlalchemy.direct import DirectStatement
from taskflow.adapters.sqlalchemy.engine import READ_ONLY_OPTION
from taskflow.adapters.sqlalchemy.errors import storage_errors
from taskflow.adapters.sqlalchemy.outbox import SqlOutboxRepository
from taskflow.adapters.sqlalchemy.repositories import (
    ConnectionSource,
    SqlActivityRepository,
    SqlCommentRepository,
    SqlDataExportRepository,
    SqlDeliveryRepository,
    SqlDueSoonRepository,
    SqlEmailChangeRepository,
    SqlInviteRepository,
    SqlLoginFailureRepository,
    SqlMembershipRepository,
    SqlNotificationRepository,
    SqlOneTimeTokenRepository,
    SqlPreferenceRepository,
    SqlPushSubscriptionRepository,
    SqlTaskRepository,
    SqlTeamRepository,
    SqlUserRepository,
)
from taskflow.adapters.sqlalchemy.tables import DEFAULT, TableSet
from taskflow.domain.models import Event
from taskflow.ports.services import EventPublisher

__all__ = [
    "Databases",
    "ReadOnlyUnitWrite",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "event_side",
]


@frozen
class Databases:
    """The engines taskflow runs on. ``auth`` and ``task`` are the same engine when one
    URL is configured; ``replica`` (optional) serves read-only units: for every table
    with one database, for the task tables only when the databases are separate."""

    auth: Engine
    task: Engine
    replica: Engine | None = None
    tables: TableSet = DEFAULT
    """taskflow's tables with this storage's prefix and schema (``tables.table_set``)."""
    _readers: dict[int, Engine] = field(init=False, factory=dict, eq=False, repr=False)
    """The read-only engine of each engine, by id (see ``reader_for``)."""

    @property
    def separate(self) -> bool:
        return self.auth is not self.task

    def engine_for(self, side: str, *, read_only: bool) -> Engine:
        primary = self.auth if side == t.AUTH else self.task
        if read_only and self.replica is not None and (side == t.TASK or not self.separate):
            return self.replica
        return primary

    def reader_for(self, side: str) -> Engine:
        """The engine a read-only unit uses for ``side``: the same pool, marked read-only,
        and refusing any INSERT, UPDATE or DELETE (``ReadOnlyUnitWrite``) before it reaches
        the database. On PostgreSQL it also runs in autocommit: a read-only unit at READ
        COMMITTED sees exactly what its statements see one by one (each takes its own
        snapshot either way), so the BEGIN and the ROLLBACK around them are two round trips
        for nothing; psycopg switches autocommit client-side. In autocommit a write would
        be committed at once instead of rolled back with the unit: hence the refusal.
        Other backends keep their isolation level (switching costs a round trip on
        MariaDB; SQLite's deferred BEGIN, chosen by the read-only mark, is local)."""
        engine = self.engine_for(side, read_only=True)
        reader = self._readers.get(id(engine))
        if reader is None:  # made once per engine (a race makes two alike: harmless)
            options: dict[str, Any] = {READ_ONLY_OPTION: True}
            if engine.dialect.name == "postgresql":
                options["isolation_level"] = "AUTOCOMMIT"
            reader = engine.execution_options(**options)
            # Listeners of an execution_options() engine fire for its connections only.
            sa.event.listen(reader, "before_cursor_execute", _refuse_writes)
            # A savepoint only guards a write (``_unique``); in autocommit it would fail.
            sa.event.listen(reader, "savepoint", _refuse_savepoints)
            self._readers[id(engine)] = reader
        return reader

    def engines(self) -> list[Engine]:
        found: list[Engine] = []
        for engine in (self.auth, self.task, self.replica):
            if engine is not None and all(engine is not e for e in found):
                found.append(engine)
        return found

    def dispose(self) -> None:
        for engine in self.engines():
            engine.dispose()


@cache
def _insert_outbox(tables: TableSet) -> DirectStatement:
    """Every write's: built once per ``TableSet``, run on the direct lane."""
    return DirectStatement(tables.outbox.insert())


class ReadOnlyUnitWrite(RuntimeError):
    """A write was attempted in a ``read_only`` unit of work: a bug in the caller (it
    should have opened an ordinary unit). Refused before anything reaches the database."""


def _refuse_writes(
    _connection: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "write"
        raise ReadOnlyUnitWrite(f"{verb} refused: this unit of work is read-only.")


def _refuse_savepoints(_connection: Connection, _name: str | None) -> None:
    raise ReadOnlyUnitWrite("SAVEPOINT (for a write) refused: this unit of work is read-only.")


def event_side(event: Event) -> str:
    """Which database's outbox an event is written to: task and comment events to the
    task side (where their change is made), the others (users, invites) to the auth side."""
    return t.TASK if event.name.startswith(("task.", "comment.")) else t.AUTH


class SqlAlchemyUnitOfWork:
    def __init__(
        self,
        databases: Databases,
        publisher: EventPublisher | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self._databases = databases
        self._publisher = publisher
        self._read_only = read_only
        self._open: list[Connection] = []  # in the order first used
        self._by_engine: dict[int, Connection] = {}
        self._pending: list[Event] = []
        self._committed: list[Event] = []
        auth, task = self._source(t.AUTH), self._source(t.TASK)
        tables = databases.tables
        self.users = SqlUserRepository(auth, tables)
        self.login_failures = SqlLoginFailureRepository(auth, tables)
        self.one_time_tokens = SqlOneTimeTokenRepository(auth, tables)
        self.email_changes = SqlEmailChangeRepository(auth, tables)
        self.teams = SqlTeamRepository(auth, tables)
        self.members = SqlMembershipRepository(auth, tables)
        self.invites = SqlInviteRepository(auth, tables)
        self.tasks = SqlTaskRepository(task, tables)
        self.comments = SqlCommentRepository(task, tables)
        self.activity = SqlActivityRepository(task, tables)
        self.outbox = SqlOutboxRepository(self._outbox_connections, tables)
        self.notifications = SqlNotificationRepository(auth, tables)
        self.deliveries = SqlDeliveryRepository(auth, tables)
        self.preferences = SqlPreferenceRepository(auth, tables)
        self.due_soon = SqlDueSoonRepository(task, tables)
        self.data_exports = SqlDataExportRepository(auth, tables)
        self.push_subscriptions = SqlPushSubscriptionRepository(auth, tables)

    def _source(self, side: str) -> ConnectionSource:
        return lambda: self.connection(side)

    def connection(self, side: str) -> Connection:
        """The connection of ``side`` in this unit's transaction (opened on first use)."""
        if self._read_only:
            engine = self._databases.reader_for(side)
        else:
            engine = self._databases.engine_for(side, read_only=False)
        connection = self._by_engine.get(id(engine))
        if connection is None:
            with storage_errors():
                connection = engine.connect()
                try:
                    connection.begin()
                except sa_exc.SQLAlchemyError:
                    connection.invalidate()
                    connection.close()
                    raise
            self._by_engine[id(engine)] = connection
            self._open.append(connection)
        return connection

    def _outbox_connections(self) -> list[Connection]:
        auth = self.connection(t.AUTH)
        task = self.connection(t.TASK)
        return [auth] if task is auth else [auth, task]

    def __enter__(self) -> Self:
        self._pending = []
        self._committed = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close(commit=False)
        self._pending = []
        committed, self._committed = self._committed, []
        if committed and self._publisher is not None:
            self._publisher.publish(committed)

    def emit(self, event: Event) -> None:
        self._pending.append(event)

    def commit(self) -> None:
        events, self._pending = self._pending, []
        with storage_errors():
            try:
                self._write_outbox(events)
                self._close(commit=True)
            except sa_exc.SQLAlchemyError:
                self._close(commit=False)
                raise
        self._committed.extend(events)

    def rollback(self) -> None:
        self._pending = []
        self._close(commit=False)

    def _write_outbox(self, events: Sequence[Event]) -> None:
        insert = _insert_outbox(self._databases.tables)
        for side in (t.AUTH, t.TASK):
            rows = [
                {
                    "id": e.id,
                    "name": e.name,
                    "payload": e.payload,
                    "occurred_at": e.occurred_at,
                    "published_at": None,
                    "attempts": 0,
                }
                for e in events
                if event_side(e) == side
            ]
            if len(rows) == 1:  # the usual case: one execute
                insert.execute(self.connection(side), rows[0])
            elif rows:
                insert.execute_many(self.connection(side), rows)

    def _close(self, *, commit: bool) -> None:
        """Commit (in the order opened: auth before task when a unit starts on the auth
        side, as every service does) or roll back, and return every connection."""
        connections, self._open, self._by_engine = self._open, [], {}
        try:
            if commit:
                for connection in self._ordered(connections):
                    connection.commit()
        finally:
            for connection in connections:
                try:
                    connection.close()  # rolls back anything not committed
                except sa_exc.SQLAlchemyError:
                    connection.invalidate()

    def _ordered(self, connections: list[Connection]) -> list[Connection]:
        if self._read_only:
            auth = self._databases.reader_for(t.AUTH)
        else:
            auth = self._databases.engine_for(t.AUTH, read_only=False)
        return sorted(connections, key=lambda c: 0 if c.engine is auth else 1)


class SqlAlchemyUnitOfWorkFactory:
    """Makes units of work over ``databases``; ``read_only`` units may use the replica."""

    def __init__(self, databases: Databases, publisher: EventPublisher | None = None) -> None:
        self.databases = databases
        self.publisher = publisher

    def __call__(self, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.databases, self.publisher, read_only=read_only)
