"""The SQL token store: sessions (refresh-token families) and the access-token denylist,
in the auth database. Each method is its own short transaction (the port says so)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from taskflow.adapters.sqlalchemy import tables as t
from taskflow.adapters.sqlalchemy.direct import DirectStatement
from taskflow.adapters.sqlalchemy.engine import READ_ONLY_OPTION
from taskflow.adapters.sqlalchemy.errors import UniqueKeyTaken, storage_errors
from taskflow.adapters.sqlalchemy.repositories.auth import (
    user_with_teams,
    user_with_teams_statement,
)
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


_DENIED: Final = t.revoked_tokens.c
_SESSION: Final = t.sessions.c
_ACCESS_CONDITION: Final = sa.and_(
    sa.exists().where(
        _SESSION.id == sa.bindparam("session_id"),
        _SESSION.user_id == sa.bindparam("user_id"),
        _SESSION.revoked_at.is_(None),
        _SESSION.expires_at > sa.bindparam("now"),
    ),
    ~sa.exists().where(
        _DENIED.jti == sa.bindparam("jti"), _DENIED.expires_at > sa.bindparam("now")
    ),
)
"""What ``check_access`` checks: the session lives and is the user's, and the jti is not
denied. ONE condition for both statements below, so they cannot drift apart."""

_ACCESS_CHECK: Final = DirectStatement(sa.select(sa.literal(1)).where(_ACCESS_CONDITION))
"""``check_access`` in one statement, built once and run on the direct lane
(``direct.py``): it runs on every authenticated request. ``profile_if_access`` puts the
same condition on the user's profile query."""


class SqlTokenStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
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
                t.sessions.insert().values(
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
            statement = sa.select(t.sessions).where(t.sessions.c.id == session_id)
            row = connection.execute(statement).first()
        return _session(row) if row else None

    def rotate_session(
        self, session_id: UUID, expected_jti: str, new_jti: str, now: datetime
    ) -> bool:
        c = t.sessions.c
        statement = (
            t.sessions.update()
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
        c = t.sessions.c
        statement = (
            t.sessions.update()
            .where(c.id == session_id, c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        with self._transaction() as connection:
            return connection.execute(statement).rowcount == 1

    def revoke_user_sessions(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        c = t.sessions.c
        statement = (
            t.sessions.update()
            .where(c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now)
            .values(revoked_at=now)
        )
        if keep is not None:
            statement = statement.where(c.id != keep)
        with self._transaction() as connection:
            return connection.execute(statement).rowcount

    def list_sessions(self, user_id: UUID, now: datetime) -> Sequence[Session]:
        c = t.sessions.c
        statement = (
            sa.select(t.sessions)
            .where(c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now)
            .order_by(c.created_at.desc(), c.id.desc())
        )
        with self._transaction() as connection:
            return [_session(row) for row in connection.execute(statement)]

    def deny(self, jti: str, expires_at: datetime) -> None:
        c = t.revoked_tokens.c
        insert = t.revoked_tokens.insert().values(jti=jti, expires_at=expires_at)
        try:
            with storage_errors(unique=UniqueKeyTaken), self._engine.begin() as connection:
                connection.execute(insert)
        except UniqueKeyTaken:
            # Denied twice (a repeated logout): keep the later expiry.
            with self._transaction() as connection:
                connection.execute(
                    t.revoked_tokens.update()
                    .where(c.jti == jti, c.expires_at < expires_at)
                    .values(expires_at=expires_at)
                )

    def is_denied(self, jti: str, now: datetime) -> bool:
        c = t.revoked_tokens.c
        statement = sa.select(sa.literal(1)).where(c.jti == jti, c.expires_at > now)
        with self._transaction() as connection:
            return connection.execute(statement).first() is not None

    def check_access(self, jti: str, session_id: UUID, user_id: UUID, now: datetime) -> bool:
        parameters = {"jti": jti, "session_id": session_id, "user_id": user_id, "now": now}
        with storage_errors(), self._reader.connect() as connection:
            return _ACCESS_CHECK.execute(connection, parameters).first() is not None

    def profile_if_access(
        self, jti: str, session_id: UUID, user_id: UUID, now: datetime
    ) -> tuple[User, Sequence[TeamSummary]] | None:
        """``AccessProfileReader``: the token check and the user's profile in ONE
        statement (the users and the sessions are both in the auth database)."""
        parameters = {"jti": jti, "session_id": session_id, "user_id": user_id, "now": now}
        with storage_errors(), self._reader.connect() as connection:
            statement = user_with_teams_statement(
                postgresql=connection.dialect.name == "postgresql", where=_ACCESS_CONDITION
            )
            return user_with_teams(statement.execute(connection, parameters).all())

    def purge_expired(self, now: datetime) -> int:
        denied = t.revoked_tokens.delete().where(t.revoked_tokens.c.expires_at <= now)
        sessions = t.sessions.delete().where(t.sessions.c.expires_at <= now)
        with self._transaction() as connection:
            return int(connection.execute(denied).rowcount + connection.execute(sessions).rowcount)
