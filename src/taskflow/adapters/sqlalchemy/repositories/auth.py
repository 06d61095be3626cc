"""Accounts on SQL: users, login failures (the lockout counter), one-time tokens, email
change requests."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any, Final
from uuid import UUID

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.sql import ColumnElement

from taskflow.adapters.sqlalchemy.direct import DirectStatement, ResultRows
from taskflow.adapters.sqlalchemy.repositories.base import SqlRepository, SqlRow
from taskflow.adapters.sqlalchemy.repositories.teams import ROLES
from taskflow.adapters.sqlalchemy.tables import TableSet
from taskflow.domain.models import (
    EmailChange,
    LoginFailures,
    OneTimeToken,
    OneTimeTokenPurpose,
    TeamSummary,
    User,
)
from taskflow.errors import EmailAlreadyExists, HostUserAlreadyLinked

__all__ = [
    "SqlEmailChangeRepository",
    "SqlLoginFailureRepository",
    "SqlOneTimeTokenRepository",
    "SqlUserRepository",
    "user_with_teams",
    "user_with_teams_statement",
]


@frozen
class _Statements:
    """The statements of the hottest reads, built once per ``TableSet`` with named
    parameters and run on the direct lane (``direct.py``): building and hashing a new
    statement per call, and SQLAlchemy's per-execution machinery, each cost about as much
    as a small query's round trip."""

    user_by_id: DirectStatement
    users_by_ids: sa.Select[Any]
    users_by_id_array: DirectStatement
    """``users_by_ids`` on PostgreSQL: ``= ANY(array)`` has one parameter whatever the
    number of ids, so it is compiled once (an expanding IN is rendered per execution)."""


@cache
def _statements(tables: TableSet) -> _Statements:
    users = tables.users
    return _Statements(
        user_by_id=DirectStatement(sa.select(users).where(users.c.id == sa.bindparam("user_id"))),
        users_by_ids=sa.select(users).where(
            users.c.id.in_(sa.bindparam("user_ids", expanding=True))
        ),
        users_by_id_array=DirectStatement(
            sa.select(users).where(
                users.c.id == sa.any_(sa.bindparam("user_ids", type_=postgresql.ARRAY(sa.Uuid())))
            )
        ),
    )


_USER_WITH_TEAMS: Final[dict[tuple[TableSet, bool, int | None], DirectStatement]] = {}
"""By (tables, is PostgreSQL, id of the extra condition): see
``user_with_teams_statement``."""


def _user(row: SqlRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        name=row.name,
        email_verified=row.email_verified,
        created_at=row.created_at,
        updated_at=row.updated_at,
        external_id=row.external_id,
        deletion_due_at=row.deletion_due_at,
        erased_at=row.erased_at,
    )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "password_hash": user.password_hash,
        "name": user.name,
        "email_verified": user.email_verified,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "external_id": user.external_id,
        "deletion_due_at": user.deletion_due_at,
        "erased_at": user.erased_at,
    }


def user_with_teams_statement(
    tables: TableSet, *, postgresql: bool, where: ColumnElement[bool] | None = None
) -> DirectStatement:
    """users LEFT JOIN (memberships JOIN teams) for ``:user_id``: one row per team, or one
    row with NULL team columns for a user in no team (``user_with_teams`` reads them).
    ``where`` adds a condition (the token store's access check). Built once per dialect
    and condition (the team name sorts in code-point order on PostgreSQL, as in
    ``teams_of_user``)."""
    # By identity: ``where`` is a module constant, kept alive by the cached statement
    # (an SQL expression's ``==`` builds SQL, so it cannot be a dict key itself).
    key = (tables, postgresql, None if where is None else id(where))
    statement = _USER_WITH_TEAMS.get(key)
    if statement is None:
        users, members, teams = tables.users, tables.team_members, tables.teams
        name: ColumnElement[str] = teams.c.name
        if postgresql:
            name = name.collate("C")
        select = (
            sa.select(
                users,
                teams.c.id.label("team_id"),
                teams.c.name.label("team_name"),
                members.c.role,
            )
            .select_from(
                users.outerjoin(
                    members.join(teams, teams.c.id == members.c.team_id),
                    members.c.user_id == users.c.id,
                )
            )
            .where(users.c.id == sa.bindparam("user_id"))
            .order_by(name, teams.c.id)
        )
        if where is not None:
            select = select.where(where)
        statement = _USER_WITH_TEAMS[key] = DirectStatement(select)
    return statement


def user_with_teams(rows: Sequence[SqlRow]) -> tuple[User, Sequence[TeamSummary]] | None:
    """The user and their teams from the rows of ``user_with_teams_statement``."""
    if not rows:
        return None
    teams = [
        TeamSummary(id=row.team_id, name=row.team_name, role=ROLES[row.role])
        for row in rows
        if row.team_id is not None
    ]
    return _user(rows[0]), teams


class SqlUserRepository(SqlRepository):
    _table = "users"

    def add(self, user: User) -> None:
        with self._taken(user), self._unique(EmailAlreadyExists) as savepoint:
            savepoint.execute(self._t.insert().values(_user_values(user)))

    @contextmanager
    def _taken(self, user: User) -> Iterator[None]:
        """Tell which unique key a write of ``user`` ran into: the email or the host id."""
        try:
            yield
        except EmailAlreadyExists:
            if user.external_id is not None:
                holder = self.get_by_external_id(user.external_id)
                if holder is not None and holder.id != user.id:
                    raise HostUserAlreadyLinked() from None
            raise

    def get_by_external_id(self, external_id: str) -> User | None:
        statement = sa.select(self._t).where(self._t.c.external_id == external_id)
        row = self._execute(statement).first()
        return _user(row) if row else None

    def get(self, user_id: UUID) -> User | None:
        row = self._direct(_statements(self._tables).user_by_id, {"user_id": user_id}).first()
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        row = self._execute(sa.select(self._t).where(self._t.c.email == email)).first()
        return _user(row) if row else None

    def get_many(self, user_ids: Collection[UUID]) -> dict[UUID, User]:
        wanted = set(user_ids)
        if not wanted:
            return {}
        rows: ResultRows
        if self._is_postgresql():
            rows = self._direct(
                _statements(self._tables).users_by_id_array, {"user_ids": list(wanted)}
            )
        else:
            rows = self._execute(_statements(self._tables).users_by_ids, {"user_ids": list(wanted)})
        return {row.id: _user(row) for row in rows}

    def get_with_teams(self, user_id: UUID) -> tuple[User, Sequence[TeamSummary]] | None:
        statement = user_with_teams_statement(self._tables, postgresql=self._is_postgresql())
        return user_with_teams(self._direct(statement, {"user_id": user_id}).all())

    def update(self, user: User) -> None:
        values = _user_values(user)
        del values["id"]
        with self._taken(user), self._unique(EmailAlreadyExists) as savepoint:
            savepoint.execute(self._t.update().where(self._t.c.id == user.id).values(values))

    def set_name(self, user_id: UUID, name: str, now: datetime) -> None:
        self._execute(
            self._t.update().where(self._t.c.id == user_id).values(name=name, updated_at=now)
        )

    def set_password_hash(
        self, user_id: UUID, password_hash: str, now: datetime, *, expected: str | None
    ) -> bool:
        statement = self._t.update().where(self._t.c.id == user_id, self._t.c.erased_at.is_(None))
        if expected is not None:
            statement = statement.where(self._t.c.password_hash == expected)
        values = {"password_hash": password_hash, "updated_at": now}
        return self._rowcount(statement.values(values)) == 1

    def mark_verified(self, user_id: UUID, email: str, now: datetime) -> None:
        self._execute(
            self._t.update()
            .where(
                self._t.c.id == user_id,
                self._t.c.email == email,
                self._t.c.email_verified == sa.false(),
            )
            .values(email_verified=True, updated_at=now)
        )

    def change_email(
        self, user_id: UUID, new_email: str, now: datetime, *, expected: str | None
    ) -> bool:
        statement = self._t.update().where(self._t.c.id == user_id)
        if expected is not None:
            statement = statement.where(self._t.c.email == expected)
        statement = statement.values(email=new_email, email_verified=True, updated_at=now)
        # The unique key decides a race for one address: the loser's savepoint rolls back.
        with self._unique(EmailAlreadyExists) as savepoint:
            return savepoint.execute(statement).rowcount == 1

    def set_deletion_due(self, user_id: UUID, due_at: datetime | None, now: datetime) -> bool:
        statement = self._t.update().where(self._t.c.id == user_id, self._t.c.erased_at.is_(None))
        if due_at is None:
            statement = statement.where(self._t.c.deletion_due_at.is_not(None))
        values = {"deletion_due_at": due_at, "updated_at": now}
        return self._rowcount(statement.values(values)) == 1

    def due_for_erasure(self, now: datetime, limit: int) -> Sequence[UUID]:
        statement = (
            sa.select(self._t.c.id)
            .where(self._t.c.deletion_due_at <= now)
            .order_by(self._t.c.deletion_due_at, self._t.c.id)
            .limit(limit)
        )
        return [row.id for row in self._execute(statement)]

    def erase(self, user: User, now: datetime) -> bool:
        values = _user_values(user)
        del values["id"]
        statement = (
            self._t.update()
            .where(self._t.c.id == user.id, self._t.c.deletion_due_at <= now)
            .values(values)
        )
        return self._rowcount(statement) == 1


def _failures(row: SqlRow) -> LoginFailures:
    return LoginFailures(
        subject=row.subject,
        count=row._mapping["count"],  # `row.count` is tuple.count
        last_failed_at=row.last_failed_at,
        locked_until=row.locked_until,
    )


class SqlLoginFailureRepository(SqlRepository):
    _table = "login_failures"

    def get(self, subject: str) -> LoginFailures | None:
        row = self._execute(sa.select(self._t).where(self._t.c.subject == subject)).first()
        return _failures(row) if row else None

    def count_attempt(self, subject: str, now: datetime) -> LoginFailures:
        # ONE statement, an upsert: the first attempt inserts, the others add one to the
        # row (unless it is locked), each waiting for the row lock of the one before. No
        # read-then-write race, and no savepoint a burst of first attempts could trip on.
        self._execute(_count_attempt(self._t, self._connection().dialect.name, subject, now))
        state = self.get(subject)
        assert state is not None  # noqa: S101 - written just above, in this transaction
        return state

    def lock(self, subject: str, until: datetime) -> None:
        locked = (
            self._t.update().where(self._t.c.subject == subject).values(count=0, locked_until=until)
        )
        if self._rowcount(locked) == 0:
            self._execute(
                self._t.insert().values(
                    subject=subject, count=0, last_failed_at=until, locked_until=until
                )
            )

    def clear(self, subject: str) -> None:
        self._execute(self._t.delete().where(self._t.c.subject == subject))

    def purge_stale(self, before: datetime) -> int:
        lock_over = sa.or_(self._t.c.locked_until.is_(None), self._t.c.locked_until < before)
        return self._rowcount(self._t.delete().where(self._t.c.last_failed_at < before, lock_over))


def _count_attempt(table: sa.Table, dialect: str, subject: str, now: datetime) -> sa.Executable:
    """``INSERT (subject, 1, now)``, or on its key: one more attempt, unless locked."""
    locked = sa.and_(table.c.locked_until.is_not(None), table.c.locked_until > now)
    counted = {
        "count": sa.case((locked, table.c.count), else_=table.c.count + 1),
        "last_failed_at": sa.case((locked, table.c.last_failed_at), else_=now),
    }
    values = {"subject": subject, "count": 1, "last_failed_at": now}
    if dialect in ("mysql", "mariadb"):
        return mysql.insert(table).values(values).on_duplicate_key_update(counted)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(values)
        .on_conflict_do_update(index_elements=[table.c.subject], set_=counted)
    )


def _one_time_token(row: SqlRow) -> OneTimeToken:
    return OneTimeToken(
        id=row.id,
        user_id=row.user_id,
        purpose=OneTimeTokenPurpose(row.purpose),
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class SqlOneTimeTokenRepository(SqlRepository):
    _table = "one_time_tokens"

    def add(self, token: OneTimeToken) -> None:
        self._execute(
            self._t.insert().values(
                id=token.id,
                user_id=token.user_id,
                purpose=token.purpose.value,
                token_hash=token.token_hash,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    def get_by_hash(self, token_hash: str) -> OneTimeToken | None:
        statement = sa.select(self._t).where(self._t.c.token_hash == token_hash)
        row = self._execute(statement).first()
        return _one_time_token(row) if row else None

    def use(self, token_id: UUID, now: datetime) -> bool:
        statement = (
            self._t.update()
            .where(
                self._t.c.id == token_id,
                self._t.c.used_at.is_(None),
                self._t.c.expires_at > now,
            )
            .values(used_at=now)
        )
        return self._rowcount(statement) == 1

    def invalidate(self, user_id: UUID, purpose: OneTimeTokenPurpose, now: datetime) -> None:
        self._execute(
            self._t.update()
            .where(
                self._t.c.user_id == user_id,
                self._t.c.purpose == purpose.value,
                self._t.c.used_at.is_(None),
            )
            .values(used_at=now)
        )

    def delete_for_user(self, user_id: UUID) -> int:
        return self._rowcount(self._t.delete().where(self._t.c.user_id == user_id))


def _email_change(row: SqlRow) -> EmailChange:
    return EmailChange(
        id=row.id,
        user_id=row.user_id,
        old_email=row.old_email,
        new_email=row.new_email,
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        session_id=row.session_id,
        confirmed_at=row.confirmed_at,
        cancelled_at=row.cancelled_at,
        undo_token_hash=row.undo_token_hash,
        undo_expires_at=row.undo_expires_at,
        undone_at=row.undone_at,
    )


class SqlEmailChangeRepository(SqlRepository):
    _table = "email_changes"

    def add(self, change: EmailChange) -> None:
        self._execute(
            self._t.insert().values(
                id=change.id,
                user_id=change.user_id,
                old_email=change.old_email,
                new_email=change.new_email,
                token_hash=change.token_hash,
                created_at=change.created_at,
                expires_at=change.expires_at,
                session_id=change.session_id,
                confirmed_at=change.confirmed_at,
                cancelled_at=change.cancelled_at,
                undo_token_hash=change.undo_token_hash,
                undo_expires_at=change.undo_expires_at,
                undone_at=change.undone_at,
            )
        )

    def get_by_token_hash(self, token_hash: str) -> EmailChange | None:
        row = self._execute(sa.select(self._t).where(self._t.c.token_hash == token_hash)).first()
        return _email_change(row) if row else None

    def get_by_undo_token_hash(self, undo_token_hash: str) -> EmailChange | None:
        statement = sa.select(self._t).where(self._t.c.undo_token_hash == undo_token_hash)
        row = self._execute(statement).first()
        return _email_change(row) if row else None

    def cancel_pending(self, user_id: UUID, now: datetime) -> int:
        statement = (
            self._t.update()
            .where(
                self._t.c.user_id == user_id,
                self._t.c.confirmed_at.is_(None),
                self._t.c.cancelled_at.is_(None),
            )
            .values(cancelled_at=now)
        )
        return self._rowcount(statement)

    def confirm(
        self, change_id: UUID, undo_token_hash: str, undo_expires_at: datetime, now: datetime
    ) -> bool:
        statement = (
            self._t.update()
            .where(
                self._t.c.id == change_id,
                self._t.c.confirmed_at.is_(None),
                self._t.c.cancelled_at.is_(None),
                self._t.c.expires_at > now,
            )
            .values(
                confirmed_at=now, undo_token_hash=undo_token_hash, undo_expires_at=undo_expires_at
            )
        )
        return self._rowcount(statement) == 1

    def undo(self, change_id: UUID, now: datetime) -> bool:
        statement = (
            self._t.update()
            .where(
                self._t.c.id == change_id,
                self._t.c.confirmed_at.is_not(None),
                self._t.c.undone_at.is_(None),
                self._t.c.undo_expires_at > now,
            )
            .values(undone_at=now)
        )
        return self._rowcount(statement) == 1

    def delete_for_user(self, user_id: UUID) -> int:
        return self._rowcount(self._t.delete().where(self._t.c.user_id == user_id))
