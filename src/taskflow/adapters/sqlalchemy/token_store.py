"""The SQL token store: sessions (refresh-token families) and the access-token denylist,
in the auth database. Each method is its own short transaction (the port says so)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.sql import ColumnElement

from taskflow.adapters.sqlalchemy.direct import DirectStatement
from taskflow.adapters.sqlalchemy.engine import READ_ONLY_OPTION
from taskflow.adapters.sqlalchemy.errors import UniqueKeyTaken, storage_errors
from taskflow.adapters.sqlalchemy.repositories.auth import (
    user_with_teams,
    user_with_teams_statement,
)
from taskflow.adapters.sqlalchemy.tables import DEFAULT, TableSet
from taskflow.domain.models import Session, TeamSummary, User

__all__ = ["SqlTokenStore"]


def _session(row: Row[Any]) -> Session:
    return Session(
        id=row.id,
        user_id=row.user_id,
        refresh_jti=row.refresh_jti,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


@frozen
class _Statements:
    access_condition: ColumnElement[bool]
    """What ``check_access`` checks: the session lives and is the user's, and the jti is
    not denied. ONE condition for both statements below, so they cannot drift apart."""
    access_check: DirectStatement
    """``check_access`` in one statement, built once per ``TableSet`` and run on the
    direct lane (``direct.py``): it runs on every authenticated request.
    ``profile_if_access`` puts the same condition on the user's profile query."""


@cache
def _statements(tables: TableSet) -> _Statements:
    session, denied = tables.sessions.c, tables.revoked_tokens.c
    condition = sa.and_(
        sa.exists().where(
            session.id == sa.bindparam("session_id"),
            session.user_id == sa.bindparam("user_id"),
            session.revoked_at.is_(None),
            session.expires_at > sa.bindparam("now"),
        ),
        ~sa.exists().where(
            denied.jti == sa.bindparam("jti"), denied.expires_at > sa.bindparam("now")
        ),
    )
    return _Statements(
        access_condition=condition,
        access_check=DirectStatement(sa.select(sa.literal(1)).where(condition)),
    )


class SqlTokenStore:
    def __init__(self, engine: Engine, tables: TableSet = DEFAULT) -> None:
        self._engine = engine
        self._tables = tables
        self._sessions = tables.sessions
        self._denied = tables.revoked_tokens
        # A single-statement read needs no BEGIN/COMMIT around it: on PostgreSQL it runs
        # in autocommit (psycopg switches that client-side, no round trip), saving two of
        # its three round trips. Elsewhere switching costs a round trip: keep BEGIN (on
        # SQLite a deferred one, which takes no write lock).
        self._reader = engine
        if engine.dialect.name == "postgresql":
            self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        elif engine.dialect.name == "sqlite":
            self._reader = engine.execution_options(**{READ_ONLY_OPTION: True})

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with storage_errors(), self._engine.begin() as connection:
            yield connection

    def add_session(self, session: Session) -> None:
        with self._transaction() as connection:
            connection.execute(
                self._sessions.insert().values(
                    id=session.id,
                    user_id=session.user_id,
                    refresh_jti=session.refresh_jti,
                    created_at=session.created_at,
                    last_used_at=session.last_used_at,
                    expires_at=session.expires_at,
                    revoked_at=session.revoked_at,
                )
            )

    def get_session(self, session_id: UUID) -> Session | None:
        with self._transaction() as connection:
            statement = sa.select(self._sessions).where(self._sessions.c.id == session_id)
            row = connection.execute(statement).first()
        return _session(row) if row else None

    def rotate_session(
        self, session_id: UUID, expected_jti: str, new_jti: str, now: datetime
    ) -> bool:
        c = self._sessions.c
        statement = (
            self._sessions.update()
            .where(
                c.id == session_id,
                c.refresh_jti == expected_jti,
                c.revoked_at.is_(None),
                c.expires_at > now,
            )
            .values(refresh_jti=new_jti, last_used_at=now)
        )
        with self._transaction() as connection:
            return connection.execute(statement).rowcount == 1

    def revoke_session(self, session_id: UUID, now: datetime) -> bool:
        c = self._sessions.c
        statement = (
            self._sessions.update()
            .where(c.id == session_id, c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        with self._transaction() as connection:
            return connection.execute(statement).rowcount == 1

    def revoke_user_sessions(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        c = self._sessions.c
        statement = (
            self._sessions.update()
            .where(c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now)
            .values(revoked_at=now)
        )
        if keep is not None:
            statement = statement.where(c.id != keep)
        with self._transaction() as connection:
            return connection.execute(statement).rowcount

    def list_sessions(self, user_id: UUID, now: datetime) -> Sequence[Session]:
        c = self._sessions.c
        statement = (
            sa.select(self._sessions)
            .where(c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now)
            .order_by(c.created_at.desc(), c.id.desc())
        )
        with self._transaction() as connection:
            return [_session(row) for row in connection.execute(statement)]

    def deny(self, jti: str, expires_at: datetime) -> None:
        c = self._denied.c
        insert = self._denied.insert().values(jti=jti, expires_at=expires_at)
        try:
            with storage_errors(unique=UniqueKeyTaken), self._engine.begin() as connection:
                connection.execute(insert)
        except UniqueKeyTaken:
            # Denied twice (a repeated logout): keep the later expiry.
            with self._transaction() as connection:
                connection.execute(
                    self._denied.update()
                    .where(c.jti == jti, c.expires_at < expires_at)
                    .values(expires_at=expires_at)
                )

    def is_denied(self, jti: str, now: datetime) -> bool:
        c = self._denied.c
        statement = sa.select(sa.literal(1)).where(c.jti == jti, c.expires_at > now)
        with self._transaction() as connection:
            return connection.execute(statement).first() is not None

    def check_access(self, jti: str, session_id: UUID, user_id: UUID, now: datetime) -> bool:
        parameters = {"jti": jti, "session_id": session_id, "user_id": user_id, "now": now}
        with storage_errors(), self._reader.connect() as connection:
            return (
                _statements(self._tables).access_check.execute(connection, parameters).first()
                is not None
            )

    def profile_if_access(
        self, jti: str, session_id: UUID, user_id: UUID, now: datetime
    ) -> tuple[User, Sequence[TeamSummary]] | None:
        """``AccessProfileReader``: the token check and the user's profile in ONE
        statement (the users and the sessions are both in the auth database)."""
        parameters = {"jti": jti, "session_id": session_id, "user_id": user_id, "now": now}
        with storage_errors(), self._reader.connect() as connection:
            statement = user_with_teams_statement(
                self._tables,
                postgresql=connection.dialect.name == "postgresql",
                where=_statements(self._tables).access_condition,
            )
            return user_with_teams(statement.execute(connection, parameters).all())

    def purge_expired(self, now: datetime) -> int:
        denied = self._denied.delete().where(self._denied.c.expires_at <= now)
        sessions = self._sessions.delete().where(self._sessions.c.expires_at <= now)
        with self._transaction() as connection:
            return int(connection.execute(denied).rowcount + connection.execute(sessions).rowcount)
