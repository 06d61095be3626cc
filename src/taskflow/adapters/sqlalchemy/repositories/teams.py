"""Teams on SQL: teams, memberships, invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Final
from uuid import UUID

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.sql import ColumnElement

from taskflow.adapters.sqlalchemy.direct import DirectStatement
from taskflow.adapters.sqlalchemy.repositories.base import SqlRepository, SqlRow
from taskflow.adapters.sqlalchemy.tables import TableSet
from taskflow.domain.models import Invite, Membership, Role, Team, TeamSummary
from taskflow.errors import AlreadyTeamMember

__all__ = [
    "ROLES",
    "SqlInviteRepository",
    "SqlMembershipRepository",
    "SqlTeamRepository",
]

ROLES: Final = {r.value: r for r in Role}
"""A role by its stored value (a dict lookup: cheaper than ``Role(value)`` per row)."""


@frozen
class _Statements:
    """Every call checks the team and the membership: these statements are built once
    per ``TableSet`` and run on the direct lane (``direct.py``)."""

    team_by_id: DirectStatement
    membership: DirectStatement
    team_with_membership: DirectStatement


@cache
def _statements(tables: TableSet) -> _Statements:
    teams, members = tables.teams, tables.team_members
    return _Statements(
        team_by_id=DirectStatement(sa.select(teams).where(teams.c.id == sa.bindparam("team_id"))),
        membership=DirectStatement(
            sa.select(members).where(
                members.c.team_id == sa.bindparam("team_id"),
                members.c.user_id == sa.bindparam("user_id"),
            )
        ),
        team_with_membership=DirectStatement(
            sa.select(
                teams,
                members.c.id.label("membership_id"),
                members.c.role,
                members.c.joined_at,
            )
            .select_from(
                teams.outerjoin(
                    members,
                    sa.and_(
                        members.c.team_id == teams.c.id,
                        members.c.user_id == sa.bindparam("user_id"),
                    ),
                )
            )
            .where(teams.c.id == sa.bindparam("team_id"))
        ),
    )


def _team(row: SqlRow) -> Team:
    return Team(id=row.id, name=row.name, owner_id=row.owner_id, created_at=row.created_at)


class SqlTeamRepository(SqlRepository):
    _table = "teams"

    def add(self, team: Team) -> None:
        self._execute(
            self._t.insert().values(
                id=team.id, name=team.name, owner_id=team.owner_id, created_at=team.created_at
            )
        )

    def get(self, team_id: UUID) -> Team | None:
        row = self._direct(_statements(self._tables).team_by_id, {"team_id": team_id}).first()
        return _team(row) if row else None

    def get_with_membership(
        self, team_id: UUID, user_id: UUID
    ) -> tuple[Team, Membership | None] | None:
        parameters = {"team_id": team_id, "user_id": user_id}
        row = self._direct(_statements(self._tables).team_with_membership, parameters).first()
        if row is None:
            return None
        membership = None
        if row.membership_id is not None:
            membership = Membership(
                id=row.membership_id,
                team_id=row.id,
                user_id=user_id,
                role=ROLES[row.role],
                joined_at=row.joined_at,
            )
        return _team(row), membership

    def update(self, team: Team) -> None:
        self._execute(
            self._t.update()
            .where(self._t.c.id == team.id)
            .values(name=team.name, owner_id=team.owner_id, created_at=team.created_at)
        )

    def rename(self, team_id: UUID, name: str) -> None:
        self._execute(self._t.update().where(self._t.c.id == team_id).values(name=name))

    def set_owner(self, team_id: UUID, expected_owner_id: UUID, new_owner_id: UUID) -> bool:
        statement = (
            self._t.update()
            .where(self._t.c.id == team_id, self._t.c.owner_id == expected_owner_id)
            .values(owner_id=new_owner_id)
        )
        return self._rowcount(statement) == 1

    def delete(self, team_id: UUID) -> None:
        # Explicit, in dependency order, rather than trusting ON DELETE CASCADE alone.
        self._execute(
            self._tables.invites.delete().where(self._tables.invites.c.team_id == team_id)
        )
        self._execute(
            self._tables.team_members.delete().where(self._tables.team_members.c.team_id == team_id)
        )
        self._execute(self._t.delete().where(self._t.c.id == team_id))


def _membership(row: SqlRow) -> Membership:
    return Membership(
        id=row.id,
        team_id=row.team_id,
        user_id=row.user_id,
        role=Role(row.role),
        joined_at=row.joined_at,
    )


class SqlMembershipRepository(SqlRepository):
    _table = "team_members"

    def add(self, membership: Membership) -> None:
        with self._unique(AlreadyTeamMember) as savepoint:
            savepoint.execute(
                self._t.insert().values(
                    id=membership.id,
                    team_id=membership.team_id,
                    user_id=membership.user_id,
                    role=membership.role.value,
                    joined_at=membership.joined_at,
                )
            )

    def get(self, team_id: UUID, user_id: UUID) -> Membership | None:
        row = self._direct(
            _statements(self._tables).membership, {"team_id": team_id, "user_id": user_id}
        ).first()
        return _membership(row) if row else None

    def list_for_team(self, team_id: UUID) -> Sequence[Membership]:
        statement = (
            sa.select(self._t)
            .where(self._t.c.team_id == team_id)
            .order_by(self._t.c.joined_at, self._t.c.id)
        )
        return [_membership(row) for row in self._execute(statement)]

    def teams_of_user(self, user_id: UUID) -> Sequence[TeamSummary]:
        teams = self._tables.teams
        name: ColumnElement[str] = teams.c.name
        if self._is_postgresql():
            name = name.collate("C")  # code-point order, as Python and the other backends
        statement = (
            sa.select(teams.c.id, teams.c.name, self._t.c.role)
            .join(self._t, self._t.c.team_id == teams.c.id)
            .where(self._t.c.user_id == user_id)
            .order_by(name, teams.c.id)
        )
        return [
            TeamSummary(id=row.id, name=row.name, role=Role(row.role))
            for row in self._execute(statement)
        ]

    def team_ids_of_user(self, user_id: UUID) -> Sequence[UUID]:
        statement = sa.select(self._t.c.team_id).where(self._t.c.user_id == user_id)
        return list(self._execute(statement).scalars())

    def set_role(self, team_id: UUID, user_id: UUID, role: Role, *, expected: Role) -> bool:
        statement = (
            self._t.update()
            .where(
                self._t.c.team_id == team_id,
                self._t.c.user_id == user_id,
                self._t.c.role == expected.value,
            )
            .values(role=role.value)
        )
        return self._rowcount(statement) > 0

    def remove(self, team_id: UUID, user_id: UUID, *, expected: Role) -> bool:
        statement = self._t.delete().where(
            self._t.c.team_id == team_id,
            self._t.c.user_id == user_id,
            self._t.c.role == expected.value,
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


class SqlInviteRepository(SqlRepository):
    _table = "invites"

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

    def count_sent_by(self, user_id: UUID, since: datetime) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(self._t)
            .where(self._t.c.created_by == user_id, self._t.c.created_at >= since)
        )
        return int(self._execute(statement).scalar_one())

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

    def list_pending_for_email(self, email: str, now: datetime) -> Sequence[Invite]:
        statement = (
            sa.select(self._t)
            .where(
                self._t.c.email == email,
                self._t.c.accepted_at.is_(None),
                self._t.c.revoked_at.is_(None),
                self._t.c.expires_at > now,
            )
            .order_by(self._t.c.created_at.desc(), self._t.c.id.desc())
        )
        return [_invite(row) for row in self._execute(statement)]

    def drop_for_user(self, user_id: UUID, email: str) -> int:
        statement = self._t.delete().where(
            sa.or_(
                self._t.c.email == email,
                self._t.c.accepted_by == user_id,
                sa.and_(self._t.c.created_by == user_id, self._t.c.accepted_at.is_(None)),
            )
        )
        return self._rowcount(statement)

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
