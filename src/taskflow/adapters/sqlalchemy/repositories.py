"""SQLAlchemy Core repositories: one class per repository port.

Each repository runs its statements on the connection its unit of work gives it (auth or
task side) and never commits. Conditional writes are single ``UPDATE ... WHERE``
statements whose row count answers whether they took effect. Every statement goes
through ``_Repository._execute``, which translates driver errors (``errors.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Final, cast
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import ColumnElement, Executable

from taskflow.adapters.sqlalchemy import tables as t
from taskflow.adapters.sqlalchemy.direct import DirectStatement, ResultRows
from taskflow.adapters.sqlalchemy.errors import is_unique_violation, translate
from taskflow.domain.models import (
    ActivityKind,
    Comment,
    Invite,
    LoginFailures,
    Membership,
    OneTimeToken,
    OneTimeTokenPurpose,
    Priority,
    Role,
    Task,
    TaskActivity,
    TaskStatus,
    Team,
    TeamSummary,
    User,
)
from taskflow.domain.queries import Slice, SortValue, TaskQuery, TaskSort, TimeKey
from taskflow.errors import (
    AlreadyTeamMember,
    Conflict,
    EmailAlreadyExists,
    TaskflowError,
    VersionConflict,
)

__all__ = [
    "SqlActivityRepository",
    "SqlCommentRepository",
    "SqlInviteRepository",
    "SqlLoginFailureRepository",
    "SqlMembershipRepository",
    "SqlOneTimeTokenRepository",
    "SqlTaskRepository",
    "SqlTeamRepository",
    "SqlUserRepository",
    "task_list_statement",
    "user_with_teams",
    "user_with_teams_statement",
]

ConnectionSource = Callable[[], Connection]

SqlRow = Any
"""A result row: SQLAlchemy's ``Row`` or the direct lane's named tuple (both tuples with
the columns as attributes)."""

# The statements of the hottest reads and writes (every call checks the team and the
# membership), built once with named parameters and run on the direct lane
# (``direct.py``): building and hashing a new statement per call, and SQLAlchemy's
# per-execution machinery, each cost about as much as a small query's round trip.
_USER_BY_ID: Final = DirectStatement(
    sa.select(t.users).where(t.users.c.id == sa.bindparam("user_id"))
)
_USERS_BY_IDS: Final = sa.select(t.users).where(
    t.users.c.id.in_(sa.bindparam("user_ids", expanding=True))
)
_USERS_BY_ID_ARRAY: Final = DirectStatement(
    sa.select(t.users).where(
        t.users.c.id == sa.any_(sa.bindparam("user_ids", type_=postgresql.ARRAY(sa.Uuid())))
    )
)
"""``_USERS_BY_IDS`` on PostgreSQL: ``= ANY(array)`` has one parameter whatever the
number of ids, so it is compiled once (an expanding IN is rendered per execution)."""
_TEAM_BY_ID: Final = DirectStatement(
    sa.select(t.teams).where(t.teams.c.id == sa.bindparam("team_id"))
)
_MEMBERSHIP: Final = DirectStatement(
    sa.select(t.team_members).where(
        t.team_members.c.team_id == sa.bindparam("team_id"),
        t.team_members.c.user_id == sa.bindparam("user_id"),
    )
)
_TEAM_WITH_MEMBERSHIP: Final = DirectStatement(
    sa.select(
        t.teams,
        t.team_members.c.id.label("membership_id"),
        t.team_members.c.role,
        t.team_members.c.joined_at,
    )
    .select_from(
        t.teams.outerjoin(
            t.team_members,
            sa.and_(
                t.team_members.c.team_id == t.teams.c.id,
                t.team_members.c.user_id == sa.bindparam("user_id"),
            ),
        )
    )
    .where(t.teams.c.id == sa.bindparam("team_id"))
)
_USER_WITH_TEAMS: Final[dict[tuple[bool, int | None], DirectStatement]] = {}
"""By (is PostgreSQL, id of the extra condition): see ``user_with_teams_statement``."""
_ROLE: Final = {r.value: r for r in Role}
_ANY_TASK_BY_ID: Final = sa.select(t.tasks).where(t.tasks.c.id == sa.bindparam("task_id"))
# Task rows are read by position (``_task``): plain tuples, no named tuple per row.
_TASK_BY_ID: Final = DirectStatement(_ANY_TASK_BY_ID, named=False)
_LIVE_TASK_BY_ID: Final = DirectStatement(
    _ANY_TASK_BY_ID.where(t.tasks.c.deleted_at.is_(None)), named=False
)
_INSERT_TASK: Final = DirectStatement(t.tasks.insert())
_UPDATE_TASK: Final = DirectStatement(
    t.tasks.update().where(
        t.tasks.c.id == sa.bindparam("task_id"),
        t.tasks.c.version == sa.bindparam("expected_version"),
    )
)
_INSERT_ACTIVITY: Final = DirectStatement(t.task_activity.insert())
"""Gives the connection (inside the unit's open transaction) a repository runs on."""


class _Repository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def _execute(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> CursorResult[Any]:
        try:
            return self._connection().execute(statement, parameters)
        except exc.SQLAlchemyError as error:
            translated = translate(error)
            if translated is None:
                raise
            raise translated from error

    def _direct(self, statement: DirectStatement, parameters: dict[str, Any]) -> ResultRows:
        """Run a prebuilt statement (on the direct lane where it can take it)."""
        try:
            return statement.execute(self._connection(), parameters)
        except exc.SQLAlchemyError as error:
            translated = translate(error)
            if translated is None:
                raise
            raise translated from error

    def _rowcount(self, statement: Executable, parameters: dict[str, Any] | None = None) -> int:
        return self._execute(statement, parameters).rowcount

    @contextmanager
    def _unique(self, error: Callable[[], TaskflowError]) -> Iterator[None]:
        """Run an insert that may violate a unique key inside a SAVEPOINT, so that the
        violation becomes ``error()`` and the unit's transaction stays usable."""
        connection = self._connection()
        try:
            with connection.begin_nested():
                yield
        except exc.IntegrityError as integrity:
            if is_unique_violation(integrity):
                raise error() from integrity
            raise Conflict() from integrity
        except exc.SQLAlchemyError as other:
            translated = translate(other)
            if translated is None:
                raise
            raise translated from other

    def _is_postgresql(self) -> bool:
        return self._connection().dialect.name == "postgresql"


# --- users, login failures, one-time tokens ------------------------------------------


def _user(row: SqlRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        name=row.name,
        email_verified=row.email_verified,
        created_at=row.created_at,
        updated_at=row.updated_at,
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
    }


def user_with_teams_statement(
    *, postgresql: bool, where: ColumnElement[bool] | None = None
) -> DirectStatement:
    """users LEFT JOIN (memberships JOIN teams) for ``:user_id``: one row per team, or one
    row with NULL team columns for a user in no team (``user_with_teams`` reads them).
    ``where`` adds a condition (the token store's access check). Built once per dialect
    and condition (the team name sorts in code-point order on PostgreSQL, as in
    ``teams_of_user``)."""
    # By identity: ``where`` is a module constant, kept alive by the cached statement
    # (an SQL expression's ``==`` builds SQL, so it cannot be a dict key itself).
    key = (postgresql, None if where is None else id(where))
    statement = _USER_WITH_TEAMS.get(key)
    if statement is None:
        members, teams = t.team_members, t.teams
        name: ColumnElement[str] = teams.c.name
        if postgresql:
            name = name.collate("C")
        select = (
            sa.select(
                t.users,
                teams.c.id.label("team_id"),
                teams.c.name.label("team_name"),
                members.c.role,
            )
            .select_from(
                t.users.outerjoin(
                    members.join(teams, teams.c.id == members.c.team_id),
                    members.c.user_id == t.users.c.id,
                )
            )
            .where(t.users.c.id == sa.bindparam("user_id"))
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
        TeamSummary(id=row.team_id, name=row.team_name, role=_ROLE[row.role])
        for row in rows
        if row.team_id is not None
    ]
    return _user(rows[0]), teams


class SqlUserRepository(_Repository):
    def add(self, user: User) -> None:
        with self._unique(EmailAlreadyExists):
            self._connection().execute(t.users.insert().values(_user_values(user)))

    def get(self, user_id: UUID) -> User | None:
        row = self._direct(_USER_BY_ID, {"user_id": user_id}).first()
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        row = self._execute(sa.select(t.users).where(t.users.c.email == email)).first()
        return _user(row) if row else None

    def get_many(self, user_ids: Collection[UUID]) -> dict[UUID, User]:
        wanted = set(user_ids)
        if not wanted:
            return {}
        rows: ResultRows
        if self._is_postgresql():
            rows = self._direct(_USERS_BY_ID_ARRAY, {"user_ids": list(wanted)})
        else:
            rows = self._execute(_USERS_BY_IDS, {"user_ids": list(wanted)})
        return {row.id: _user(row) for row in rows}

    def get_with_teams(self, user_id: UUID) -> tuple[User, Sequence[TeamSummary]] | None:
        statement = user_with_teams_statement(postgresql=self._is_postgresql())
        return user_with_teams(self._direct(statement, {"user_id": user_id}).all())

    def update(self, user: User) -> None:
        values = _user_values(user)
        del values["id"]
        with self._unique(EmailAlreadyExists):
            self._connection().execute(
                t.users.update().where(t.users.c.id == user.id).values(values)
            )


def _failures(row: SqlRow) -> LoginFailures:
    return LoginFailures(
        user_id=row.user_id,
        count=row._mapping["count"],  # `row.count` is tuple.count
        last_failed_at=row.last_failed_at,
        locked_until=row.locked_until,
    )


class SqlLoginFailureRepository(_Repository):
    _t = t.login_failures

    def get(self, user_id: UUID) -> LoginFailures | None:
        row = self._execute(sa.select(self._t).where(self._t.c.user_id == user_id)).first()
        return _failures(row) if row else None

    def record_failure(self, user_id: UUID, now: datetime) -> LoginFailures:
        increment = (
            self._t.update()
            .where(self._t.c.user_id == user_id)
            .values(count=self._t.c.count + 1, last_failed_at=now)
        )
        if self._rowcount(increment) == 0:
            try:
                # First failure: insert. A concurrent first failure may win the insert;
                # then this one becomes an increment of its row.
                with self._unique(Conflict):
                    self._connection().execute(
                        self._t.insert().values(user_id=user_id, count=1, last_failed_at=now)
                    )
            except Conflict:
                self._execute(increment)
        state = self.get(user_id)
        assert state is not None  # noqa: S101 - written just above, in this transaction
        return state

    def lock(self, user_id: UUID, until: datetime) -> None:
        locked = (
            self._t.update().where(self._t.c.user_id == user_id).values(count=0, locked_until=until)
        )
        if self._rowcount(locked) == 0:
            self._execute(
                self._t.insert().values(
                    user_id=user_id, count=0, last_failed_at=until, locked_until=until
                )
            )

    def clear(self, user_id: UUID) -> None:
        self._execute(self._t.delete().where(self._t.c.user_id == user_id))


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


class SqlOneTimeTokenRepository(_Repository):
    _t = t.one_time_tokens

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


# --- teams, memberships, invites -------------------------------------------------------


def _team(row: SqlRow) -> Team:
    return Team(id=row.id, name=row.name, owner_id=row.owner_id, created_at=row.created_at)


class SqlTeamRepository(_Repository):
    def add(self, team: Team) -> None:
        self._execute(
            t.teams.insert().values(
                id=team.id, name=team.name, owner_id=team.owner_id, created_at=team.created_at
            )
        )

    def get(self, team_id: UUID) -> Team | None:
        row = self._direct(_TEAM_BY_ID, {"team_id": team_id}).first()
        return _team(row) if row else None

    def get_with_membership(
        self, team_id: UUID, user_id: UUID
    ) -> tuple[Team, Membership | None] | None:
        parameters = {"team_id": team_id, "user_id": user_id}
        row = self._direct(_TEAM_WITH_MEMBERSHIP, parameters).first()
        if row is None:
            return None
        membership = None
        if row.membership_id is not None:
            membership = Membership(
                id=row.membership_id,
                team_id=row.id,
                user_id=user_id,
                role=_ROLE[row.role],
                joined_at=row.joined_at,
            )
        return _team(row), membership

    def update(self, team: Team) -> None:
        self._execute(
            t.teams.update()
            .where(t.teams.c.id == team.id)
            .values(name=team.name, owner_id=team.owner_id, created_at=team.created_at)
        )

    def rename(self, team_id: UUID, name: str) -> None:
        self._execute(t.teams.update().where(t.teams.c.id == team_id).values(name=name))

    def set_owner(self, team_id: UUID, expected_owner_id: UUID, new_owner_id: UUID) -> bool:
        statement = (
            t.teams.update()
            .where(t.teams.c.id == team_id, t.teams.c.owner_id == expected_owner_id)
            .values(owner_id=new_owner_id)
        )
        return self._rowcount(statement) == 1

    def delete(self, team_id: UUID) -> None:
        # Explicit, in dependency order, rather than trusting ON DELETE CASCADE alone.
        self._execute(t.invites.delete().where(t.invites.c.team_id == team_id))
        self._execute(t.team_members.delete().where(t.team_members.c.team_id == team_id))
        self._execute(t.teams.delete().where(t.teams.c.id == team_id))


def _membership(row: SqlRow) -> Membership:
    return Membership(
        id=row.id,
        team_id=row.team_id,
        user_id=row.user_id,
        role=Role(row.role),
        joined_at=row.joined_at,
    )


class SqlMembershipRepository(_Repository):
    _t = t.team_members

    def add(self, membership: Membership) -> None:
        with self._unique(AlreadyTeamMember):
            self._connection().execute(
                self._t.insert().values(
                    id=membership.id,
                    team_id=membership.team_id,
                    user_id=membership.user_id,
                    role=membership.role.value,
                    joined_at=membership.joined_at,
                )
            )

    def get(self, team_id: UUID, user_id: UUID) -> Membership | None:
        row = self._direct(_MEMBERSHIP, {"team_id": team_id, "user_id": user_id}).first()
        return _membership(row) if row else None

    def list_for_team(self, team_id: UUID) -> Sequence[Membership]:
        statement = (
            sa.select(self._t)
            .where(self._t.c.team_id == team_id)
            .order_by(self._t.c.joined_at, self._t.c.id)
        )
        return [_membership(row) for row in self._execute(statement)]

    def teams_of_user(self, user_id: UUID) -> Sequence[TeamSummary]:
        name: ColumnElement[str] = t.teams.c.name
        if self._is_postgresql():
            name = name.collate("C")  # code-point order, as Python and the other backends
        statement = (
            sa.select(t.teams.c.id, t.teams.c.name, self._t.c.role)
            .join(self._t, self._t.c.team_id == t.teams.c.id)
            .where(self._t.c.user_id == user_id)
            .order_by(name, t.teams.c.id)
        )
        return [
            TeamSummary(id=row.id, name=row.name, role=Role(row.role))
            for row in self._execute(statement)
        ]

    def team_ids_of_user(self, user_id: UUID) -> Sequence[UUID]:
        statement = sa.select(self._t.c.team_id).where(self._t.c.user_id == user_id)
        return list(self._execute(statement).scalars())

    def set_role(self, team_id: UUID, user_id: UUID, role: Role) -> None:
        self._execute(
            self._t.update()
            .where(self._t.c.team_id == team_id, self._t.c.user_id == user_id)
            .values(role=role.value)
        )

    def remove(self, team_id: UUID, user_id: UUID) -> bool:
        statement = self._t.delete().where(
            self._t.c.team_id == team_id, self._t.c.user_id == user_id
        )
        return self._rowcount(statement) > 0


def _invite(row: SqlRow) -> Invite:
    return Invite(
        id=row.id,
        team_id=row.team_id,
        email=row.email,
        role=Role(row.role),
        token_hash=row.token_hash,
        expires_at=row.expires_at,
        created_by=row.created_by,
        created_at=row.created_at,
        accepted_at=row.accepted_at,
        accepted_by=row.accepted_by,
        revoked_at=row.revoked_at,
    )


class SqlInviteRepository(_Repository):
    _t = t.invites

    def _pending(self, invite_id: UUID) -> ColumnElement[bool]:
        return sa.and_(
            self._t.c.id == invite_id,
            self._t.c.accepted_at.is_(None),
            self._t.c.revoked_at.is_(None),
        )

    def add(self, invite: Invite) -> None:
        self._execute(
            self._t.insert().values(
                id=invite.id,
                team_id=invite.team_id,
                email=invite.email,
                role=invite.role.value,
                token_hash=invite.token_hash,
                expires_at=invite.expires_at,
                created_by=invite.created_by,
                created_at=invite.created_at,
                accepted_at=invite.accepted_at,
                accepted_by=invite.accepted_by,
                revoked_at=invite.revoked_at,
            )
        )

    def get(self, invite_id: UUID) -> Invite | None:
        row = self._execute(sa.select(self._t).where(self._t.c.id == invite_id)).first()
        return _invite(row) if row else None

    def get_by_token_hash(self, token_hash: str) -> Invite | None:
        statement = sa.select(self._t).where(self._t.c.token_hash == token_hash)
        row = self._execute(statement).first()
        return _invite(row) if row else None

    def list_pending(self, team_id: UUID, now: datetime) -> Sequence[Invite]:
        statement = (
            sa.select(self._t)
            .where(
                self._t.c.team_id == team_id,
                self._t.c.accepted_at.is_(None),
                self._t.c.revoked_at.is_(None),
                self._t.c.expires_at > now,
            )
            .order_by(self._t.c.created_at.desc(), self._t.c.id.desc())
        )
        return [_invite(row) for row in self._execute(statement)]

    def accept(self, invite_id: UUID, user_id: UUID, now: datetime) -> bool:
        statement = (
            self._t.update()
            .where(self._pending(invite_id), self._t.c.expires_at > now)
            .values(accepted_at=now, accepted_by=user_id)
        )
        return self._rowcount(statement) == 1

    def revoke(self, invite_id: UUID, now: datetime) -> bool:
        statement = self._t.update().where(self._pending(invite_id)).values(revoked_at=now)
        return self._rowcount(statement) == 1

    def replace_token(self, invite_id: UUID, token_hash: str, expires_at: datetime) -> bool:
        statement = (
            self._t.update()
            .where(self._pending(invite_id))
            .values(token_hash=token_hash, expires_at=expires_at)
        )
        return self._rowcount(statement) == 1


# --- tasks, comments, activity -----------------------------------------------------------


def _task(row: SqlRow) -> Task:
    # Positional: ``select(tasks)`` returns the table's columns in the order of the
    # ``Task`` fields (the hot path of every list; attribute access by name is slower).
    (
        id_,
        team_id,
        title,
        description,
        status,
        priority,
        assignee_id,
        created_by,
        due_date,
        completed_at,
        created_at,
        updated_at,
        version,
        deleted_at,
        idempotency_key,
    ) = cast("tuple[Any, ...]", row)
    return Task(
        id_,
        team_id,
        title,
        description,
        _STATUS[status],
        _PRIORITY[priority],
        assignee_id,
        created_by,
        due_date,
        completed_at,
        created_at,
        updated_at,
        version,
        deleted_at,
        idempotency_key,
    )


_STATUS: Final = {s.value: s for s in TaskStatus}
_PRIORITY: Final = {p.value: p for p in Priority}


def _task_values(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "team_id": task.team_id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee_id": task.assignee_id,
        "created_by": task.created_by,
        "due_date": task.due_date,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
        "deleted_at": task.deleted_at,
        "idempotency_key": task.idempotency_key,
    }


_NO_DUE_DATE: Final = date.max  # with the "is null" key first, NULL sorts as largest

_PRIORITY_RANK: Final = sa.case(
    {p.value: p.rank for p in Priority}, value=t.tasks.c.priority, else_=-1
)


def _sort_keys(sort: TaskSort) -> list[ColumnElement[Any]]:
    """The ORDER BY keys of a task list, the task id last (see ``TaskSort``)."""
    c = t.tasks.c
    if sort is TaskSort.CREATED_AT:
        return [c.created_at, c.id]
    if sort is TaskSort.UPDATED_AT:
        return [c.updated_at, c.id]
    if sort is TaskSort.DUE_DATE:
        no_due_date = sa.case((c.due_date.is_(None), 1), else_=0)
        due = sa.func.coalesce(c.due_date, sa.literal(_NO_DUE_DATE, sa.Date()))
        return [no_due_date, due, c.id]
    return [_PRIORITY_RANK, c.id]


def _key_values(sort: TaskSort, value: SortValue, task_id: UUID) -> list[Any]:
    if sort is TaskSort.DUE_DATE:
        return [1 if value is None else 0, _NO_DUE_DATE if value is None else value, task_id]
    return [value, task_id]


_TaskListShape = tuple[Any, ...]
"""Which filters a ``TaskQuery`` uses (not their values), its order, whether it has a
keyset position, the keyset form: everything that decides the SQL text. One statement
is built per shape, once, with named parameters; each call only computes the values
(building and hashing a new statement per call costs more than the query itself)."""


def _list_shape(query: TaskQuery) -> _TaskListShape:
    return (
        len(query.team_ids) == 1,
        min(len(query.statuses), 2),
        bool(query.priorities),
        query.assignee_id is not None,
        query.unassigned,
        query.created_by is not None,
        query.due_before is not None,
        query.due_after is not None,
        query.overdue_on is not None,
        query.title_contains is not None,
        query.sort,
        query.descending,
        query.after is not None,
    )


def _list_parameters(query: TaskQuery) -> dict[str, Any]:
    """The values of the named parameters of the statements of ``query``'s shape."""
    values: dict[str, Any] = {"limit": query.limit + 1}
    if len(query.team_ids) == 1:
        values["team_id"] = query.team_ids[0]
    else:
        values["team_ids"] = list(query.team_ids)
    if len(query.statuses) == 1:
        values["status"] = query.statuses[0].value
    elif query.statuses:
        values["statuses"] = [s.value for s in query.statuses]
    if query.priorities:
        values["priorities"] = [p.value for p in query.priorities]
    if query.assignee_id is not None:
        values["assignee_id"] = query.assignee_id
    if query.created_by is not None:
        values["created_by"] = query.created_by
    if query.due_before is not None:
        values["due_before"] = query.due_before
    if query.due_after is not None:
        values["due_after"] = query.due_after
    if query.overdue_on is not None:
        values["overdue_on"] = query.overdue_on
    if query.title_contains is not None:
        # What ``contains(..., autoescape=True)`` does to a literal: LIKE's wildcards
        # (and the escape character itself) in the searched text are literal.
        escaped = query.title_contains.lower()
        for special in ("/", "%", "_"):
            escaped = escaped.replace(special, "/" + special)
        values["title_contains"] = escaped
    if query.after is not None:
        position = _key_values(query.sort, *query.after)
        values |= {f"after_{i}": value for i, value in enumerate(position)}
    return values


def _shape_filters(shape: _TaskListShape) -> list[ColumnElement[bool]]:
    (
        one_team,
        statuses,
        priorities,
        assignee,
        unassigned,
        created_by,
        due_before,
        due_after,
        overdue_on,
        title_contains,
        *_order,
    ) = shape
    c = t.tasks.c
    where: list[ColumnElement[bool]] = [c.deleted_at.is_(None)]
    if one_team:
        where.append(c.team_id == sa.bindparam("team_id"))
    else:
        where.append(c.team_id.in_(sa.bindparam("team_ids", expanding=True)))
    if statuses == 1:
        where.append(c.status == sa.bindparam("status"))
    elif statuses:
        where.append(c.status.in_(sa.bindparam("statuses", expanding=True)))
    if priorities:
        where.append(c.priority.in_(sa.bindparam("priorities", expanding=True)))
    if assignee:
        where.append(c.assignee_id == sa.bindparam("assignee_id"))
    if unassigned:
        where.append(c.assignee_id.is_(None))
    if created_by:
        where.append(c.created_by == sa.bindparam("created_by"))
    if due_before:
        where.append(c.due_date < sa.bindparam("due_before"))
    if due_after:
        where.append(c.due_date > sa.bindparam("due_after"))
    if overdue_on:
        where.append(c.due_date < sa.bindparam("overdue_on"))
        where.append(c.status != TaskStatus.DONE.value)
    if title_contains:
        title = sa.func.lower(c.title)
        where.append(title.contains(sa.bindparam("title_contains", type_=sa.String()), escape="/"))
    return where


_LIST_STATEMENTS: Final[dict[tuple[_TaskListShape, bool], DirectStatement]] = {}
_COUNT_STATEMENTS: Final[dict[_TaskListShape, DirectStatement]] = {}


def _list_statement(shape: _TaskListShape, *, row_values: bool) -> DirectStatement:
    statement = _LIST_STATEMENTS.get((shape, row_values))
    if statement is None:
        sort, descending, has_position = shape[-3:]
        keys = _sort_keys(sort)
        where = _shape_filters(shape)
        if has_position:
            binds: list[ColumnElement[Any]] = [
                sa.bindparam(f"after_{i}", type_=k.type) for i, k in enumerate(keys)
            ]
            if row_values:
                row, position = sa.tuple_(*keys), sa.tuple_(*binds)
                where.append(row < position if descending else row > position)
            else:
                where.append(_beyond(keys, binds, descending=descending))
        order = [k.desc() if descending else k.asc() for k in keys]
        select = (
            sa.select(t.tasks)
            .where(*where)
            .order_by(*order)
            .limit(sa.bindparam("limit", type_=sa.Integer()))
        )
        # Task rows are read by position (``_task``): plain tuples.
        statement = _LIST_STATEMENTS[(shape, row_values)] = DirectStatement(select, named=False)
    return statement


def _count_statement(shape: _TaskListShape) -> DirectStatement:
    statement = _COUNT_STATEMENTS.get(shape)
    if statement is None:
        select = sa.select(sa.func.count()).select_from(t.tasks).where(*_shape_filters(shape))
        statement = _COUNT_STATEMENTS[shape] = DirectStatement(select)
    return statement


def _beyond(
    keys: list[ColumnElement[Any]], values: list[ColumnElement[Any]], *, descending: bool
) -> ColumnElement[bool]:
    """``(k1, k2, ...) < (v1, v2, ...)`` (``>`` ascending), expanded into
    ``k1 < v1 OR (k1 = v1 AND (k2 < v2 OR ...))``: MariaDB's range optimizer reads this
    form from an index, not the row-value one."""
    first, first_value = keys[0], values[0]
    strictly = first < first_value if descending else first > first_value
    if len(keys) == 1:
        return strictly
    rest = _beyond(keys[1:], values[1:], descending=descending)
    return sa.or_(strictly, sa.and_(first == first_value, rest))


def task_list_statement(query: TaskQuery, *, row_values: bool = True) -> sa.Select[Any]:
    """The one SELECT behind ``TaskRepository.list``, with ``query``'s values bound (for
    the EXPLAIN tests and the benchmark). ``row_values``: the keyset as a row-value
    comparison (PostgreSQL, SQLite: an index condition there), else in the expanded OR
    form (MariaDB)."""
    statement = cast(
        "sa.Select[Any]", _list_statement(_list_shape(query), row_values=row_values).statement
    )
    return statement.params(_list_parameters(query))


class SqlTaskRepository(_Repository):
    _t = t.tasks

    def add(self, task: Task) -> None:
        values = _task_values(task)
        if task.idempotency_key is None:
            self._direct(_INSERT_TASK, values)  # nothing unique to collide with: no savepoint
            return
        with self._unique(lambda: Conflict("A task with this idempotency key already exists.")):
            self._connection().execute(_INSERT_TASK.statement, values)

    def get(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None:
        statement = _TASK_BY_ID if include_deleted else _LIVE_TASK_BY_ID
        row = self._direct(statement, {"task_id": task_id}).first()
        return _task(row) if row else None

    def get_by_idempotency_key(self, team_id: UUID, created_by: UUID, key: str) -> Task | None:
        statement = sa.select(self._t).where(
            self._t.c.team_id == team_id,
            self._t.c.created_by == created_by,
            self._t.c.idempotency_key == key,
        )
        row = self._execute(statement).first()
        return _task(row) if row else None

    def update(self, task: Task) -> None:
        values = _task_values(task)
        values["task_id"] = values.pop("id")
        values["expected_version"] = task.version - 1
        if self._direct(_UPDATE_TASK, values).rowcount != 1:
            raise VersionConflict()

    def list(self, query: TaskQuery) -> Slice[Task]:
        row_values = self._connection().dialect.name not in ("mysql", "mariadb")
        shape, parameters = _list_shape(query), _list_parameters(query)
        statement = _list_statement(shape, row_values=row_values)
        rows = [_task(row) for row in self._direct(statement, parameters).all()]
        total: int | None = None
        if query.with_total:
            del parameters["limit"]
            for key in [k for k in parameters if k.startswith("after_")]:
                del parameters[key]
            total = int(self._direct(_count_statement(shape), parameters).scalar_one())
        return Slice(items=rows[: query.limit], has_more=len(rows) > query.limit, total=total)

    def open_tasks_assigned_to(self, team_id: UUID, user_id: UUID) -> Sequence[Task]:
        statement = (
            sa.select(self._t)
            .where(
                self._t.c.team_id == team_id,
                self._t.c.assignee_id == user_id,
                self._t.c.status != TaskStatus.DONE.value,
            )
            .order_by(self._t.c.created_at, self._t.c.id)
        )
        return [_task(row) for row in self._execute(statement)]

    def delete_for_team(self, team_id: UUID) -> None:
        team_tasks = sa.select(self._t.c.id).where(self._t.c.team_id == team_id)
        self._execute(t.comments.delete().where(t.comments.c.task_id.in_(team_tasks)))
        self._execute(t.task_activity.delete().where(t.task_activity.c.task_id.in_(team_tasks)))
        self._execute(self._t.delete().where(self._t.c.team_id == team_id))


def _after(table: sa.Table, after: TimeKey | None) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    position = sa.tuple_(
        sa.bindparam(None, after.created_at, type_=t.UtcDateTime()),
        sa.bindparam(None, after.id, type_=sa.Uuid()),
    )
    return [sa.tuple_(table.c.created_at, table.c.id) > position]


def _comment(row: SqlRow) -> Comment:
    return Comment(
        id=row.id,
        task_id=row.task_id,
        user_id=row.user_id,
        content=row.content,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlCommentRepository(_Repository):
    _t = t.comments

    def add(self, comment: Comment) -> None:
        self._execute(
            self._t.insert().values(
                id=comment.id,
                task_id=comment.task_id,
                user_id=comment.user_id,
                content=comment.content,
                created_at=comment.created_at,
                updated_at=comment.updated_at,
            )
        )

    def get(self, comment_id: UUID) -> Comment | None:
        row = self._execute(sa.select(self._t).where(self._t.c.id == comment_id)).first()
        return _comment(row) if row else None

    def update(self, comment: Comment) -> None:
        self._execute(
            self._t.update()
            .where(self._t.c.id == comment.id)
            .values(content=comment.content, updated_at=comment.updated_at)
        )

    def delete(self, comment_id: UUID) -> None:
        self._execute(self._t.delete().where(self._t.c.id == comment_id))

    def list_for_task(self, task_id: UUID, after: TimeKey | None, limit: int) -> Slice[Comment]:
        statement = (
            sa.select(self._t)
            .where(self._t.c.task_id == task_id, *_after(self._t, after))
            .order_by(self._t.c.created_at, self._t.c.id)
            .limit(limit + 1)
        )
        rows = [_comment(row) for row in self._execute(statement)]
        return Slice(items=rows[:limit], has_more=len(rows) > limit)


def _activity(row: SqlRow) -> TaskActivity:
    return TaskActivity(
        id=row.id,
        task_id=row.task_id,
        actor_id=row.actor_id,
        kind=ActivityKind(row.kind),
        created_at=row.created_at,
        field=row.field,
        old_value=row.old_value,
        new_value=row.new_value,
    )


class SqlActivityRepository(_Repository):
    _t = t.task_activity

    def add(self, activity: TaskActivity) -> None:
        self._direct(
            _INSERT_ACTIVITY,
            {
                "id": activity.id,
                "task_id": activity.task_id,
                "actor_id": activity.actor_id,
                "kind": activity.kind.value,
                "created_at": activity.created_at,
                "field": activity.field,
                "old_value": activity.old_value,
                "new_value": activity.new_value,
            },
        )

    def list_for_task(
        self, task_id: UUID, after: TimeKey | None, limit: int
    ) -> Slice[TaskActivity]:
        statement = (
            sa.select(self._t)
            .where(self._t.c.task_id == task_id, *_after(self._t, after))
            .order_by(self._t.c.created_at, self._t.c.id)
            .limit(limit + 1)
        )
        rows = [_activity(row) for row in self._execute(statement)]
        return Slice(items=rows[:limit], has_more=len(rows) > limit)
